"""benchgen: F0 declarations with their history and photos, home care with its daily
reports and alerts, and lab results, planned together so that they agree as the
services leave them (declarations/f0, homecare and labresults services.py):

1. Every F0 declaration in every state. A declaration the station accepted starts home
   care at its isolation address (homecare_enrol_from_f0), so the accepted,
   completion-requested and completed ones ("cared") are at most 90 % of the home-care
   patients; the others wait for the station (submitted) or were rejected.
2. A quarter of the cared cases were opened by a lab's positive result (source "lab":
   no declarer, no photos, accepted when the result was entered); other positive
   results joined a citizen's open case. Every positive result has its case, so the
   positives are bounded by the cases; the other results are negative or invalid.
3. A completion is declared with a photo of a negative test, or with one of the
   person's negative lab results (which then names the case); a completed case has its
   certificate id and its home care ended "completed" at the same moment.
4. Home-care patients who did not come from an F0 declaration registered themselves
   (pending, active, rejected or ended) or were registered by the station.
5. Daily reports fall on the days of care (after the enrolment, before the end, none
   in the future), judged by the rule in force (scoring.danger_signs); a report with
   danger signs has its alert, acknowledged unless recent.

Each declaration's events are the transitions the services write, in order, with the
F0 timing rule's version. Rows go in the order they happened: ids grow with time.
"""

import json
from array import array
from decimal import Decimal

from benchgen_base import (
    DAY,
    HOUR,
    MINUTE,
    NULL,
    UvciMaker,
    World,
    copy_lines,
    date_of,
    hex_digits,
    phone_of,
    rng_for,
    uuid4,
)
from benchgen_people import Accounts, street_of
from benchgen_vaccination import f0_vaccination

CARED_SHARE_OF_F0, CARED_SHARE_OF_HOMECARE = 0.85, 0.9
LAB_CASE_SHARE = 0.25  # of the cared cases
POSITIVE_SHARE = 0.1  # of the lab results
LAB_COMPLETION_SHARE = 0.4  # of the completions
CORRECTED_SHARE = 0.007  # of the other results: an invalid one corrected to negative
INVALID_SHARE = 0.06
MISSED_DAY_SHARE = 0.05
DANGER_SHARE = 0.03
F0_SYMPTOMS = ("cough", "fatigue", "fever", "loss_of_smell", "sore_throat")
CONDITIONS = ("diabetes", "heart", "hypertension", "lung", "obesity")
# The home-care patients who did not come from an F0 case: "source:status" → share.
OTHER_PATIENTS = {
    "self:active": 0.25, "self:pending": 0.2, "self:rejected": 0.07, "self:ended": 0.18,
    "station:active": 0.18, "station:ended": 0.12,
}  # fmt: skip
END_REASONS = (("completed", 55), ("hospital", 40), ("died", 5))
END_NOTES = {"hospital": "Chuyển Bệnh viện dã chiến điều trị", "died": "", "completed": ""}
REJECT_NOTE = "Địa chỉ cách ly ghi chưa rõ số nhà, đề nghị bổ sung."
HOMECARE_REJECT_NOTE = "Có bệnh nền chưa ổn định, cần điều trị tại cơ sở y tế."
ACTION_NOTE = "Đã gọi điện, hướng dẫn theo dõi SpO2 và dùng thuốc theo đơn."
REMINDED, REMINDED_LATE = "Người dân nhắc Trạm Y tế", "Người dân nhắc Sở Y tế vì quá hạn xử lý"


class Case:
    __slots__ = (
        "person", "ward", "state", "lab", "test_day", "test_type", "submitted", "decided",
        "reminded", "escalated", "requested", "completed", "completion_day", "account",
        "relationship", "phone_person", "decided_by", "reject_reason", "photos",
        "completion_result", "opening_result", "pk",
    )  # fmt: skip

    def __init__(self, person, ward, state, lab):
        self.person, self.ward, self.state, self.lab = person, ward, state, lab
        self.reminded = self.escalated = self.decided = self.requested = self.completed = None
        self.completion_day = self.completion_result = self.opening_result = None
        self.decided_by = NULL
        self.reject_reason = ""
        self.photos = {}


class Result:
    __slots__ = (
        "person", "ward", "lab", "test_type", "outcome", "sampled", "resulted", "entered",
        "source", "entered_by", "token", "status", "replaces", "note", "case", "sample_id",
        "phone", "pk",
    )  # fmt: skip

    def __init__(self, person, ward, outcome, case=None):
        self.person, self.ward, self.outcome, self.case = person, ward, outcome, case
        self.status, self.replaces, self.note, self.sample_id = "current", None, "", ""


class Patient:
    __slots__ = (
        "person", "source", "status", "ward", "phone", "facility", "case", "onset_day",
        "screening", "flags", "registered", "registered_by", "decided", "decided_by",
        "reject_note", "ended", "end_reason", "end_note", "ended_by", "account", "pk",
    )  # fmt: skip

    def __init__(self, person, source, status, ward):
        self.person, self.source, self.status, self.ward = person, source, status, ward
        self.facility, self.case, self.screening, self.flags = NULL, None, "{}", "[]"
        self.decided = self.ended = None
        self.registered_by = self.decided_by = self.ended_by = NULL
        self.reject_note = self.end_reason = self.end_note = ""


def _split(total: int, shares: dict[str, float]) -> dict[str, int]:
    """`total` split by `shares` (largest remainders), each part at least 1 while there
    are enough to go round."""
    names = list(shares)
    floor = 1 if total >= len(names) else 0
    rest, scale = total - floor * len(names), sum(shares.values())
    exact = {name: rest * shares[name] / scale for name in names}
    parts = {name: floor + int(exact[name]) for name in names}
    by_remainder = sorted(names, key=lambda name: exact[name] - int(exact[name]), reverse=True)
    for name in by_remainder[: total - sum(parts.values())]:
        parts[name] += 1
    return parts


def plan_sizes(*, f0: int, homecare: int, lab_results: int) -> dict[str, int]:
    """How many rows of each kind the sizes give (module docstring)."""
    cared = min(round(f0 * CARED_SHARE_OF_F0), round(homecare * CARED_SHARE_OF_HOMECARE))
    if f0 >= 5 and homecare >= 3:
        cared = max(cared, 3)
    if f0 >= 5:
        cared = min(cared, f0 - 2)
    sizes = {
        **_split(cared, {"completed": 0.6, "accepted": 0.3, "completion_requested": 0.1}),
        **_split(f0 - cared, {"submitted": 0.6, "rejected": 0.4}),
    }
    positives = round(lab_results * POSITIVE_SHARE)
    sizes["lab_cases"] = min(round(cared * LAB_CASE_SHARE), positives)
    sizes["joined"] = min(positives - sizes["lab_cases"], cared - sizes["lab_cases"])
    completions = sizes["completed"] + sizes["completion_requested"]
    sizes["lab_completions"] = min(
        round(completions * LAB_COMPLETION_SHARE),
        lab_results - sizes["lab_cases"] - sizes["joined"],
    )
    others = lab_results - sizes["lab_cases"] - sizes["joined"] - sizes["lab_completions"]
    sizes["corrected"] = round(others * CORRECTED_SHARE / 2)
    sizes["other_results"] = others - 2 * sizes["corrected"]
    sizes["other_patients"] = max(homecare - cared, 0)
    return sizes


class Planner:
    """The plan of every row (module docstring), then its COPY."""

    def __init__(self, world: World, accounts: Accounts):
        from declarations.f0.rules import F0_TIMING
        from declarations.homecare.rules import HOMECARE
        from declarations.labresults.rules import LABRESULTS

        self.world, self.accounts, self.clock = world, accounts, world.clock
        self.rng = rng_for(world.seed, "cases")
        self.timing = world.rule_values[F0_TIMING]
        self.homecare_rules = world.rule_values[HOMECARE]
        self.lab_rules = world.rule_values[LABRESULTS]
        self.versions = (world.rules[F0_TIMING], world.rules[HOMECARE], world.rules[LABRESULTS])
        self.cases: list[Case] = []
        self.results: list[Result] = []
        self.patients: list[Patient] = []

    # -- helpers --------------------------------------------------------------------------

    def _between(self, start: int, end: int) -> int:
        return start + int(self.rng.random() * max(end - start, 0))

    def _ward_near(self, person: int) -> int:
        """The isolation ward: mostly the person's own, else one of the same province."""
        ward = self.world.person_ward[person]
        if self.rng.random() < 0.9:
            return ward
        return self.rng.choice(self.world.province_wards[self.world.province_of(ward)])

    def _lab_source(self, result: Result, province: int) -> None:
        staff, rng = self.world.staff, self.rng
        result.lab = staff.labs[province][rng.random() < 0.5]
        x = rng.random()
        if x < 0.4:
            result.source, result.entered_by, result.token = (
                "api",
                NULL,
                str(staff.lab_token[result.lab]),
            )
        else:
            result.source = "form" if x < 0.7 else "csv"
            result.entered_by, result.token = str(staff.lab_user[result.lab]), NULL

    def _result_times(self, result: Result, sampled: int, latest: int) -> None:
        """Sampled at `sampled`, resulted and entered as a lab does (most within the
        entry deadline, some late), never after `latest`."""
        rng = self.rng
        result.test_type = "pcr" if rng.random() < 0.6 else "rapid"
        took = (
            3 * HOUR + rng.random() * 21 * HOUR
            if result.test_type == "pcr"
            else 900 + rng.random() * 2700
        )
        deadline = self.lab_rules["entry_deadline_hours"] * HOUR
        delay = (
            300 + rng.random() * (deadline - 600)
            if rng.random() < 0.85
            else deadline + rng.random() * 27 * HOUR
        )
        result.sampled = sampled
        result.resulted = min(sampled + int(took), latest)
        result.entered = max(min(result.resulted + int(delay), latest), result.resulted)

    # -- F0 declarations ------------------------------------------------------------------

    def plan_cases(self, sizes: dict[str, int], persons: list[int]) -> None:
        rng = self.rng
        states = [
            state for state in ("submitted", "rejected", "accepted") for _ in range(sizes[state])
        ]
        states += ["completion_requested"] * sizes["completion_requested"]
        states += ["completed"] * sizes["completed"]
        rng.shuffle(states)
        cared = [i for i, state in enumerate(states) if state not in ("submitted", "rejected")]
        by_lab = set(rng.sample(cared, sizes["lab_cases"]))
        for index, (person, state) in enumerate(zip(persons, states, strict=True)):
            lab = index in by_lab
            case = Case(
                person,
                self.world.person_ward[person] if lab else self._ward_near(person),
                state,
                lab,
            )
            case.account, case.relationship, case.phone_person = self.accounts.filer(person)
            self._case_times(case)
            self.cases.append(case)

    def _case_times(self, case: Case) -> None:
        rng, clock, now = self.rng, self.clock, self.clock.now
        window, iso = self.timing["test_date_window_days"], self.timing["isolation_days"]
        hours = self.timing["decision_hours"] * HOUR
        station = str(self.world.staff.station_user[case.ward])
        case.test_type = "pcr" if rng.random() < 0.3 else "rapid"
        if case.state == "submitted":
            case.submitted = now - 300 - int(rng.random() * 48 * HOUR)
            case.test_day = clock.local_day(case.submitted) - rng.randint(0, window)
            if now - case.submitted > hours and rng.random() < 0.5:
                case.reminded = case.escalated = self._between(case.submitted + hours, now - 60)
            elif now - case.submitted > 2 * HOUR and rng.random() < 0.15:
                case.reminded = self._between(
                    case.submitted + HOUR, min(now, case.submitted + hours) - 60
                )
            return
        if case.state == "rejected":
            case.submitted = now - 2 * HOUR - int(rng.random() * 10 * DAY)
            case.test_day = clock.local_day(case.submitted) - rng.randint(0, window)
            case.decided = self._between(
                case.submitted + 30 * MINUTE, min(case.submitted + 30 * HOUR, now - 60)
            )
            case.decided_by = station
            case.reject_reason = rng.choice(REJECT_REASONS)
            return
        if case.state == "accepted":
            case.test_day = clock.today - rng.randint(2, iso + 2)
        elif case.state == "completion_requested":
            case.test_day = clock.today - rng.randint(iso + 1, iso + 7)
        else:
            case.test_day = clock.today - rng.randint(iso + 4, 90)
        if case.lab:
            result = Result(case.person, case.ward, "positive", case)
            self._lab_source(result, self.world.province_of(case.ward))
            self._result_times(
                result, clock.at(case.test_day, 7 * HOUR + int(rng.random() * 4 * HOUR)), now - HOUR
            )
            result.phone = phone_of(case.phone_person)
            case.test_type = result.test_type
            case.opening_result = result
            self.results.append(result)
            case.submitted = case.decided = result.entered
            case.decided_by = result.entered_by
        else:
            case.submitted = clock.at(
                case.test_day + rng.randint(0, window), 7 * HOUR + int(rng.random() * 14 * HOUR)
            )
            case.submitted = min(case.submitted, now - 2 * HOUR - int(rng.random() * HOUR))
            case.decided = self._between(
                case.submitted + 20 * MINUTE, min(case.submitted + hours, now - HOUR)
            )
            case.decided_by = station
        if case.state == "accepted":
            return
        opens = max(case.decided + HOUR, clock.at(case.test_day + iso, 7 * HOUR))
        if case.state == "completion_requested":
            case.requested = self._between(opens, now - 30 * MINUTE)
        else:
            case.requested = self._between(opens, opens + 3 * DAY)
            case.completed = self._between(
                case.requested + HOUR, min(case.requested + DAY, now - 60)
            )
        request_day = clock.local_day(case.requested)
        case.completion_day = self._between(
            max(case.test_day + 1, request_day - 1), request_day + 1
        )

    def plan_joined_results(self, count: int) -> None:
        """Positive results that joined a citizen's case while it was open."""
        rng, now = self.rng, self.clock.now
        candidates = [
            case
            for case in self.cases
            if case.decided and not case.lab and case.state != "rejected"
        ]
        for case in rng.sample(candidates, count):
            result = Result(case.person, self.world.person_ward[case.person], "positive", case)
            self._lab_source(result, self.world.province_of(result.ward))
            end = (case.completed or now) - 10 * MINUTE
            self._result_times(result, self.clock.at(case.test_day, 8 * HOUR), end)
            if result.entered < case.decided:
                # Entered while the case waited, it would have been accepted by the lab.
                result.entered = self._between(max(case.decided + 5 * MINUTE, result.resulted), end)
                result.entered = max(result.entered, result.resulted)
            result.phone = phone_of(case.phone_person)
            self.results.append(result)

    def plan_completion_results(self, count: int) -> None:
        """Negative results that stand for the completion photo (f0_completion_request)."""
        rng, clock = self.rng, self.clock
        iso = self.timing["isolation_days"]
        candidates = [case for case in self.cases if case.requested]
        for case in rng.sample(candidates, count):
            first = clock.at(case.test_day + iso, 7 * HOUR)
            latest = case.requested - 5 * MINUTE
            if latest - first < 4 * HOUR:
                continue  # no room for a sample: the completion keeps its photo
            result = Result(case.person, self.world.person_ward[case.person], "negative", case)
            self._lab_source(result, self.world.province_of(result.ward))
            sampled = self._between(first, latest - 3 * HOUR)
            self._result_times(result, sampled, latest)
            result.phone = phone_of(case.phone_person)
            case.completion_result = result
            case.completion_day = clock.local_day(result.sampled)
            self.results.append(result)

    def plan_other_results(self, singles: int, corrected: int) -> None:
        rng, clock, world = self.rng, self.clock, self.world
        for index in range(singles + corrected):
            person = rng.randint(1, world.persons)
            invalid = index >= singles or rng.random() < INVALID_SHARE
            result = Result(person, world.person_ward[person], "invalid" if invalid else "negative")
            self._lab_source(result, world.province_of(result.ward))
            self._result_times(
                result, clock.now - 3 * DAY - int(rng.random() * 87 * DAY), clock.now - 60
            )
            result.phone = phone_of(person)
            self.results.append(result)
            if index >= singles:
                # The lab corrects it: a new row replaces it (result_correct).
                result.status = "corrected"
                new = Result(person, result.ward, "negative")
                for name in ("lab", "test_type", "sampled", "resulted", "source", "token", "phone"):
                    setattr(new, name, getattr(result, name))
                new.entered_by = str(world.staff.lab_user[result.lab])
                new.token = NULL
                new.entered = self._between(
                    result.entered + HOUR, min(result.entered + 2 * DAY, clock.now - 60)
                )
                new.replaces, new.note = result, "Nhập nhầm kết quả, mẫu đã xét nghiệm lại"
                self.results.append(new)

    # -- home care ------------------------------------------------------------------------

    def plan_patients(self, others: list[int]) -> None:
        world, staff = self.world, self.world.staff
        for case in self.cases:
            if case.decided is None or case.state == "rejected":
                continue
            patient = Patient(
                case.person,
                "lab" if case.lab else "f0",
                "ended" if case.completed else "active",
                case.ward,
            )
            patient.case, patient.phone = case, phone_of(case.phone_person)
            patient.onset_day = case.test_day
            patient.registered = patient.decided = case.decided
            patient.registered_by = patient.decided_by = case.decided_by
            if case.completed:
                patient.ended, patient.end_reason = case.completed, "completed"
                patient.ended_by = str(staff.station_user[case.ward])
            patient.account = case.account
            if self.rng.random() < 0.05:
                patient.facility = str(staff.facility[world.province_of(case.ward)])
            self.patients.append(patient)
        kinds = _split(len(others), OTHER_PATIENTS)
        kinds = [kind for kind, count in kinds.items() for _ in range(count)]
        self.rng.shuffle(kinds)
        for person, kind in zip(others, kinds, strict=True):
            self.patients.append(self._other_patient(person, *kind.split(":")))

    def _other_patient(self, person: int, source: str, status: str) -> Patient:
        from declarations.homecare.scoring import screening_flags

        rng, clock, now, world = self.rng, self.clock, self.clock.now, self.world
        ward = world.person_ward[person]
        station = str(world.staff.station_user[ward])
        account, _relationship, phone_person = self.accounts.filer(person)
        if source == "station":
            patient = Patient(person, "station", status, ward)
            patient.registered = now - HOUR - int(rng.random() * 9 * DAY)
            if status == "ended":
                patient.registered -= 12 * DAY + int(rng.random() * 40 * DAY)
            patient.decided, patient.registered_by = patient.registered, station
        else:
            patient = Patient(person, "self", status, ward)
            patient.registered_by = str(account)
            if status == "pending":
                patient.registered = now - 10 * MINUTE - int(rng.random() * 36 * HOUR)
            else:
                patient.registered = now - HOUR - int(rng.random() * 9 * DAY)
                if status in ("rejected", "ended"):
                    patient.registered -= 12 * DAY + int(rng.random() * 40 * DAY)
                patient.decided = self._between(
                    patient.registered + 10 * MINUTE, min(patient.registered + 12 * HOUR, now - 60)
                )
            unstable = status == "rejected" and rng.random() < 0.7
            answers = {
                "health_status": "mild" if rng.random() < 0.7 else "none",
                "danger_symptoms": [],
                "spo2": rng.randint(96, 99) if rng.random() < 0.8 else None,
                "breathing_rate": rng.randint(14, 19) if rng.random() < 0.6 else None,
                "conditions": ["diabetes"] if unstable else [],
                "condition_unstable": unstable,
                "pregnancy_weeks": None,
                "vaccine_doses": world.dose_count[person] if world.dose_count else 0,
                "has_carer": True,
            }
            registered_on = date_of(clock.local_day(patient.registered))
            born = date_of(world.person_born[person])
            months = (registered_on.year - born.year) * 12 + registered_on.month - born.month
            months -= registered_on.day < born.day
            flags = screening_flags(
                answers, age=world.age(person, clock.local_day(patient.registered)),
                age_months=months, rules=self.homecare_rules,
            )  # fmt: skip
            patient.screening = json.dumps(
                {**answers, "rules_version": self.versions[1]}, ensure_ascii=False
            )
            patient.flags = json.dumps(flags)
        if patient.decided is not None:
            patient.decided_by = station
        if status == "rejected":
            patient.reject_note = HOMECARE_REJECT_NOTE
        if status == "ended":
            patient.end_reason = rng.choices(*zip(*END_REASONS, strict=True))[0]
            patient.end_note = END_NOTES[patient.end_reason]
            patient.ended = self._between(
                patient.decided + 5 * DAY, min(patient.decided + 14 * DAY, now - 60)
            )
            patient.ended_by = station
        patient.phone, patient.account = phone_of(phone_person), account
        patient.onset_day = clock.local_day(patient.registered) - rng.randint(0, 5)
        return patient

    # -- ids ------------------------------------------------------------------------------

    def number(self) -> None:
        """Ids in the order the rows were made; the sample ids of each lab likewise."""
        self.cases.sort(key=lambda case: case.submitted)
        for pk, case in enumerate(self.cases, start=1):
            case.pk = pk
        self.results.sort(key=lambda result: result.entered)
        sequence: dict[int, int] = {}
        staff = self.world.staff
        for pk, result in enumerate(self.results, start=1):
            result.pk = pk
            if result.replaces is not None:
                result.sample_id = result.replaces.sample_id
            else:
                sequence[result.lab] = sequence.get(result.lab, 0) + 1
                result.sample_id = f"{staff.lab_code[result.lab]}-{sequence[result.lab]:07d}"
        self.patients.sort(key=lambda patient: patient.registered)
        for pk, patient in enumerate(self.patients, start=1):
            patient.pk = pk


REJECT_REASONS = (
    "photo_unreadable",
    "test_invalid",
    "id_mismatch",
    "out_of_area",
    "duplicate",
    "other",
)


# -- COPY ---------------------------------------------------------------------------------


def _photos(planner: Planner):
    """The photos the citizen cases name (their ids set on the cases), by time."""
    rng, clock = planner.rng, planner.clock
    photos = []
    for case in planner.cases:
        if not case.lab:
            taken = case.submitted - 60 - int(rng.random() * 20 * MINUTE)
            photos.append((taken, case, "test_photo", "test_result"))
            photos.append((taken + 30, case, "id_photo", "id_document"))
        if case.requested and case.completion_result is None:
            photos.append(
                (
                    case.requested - 60 - int(rng.random() * 10 * MINUTE),
                    case,
                    "completion_photo",
                    "test_result",
                )
            )
    photos.sort(key=lambda photo: photo[0])
    for pk, (taken, case, slot, kind) in enumerate(photos, start=1):
        case.photos[slot] = pk
        wide = rng.random() < 0.3
        day = clock.date(clock.local_day(taken)).replace("-", "/")
        yield (
            f"{pk}\t{uuid4(rng)}\t{kind}\tphotos/{day}/{hex_digits(rng, 32)}.jpg\t"
            f"{1600 if wide else 1200}\t{1200 if wide else 1600}\t{rng.randint(150_000, 650_000)}\t"
            f"{hex_digits(rng, 64)}\t{hex_digits(rng, 64)}\t{clock.text(taken)}\t{case.person}\t"
            f"{case.account}\t\\N\n"
        )


def _f0_rows(planner: Planner):
    from django.conf import settings

    rng, clock, world = planner.rng, planner.clock, planner.world
    r = rng.random
    for case in planner.cases:
        person = case.person
        ward = world.ward_by_pk[case.ward]
        cared = case.decided is not None and case.state != "rejected"
        code = f"F0-{ward.code}-{case.pk:06d}" if cared else NULL
        if case.lab:
            declarer, relationship, guardian = NULL, "", ""
            doses, last_day, last_vaccine = "0", NULL, ""
            symptoms = conditions = "[]"
            pregnant = "f"
        else:
            declarer, relationship = str(case.account), case.relationship
            young = world.age(person, clock.local_day(case.submitted)) < 15
            guardian = world.person_name[case.phone_person] if young else ""
            doses, last_day, last_vaccine = f0_vaccination(world, person)
            symptoms = json.dumps(sorted(rng.sample(F0_SYMPTOMS, rng.randint(0, 3))))
            conditions = json.dumps(rng.sample(CONDITIONS, 1) if r() < 0.15 else [])
            female_age = (
                world.person_sex[person] == ord("F") and 18 <= world.age(person, clock.today) <= 45
            )
            pregnant = "t" if female_age and r() < 0.05 else "f"
        reason = case.reject_reason
        note = REJECT_NOTE if reason == "other" else ""
        certificate = ""
        if case.completed:
            certificate = f"URN:KB:{settings.QR_ISSUER}:COMPLETION:{hex_digits(rng, 20).upper()}"
        photos = case.photos
        yield (
            f"{case.pk}\t{relationship}\tf\t{clock.text(case.submitted)}\t{case.state}\t"
            f"{street_of(person)}\t{phone_of(case.phone_person)}\t{guardian}\t"
            f"{clock.date(case.test_day)}\t{case.test_type}\t{doses}\t{last_day}\t{last_vaccine}\t"
            f"{symptoms}\t{conditions}\t\t{pregnant}\t[]\t{code}\t{reason}\t{note}\t"
            f"{clock.text(case.submitted)}\t{clock.text_or_null(case.decided)}\t"
            f"{clock.text_or_null(case.reminded)}\t{clock.text_or_null(case.escalated)}\t"
            f"{NULL if case.completion_day is None else clock.date(case.completion_day)}\t"
            f"{clock.text_or_null(case.requested)}\t\t{clock.text_or_null(case.completed)}\t"
            f"{certificate}\t{uuid4(rng)}\t{photos.get('completion_photo', NULL)}\t"
            f"{case.decided_by}\t{declarer}\t{photos.get('id_photo', NULL)}\t{case.ward}\t"
            f"{person}\t\\N\t"
            f"{photos.get('test_photo', NULL)}\t{'lab' if case.lab else 'citizen'}\n"
        )


def _events(planner: Planner):
    from declarations.f0.models import RejectReason

    version = str(planner.versions[0])
    labels = {value: str(label) for value, label in RejectReason.choices}
    staff = planner.world.staff
    events = []
    for case in planner.cases:
        account = str(case.account)
        if case.lab:
            opening = case.opening_result
            note = f"Mở từ kết quả xét nghiệm {opening.sample_id}"
            events.append((case.decided, case.pk, "accepted", case.decided_by, note))
        else:
            events.append((case.submitted, case.pk, "submitted", account, ""))
            if case.reminded is not None:
                note = REMINDED_LATE if case.escalated else REMINDED
                events.append((case.reminded, case.pk, "submitted", account, note))
            if case.state == "rejected":
                label = labels[case.reject_reason]
                note = f"{label}. {REJECT_NOTE}" if case.reject_reason == "other" else label
                events.append((case.decided, case.pk, "rejected", case.decided_by, note))
            elif case.decided is not None:
                events.append((case.decided, case.pk, "accepted", case.decided_by, ""))
        if case.requested is not None:
            result, note = case.completion_result, ""
            if result is not None:
                lab = staff.lab_name[result.lab]
                note = f"Kết quả xét nghiệm âm tính {result.sample_id} của {lab}"
            events.append((case.requested, case.pk, "completion_requested", account, note))
        if case.completed is not None:
            station = str(staff.station_user[case.ward])
            events.append((case.completed, case.pk, "completed", station, ""))
    events.sort(key=lambda event: (event[0], event[1]))
    clock = planner.clock
    for pk, (at, case, status, actor, note) in enumerate(events, start=1):
        yield f"{pk}\t{clock.text(at)}\t{status}\t{note}\t{actor}\t{case}\t{version}\n"


def _patients(planner: Planner):
    clock = planner.clock
    for patient in planner.patients:
        yield (
            f"{patient.pk}\t{patient.source}\t{patient.status}\t{street_of(patient.person)}\t"
            f"{patient.phone}\t{clock.date(patient.onset_day)}\t{patient.screening}\t"
            f"{patient.flags}\t{clock.text(patient.registered)}\t"
            f"{clock.text_or_null(patient.decided)}\t{patient.reject_note}\t"
            f"{clock.text_or_null(patient.ended)}\t{patient.end_reason}\t{patient.end_note}\t0\t"
            f"\\N\t{patient.ward}\t{patient.decided_by}\t"
            f"{NULL if patient.case is None else patient.case.pk}\t{patient.ended_by}\t"
            f"{patient.facility}\t{patient.person}\t{patient.registered_by}\n"
        )


def _results(planner: Planner):
    rng, clock = planner.rng, planner.clock
    version = str(planner.versions[2])
    deadline = planner.lab_rules["entry_deadline_hours"] * HOUR
    uvci = UvciMaker(rng)
    for result in planner.results:
        certificate = "" if result.outcome == "invalid" else uvci()
        timeliness = result.replaces or result  # a correction keeps the first entry's
        delay = max(0, timeliness.entered - timeliness.resulted)
        yield (
            f"{result.pk}\t{result.sample_id}\t{result.phone}\t{result.test_type}\t"
            f"{result.outcome}\t{clock.text(result.sampled)}\t{clock.text(result.resulted)}\t"
            f"{clock.text(result.entered)}\t{'t' if delay > deadline else 'f'}\t{delay}\t"
            f"{result.source}\t{result.status}\t{result.note}\t{certificate}\t{result.ward}\t"
            f"{NULL if result.case is None else result.case.pk}\t{result.entered_by}\t"
            f"{result.lab}\t{result.person}\t"
            f"{NULL if result.replaces is None else result.replaces.pk}\t{version}\t"
            f"{result.token}\n"
        )


def _report_days(planner: Planner, total: int) -> tuple[list[int], array]:
    """The days of care (patient index << 20 | local day; a few days missed) and how
    many reports each day has, `total` in all."""
    rng, clock = planner.rng, planner.clock
    now_seconds = (clock.now + clock.offset) % DAY
    days = []  # patient index << 20 | day
    for index, patient in enumerate(planner.patients):
        if patient.decided is None or patient.status == "rejected":
            continue
        first = clock.local_day(patient.decided) + 1
        if patient.ended is not None:
            last = clock.local_day(patient.ended) - 1
        else:
            last = clock.today if now_seconds > 6 * HOUR + 10 * MINUTE else clock.today - 1
        days.extend(
            index << 20 | day for day in range(first, last + 1) if rng.random() >= MISSED_DAY_SHARE
        )
    if total and not days:
        raise ValueError("benchgen: daily reports need home-care patients in care")
    counts = array("l", [total // len(days)]) * len(days) if days else array("l")
    for position in rng.sample(range(len(days)), total - sum(counts)):
        counts[position] += 1
    return days, counts


def _reports(planner: Planner, total: int, alerts: list):
    """The daily reports, by time; each with danger signs adds its alert to `alerts`."""
    from declarations.homecare.scoring import Reading, breathing_threshold, danger_signs

    rng, clock, world, rules = planner.rng, planner.clock, planner.world, planner.homecare_rules
    days, counts = _report_days(planner, total)
    measured = array("q")
    start, end = 6 * HOUR, 21 * HOUR
    now_seconds = (clock.now + clock.offset) % DAY - 5 * MINUTE
    r = rng.random
    for key, count in zip(days, counts, strict=True):
        index, day = key >> 20, key & 0xFFFFF
        stop = min(end, now_seconds) if day == clock.today else end
        for _ in range(count):
            measured.append(clock.at(day, start + int(r() * (stop - start))) << 24 | index)
    del days, counts
    measured = sorted(measured)
    temperatures = [Decimal(f"{t / 10:.1f}") for t in range(340, 431)]
    version = str(planner.versions[1])
    # A normal reading is drawn inside every threshold of the rule, so that it has no
    # danger sign without asking scoring.danger_signs() (the slow part); a reading made
    # to be dangerous is judged by it.
    spo2_low = min(rules["spo2_below"], 99)
    pulse = (max(60, rules["pulse_below"]), min(100, rules["pulse_above"]))
    if pulse[0] > pulse[1]:
        pulse = (rules["pulse_below"], rules["pulse_above"])
    systolic_low = max(105, rules["systolic_below"])
    diastolic_low = max(65, rules["diastolic_below"])
    harmless = [code for code in ("cough", "loss_of_smell") if code not in rules["danger_symptoms"]]
    symptom_lists = [json.dumps(harmless[:1]), json.dumps(harmless)]
    thresholds: dict[int, int] = {}  # age → breathing threshold
    for pk, key in enumerate(measured, start=1):
        at, patient = key >> 24, planner.patients[key & 0xFFFFFF]
        day = clock.local_day(at)
        age = world.age(patient.person, day)
        threshold = thresholds.get(age) or thresholds.setdefault(
            age, breathing_threshold(age, rules)
        )
        spo2 = spo2_low + int(r() * (100 - spo2_low))
        breathing = max(10, threshold - 8) + int(r() * min(8, threshold - 10))
        beats = pulse[0] + int(r() * (pulse[1] - pulse[0] + 1))
        temperature = temperatures[
            (376 + int(r() * 15) if r() < 0.15 else 360 + int(r() * 16)) - 340
        ]
        if r() < 0.4:
            systolic, diastolic = (
                str(systolic_low + int(r() * 31)),
                str(diastolic_low + int(r() * 21)),
            )
        else:
            systolic = diastolic = NULL
        symptoms = symptom_lists[r() < 0.3] if harmless and r() < 0.3 else "[]"
        short = chest = False
        spo2_first, signs = NULL, "[]"
        if r() < DANGER_SHARE:
            kind = int(r() * 5)
            if kind == 0:
                spo2 = max(50, rules["spo2_below"] - 1 - int(r() * 6))
                spo2_first = str(max(50, spo2 - int(r() * 3)))
            elif kind == 1:
                breathing = threshold + int(r() * 7)
            elif kind == 2:
                beats = rules["pulse_above"] + 1 + int(r() * 15)
            elif kind == 3:
                short, breathing = True, None
            else:
                chest = True
            reading = Reading(
                temperature=temperature, spo2=spo2, pulse=beats, breathing_rate=breathing,
                short_of_breath=short, chest_pain=chest,
                symptoms=tuple(json.loads(symptoms)),
                systolic=None if systolic == NULL else int(systolic),
                diastolic=None if diastolic == NULL else int(diastolic),
            )  # fmt: skip
            found = danger_signs(reading, age=age, rules=rules)
            signs = json.dumps(found)
        submitted = min(at + 30 + int(r() * 10 * MINUTE), clock.now)
        if signs != "[]":
            alerts.append((pk, patient, signs, submitted))
        yield (
            f"{pk}\t{clock.text(at)}\t{clock.date(day)}\t{clock.text(submitted)}\t"
            f"{temperature}\t{spo2}\t{spo2_first}\t{beats}\t"
            f"{NULL if breathing is None else breathing}\t{'t' if short else 'f'}\t"
            f"{'t' if chest else 'f'}\t{symptoms}\t{systolic}\t{diastolic}\t\t{signs}\t"
            f"{uuid4(rng)}\t{version}\t{patient.account if r() < 0.95 else NULL}\t{patient.pk}\n"
        )


def _alerts(planner: Planner, alerts: list):
    from declarations.homecare.models import CareEnd

    rng, clock = planner.rng, planner.clock
    version = str(planner.versions[1])
    resend = planner.homecare_rules["alert_resend_minutes"] * MINUTE
    staff = planner.world.staff
    for pk, (report, patient, signs, opened) in enumerate(alerts, start=1):
        by = str(staff.station_user[patient.ward])
        acknowledged = min(opened + 5 * MINUTE + int(rng.random() * 2 * HOUR), clock.now - 60)
        note = ACTION_NOTE
        if patient.ended is not None and acknowledged >= patient.ended:
            # Still open when care ended: homecare_end() closed it with the reason.
            acknowledged, by = patient.ended, patient.ended_by
            note = str(CareEnd(patient.end_reason).label)
            note += f": {patient.end_note}" if patient.end_note else ""
        recent = patient.ended is None and clock.now - opened < DAY and rng.random() < 0.5
        if recent or acknowledged < opened:
            sent = 1 + (clock.now - opened) // resend
            last = opened + (sent - 1) * resend
            yield (
                f"{pk}\t{signs}\topen\t{clock.text(opened)}\t{sent}\t"
                f"{clock.text(last)}\t{clock.text(last + resend)}\t\\N\t\t\\N\t{version}\t"
                f"{report}\t{patient.pk}\n"
            )
            continue
        sent = 1 + (acknowledged - opened) // resend
        yield (
            f"{pk}\t{signs}\tacknowledged\t{clock.text(opened)}\t{sent}\t"
            f"{clock.text(opened + (sent - 1) * resend)}\t\\N\t{clock.text(acknowledged)}\t"
            f"{note}\t{by}\t{version}\t{report}\t{patient.pk}\n"
        )


def cases_copy(
    world: World, accounts: Accounts, *, f0: int, homecare: int, reports: int, lab_results: int
) -> dict[str, int]:
    """Plan and COPY every case row (module docstring); returns the plan's sizes."""
    from declarations.f0.models import F0Declaration, F0Event
    from declarations.homecare.models import Alert, DailyReport, HomeCarePatient
    from declarations.labresults.models import LabResult
    from khaibao.uploads.models import Photo

    sizes = plan_sizes(f0=f0, homecare=homecare, lab_results=lab_results)
    planner = Planner(world, accounts)
    chosen = planner.rng.sample(range(1, world.persons + 1), f0 + sizes["other_patients"])
    planner.plan_cases(sizes, chosen[:f0])
    planner.plan_joined_results(sizes["joined"])
    planner.plan_completion_results(sizes["lab_completions"])
    short = sizes["lab_completions"] - sum(1 for case in planner.cases if case.completion_result)
    planner.plan_other_results(sizes["other_results"] + short, sizes["corrected"])
    planner.plan_patients(chosen[f0:])
    planner.number()
    copy_lines(Photo, PHOTO_COLUMNS, _photos(planner))
    copy_lines(F0Declaration, F0_COLUMNS, _f0_rows(planner))
    copy_lines(F0Event, EVENT_COLUMNS, _events(planner))
    copy_lines(HomeCarePatient, PATIENT_COLUMNS, _patients(planner))
    alerts: list = []
    copy_lines(DailyReport, REPORT_COLUMNS, _reports(planner, reports, alerts))
    copy_lines(Alert, ALERT_COLUMNS, _alerts(planner, alerts))
    copy_lines(LabResult, RESULT_COLUMNS, _results(planner))
    world.counts.update(
        f0=len(planner.cases), homecare=len(planner.patients), reports=reports,
        lab_results=len(planner.results), alerts=len(alerts),
    )  # fmt: skip
    return sizes


PHOTO_COLUMNS = [
    "id", "public_id", "kind", "storage_name", "width", "height", "size_bytes", "sha256",
    "phash", "created_at", "person_id", "uploaded_by_id", "document_qr",
]  # fmt: skip
F0_COLUMNS = [
    "id", "relationship", "entered_by_staff", "created_at", "status", "isolation_street",
    "contact_phone", "guardian_name", "test_date", "test_type", "vaccine_doses",
    "last_dose_date", "last_vaccine", "symptoms", "conditions", "other_conditions",
    "pregnant", "cccd_mismatch", "case_code", "reject_reason", "reject_note", "submitted_at",
    "decided_at", "reminded_at", "escalated_at", "completion_test_date",
    "completion_requested_at", "completion_refusal", "completed_at", "certificate_id",
    "submission_key", "completion_photo_id", "decided_by_id", "declared_by_id", "id_photo_id",
    "isolation_area_id", "person_id", "reused_photo_of_id", "test_photo_id", "source",
]  # fmt: skip
EVENT_COLUMNS = [
    "id", "created_at", "status", "note", "actor_id", "declaration_id", "rules_version_id"
]  # fmt: skip
PATIENT_COLUMNS = [
    "id", "source", "status", "street", "phone", "onset_date", "screening", "screening_flags",
    "registered_at", "decided_at", "reject_note", "ended_at", "end_reason", "end_note",
    "missed_days", "escalated_at", "area_id", "decided_by_id", "declaration_id", "ended_by_id",
    "facility_id", "person_id", "registered_by_id",
]  # fmt: skip
REPORT_COLUMNS = [
    "id", "measured_at", "day", "submitted_at", "temperature", "spo2", "spo2_first", "pulse",
    "breathing_rate", "short_of_breath", "chest_pain", "symptoms", "systolic", "diastolic",
    "note", "danger_signs", "submission_key", "rules_version_id", "submitted_by_id",
    "patient_id",
]  # fmt: skip
ALERT_COLUMNS = [
    "id", "signs", "status", "opened_at", "sent_count", "last_sent_at", "next_send_at",
    "acknowledged_at", "action_note", "acknowledged_by_id", "rules_version_id", "report_id",
    "patient_id",
]  # fmt: skip
RESULT_COLUMNS = [
    "id", "sample_id", "phone", "test_type", "outcome", "sampled_at", "resulted_at",
    "entered_at", "is_late", "delay_seconds", "source", "status", "correction_note",
    "certificate_id", "area_id", "case_id", "entered_by_id", "lab_id", "person_id",
    "replaces_id", "rules_version_id", "token_id",
]  # fmt: skip
