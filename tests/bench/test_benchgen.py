"""scripts/benchgen.py: the benchmarks' bulk data, at a small size. One dataset is made
for the module (COPY and DDL, outside any test transaction); the tests only read it, and
the module ends by flushing the database, as a transactional test would. (Its tests are
all non-transactional, so pytest-django runs them one after the other and the flush
comes right after them; reuse and failures: test_benchgen_reuse.py.)"""

import datetime
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F

from declarations.f0.models import F0Declaration, F0Event, F0Status
from declarations.homecare.models import Alert, DailyReport, HomeCarePatient
from declarations.homecare.rules import HOMECARE
from declarations.homecare.scoring import Reading, danger_signs
from declarations.labresults.models import LabResult
from khaibao.accounts.models import StaffProfile, Unit, User
from khaibao.areas.models import Area
from khaibao.people.models import ManagedPerson, Person
from khaibao.rules.selectors import rules_in_force
from khaibao.trust.hcert import uvci_is_valid
from khaibao.uploads.models import Photo
from tests.conftest import require
from vaccination.models import DoseRecord, VaccinationCertificate

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import benchgen  # noqa: E402

SIZES = {
    "persons": 2_000,
    "venues": 40,
    "checkins": 20_000,
    "health": 1_000,
    "entries": 1_000,
    "f0": 400,
    "homecare": 200,
    "reports": 2_000,
    "doses": 4_000,
    "lab_results": 1_000,
}
SEED = 7
NOW = datetime.datetime(2026, 3, 14, 3, 30, tzinfo=datetime.UTC)  # 10:30 in Vietnam
ZERO = datetime.timedelta(0)
# The first rows of these tables stand for "the same data" (users are left out: each
# run hashes the staff password with a new salt).
COMPARED = [
    "people_person", "accounts_unit", "vaccination_doserecord",
    "vaccination_vaccinationcertificate", "uploads_photo", "declarations_f0declaration",
    "declarations_f0event", "declarations_homecarepatient", "declarations_dailyreport",
    "declarations_alert", "declarations_labresult", "checkpoints_checkin",
    "checkpoints_entrydeclaration",
]  # fmt: skip


def _first_rows() -> dict[str, list[tuple]]:
    rows = {}
    with connection.cursor() as cursor:
        for table in COMPARED:
            cursor.execute(f"SELECT * FROM {table} ORDER BY id LIMIT 3")
            rows[table] = cursor.fetchall()
    return rows


def _scalar(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        require(connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database")
        took = benchgen.generate(**SIZES, seed=SEED, now=NOW)
        yield {"took": took, "first_rows": _first_rows()}
        call_command("flush", interactive=False, verbosity=0)
        benchgen.dataset_forget()


@pytest.mark.django_db
def test_it_makes_the_rows_asked_for(dataset):
    assert Person.objects.count() == SIZES["persons"]
    assert F0Declaration.objects.count() == SIZES["f0"]
    assert HomeCarePatient.objects.count() == SIZES["homecare"]
    assert DailyReport.objects.count() == SIZES["reports"]
    assert DoseRecord.objects.count() == SIZES["doses"]
    assert LabResult.objects.count() == SIZES["lab_results"]
    assert _scalar("SELECT count(*) FROM checkpoints_entrydeclaration") == SIZES["entries"]
    assert _scalar("SELECT count(*) FROM checkpoints_healthdeclaration") == SIZES["health"]
    assert _scalar("SELECT count(*) FROM checkpoints_checkin") == SIZES["checkins"]
    assert _scalar("SELECT count(*) FROM checkpoints_venue") == SIZES["venues"]
    # The steps' timings, as the benchmarks print them.
    assert {"areas", "copy", "indexes", "total", "copy.cases"} <= set(dataset["took"])
    # Half the persons live in the benchmark province (79), the rest elsewhere.
    local = Person.objects.filter(area__parent__code="79").count()
    assert 0.4 * SIZES["persons"] < local < 0.6 * SIZES["persons"]


@pytest.mark.django_db
def test_every_ward_has_its_station_and_vaccination_unit_with_staff(dataset):
    wards = _scalar("SELECT count(*) FROM areas_area WHERE level = 'ward'")
    assert Unit.objects.filter(role="ward_station").count() == wards
    assert Unit.objects.filter(role="vaccination_unit").count() == wards
    assert StaffProfile.objects.filter(role="ward_station", unit__isnull=False).count() == wards
    station = User.objects.get(username="tyt-26740")  # Phường Sài Gòn
    assert station.is_staff
    assert station.groups.filter(name="role:ward_station").exists()
    assert station.staff_profile.unit.code == "TYT-26740"
    assert Unit.objects.filter(role="lab", area__code="79").count() == 2


@pytest.mark.django_db
def test_f0_declarations_are_in_every_state_with_the_fields_each_state_needs(dataset):
    states = set(F0Declaration.objects.values_list("status", flat=True))
    assert states == set(F0Status.values)
    assert set(F0Declaration.objects.values_list("source", flat=True)) == {"citizen", "lab"}
    cared = F0Declaration.objects.filter(
        status__in=["accepted", "completion_requested", "completed"]
    )
    assert not cared.filter(decided_at__isnull=True).exists()
    assert not cared.filter(case_code__isnull=True).exists()
    assert not F0Declaration.objects.filter(status="rejected", decided_by__isnull=True).exists()
    completed = F0Declaration.objects.filter(status="completed")
    assert not completed.filter(completed_at__isnull=True).exists()
    assert not completed.exclude(certificate_id__startswith="URN:KB:").exists()
    requested = F0Declaration.objects.filter(status__in=["completion_requested", "completed"])
    assert not requested.filter(completion_requested_at__lt=F("decided_at")).exists()
    # The photos are the person's own, uploaded by the account that filed the case.
    photo_of_other = F0Declaration.objects.filter(source="citizen").exclude(
        test_photo__person=F("person"), test_photo__uploaded_by=F("declared_by")
    )
    assert not photo_of_other.exists()
    assert Photo.objects.filter(kind="test_result").exists()


@pytest.mark.django_db
def test_each_history_ends_in_its_declarations_state(dataset):
    last = _scalar(
        "SELECT count(*) FROM declarations_f0declaration d JOIN LATERAL (SELECT status FROM "
        "declarations_f0event e WHERE e.declaration_id = d.id ORDER BY created_at DESC, id DESC "
        "LIMIT 1) e ON true WHERE e.status = d.status"
    )
    assert last == SIZES["f0"]
    assert not F0Event.objects.filter(rules_version__isnull=True).exists()


@pytest.mark.django_db
def test_home_care_follows_the_accepted_cases_and_reports_fall_in_the_days_of_care(dataset):
    cared = F0Declaration.objects.filter(
        status__in=["accepted", "completion_requested", "completed"]
    )
    assert HomeCarePatient.objects.filter(declaration__in=cared).count() == cared.count()
    assert not HomeCarePatient.objects.filter(
        declaration__status="completed", status="active"
    ).exists()
    assert set(HomeCarePatient.objects.values_list("status", flat=True)) == {
        "pending", "active", "rejected", "ended"
    }  # fmt: skip
    outside = _scalar(
        "SELECT count(*) FROM declarations_dailyreport r JOIN declarations_homecarepatient p "
        "ON p.id = r.patient_id WHERE p.decided_at IS NULL OR r.measured_at <= p.decided_at "
        "OR r.measured_at >= coalesce(p.ended_at, %s) OR p.status IN ('pending', 'rejected') "
        "OR r.day <> (r.measured_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date",
        [NOW],
    )
    assert outside == 0
    assert not DailyReport.objects.exclude(danger_signs=[]).filter(alert__isnull=True).exists()
    assert Alert.objects.count() == DailyReport.objects.exclude(danger_signs=[]).count()


@pytest.mark.django_db
def test_nothing_happens_after_now_and_no_dose_before_birth(dataset):
    times = {
        "declarations_f0declaration": ["submitted_at", "decided_at", "completed_at"],
        "declarations_f0event": ["created_at"],
        "uploads_photo": ["created_at"],
        "declarations_homecarepatient": ["registered_at", "decided_at", "ended_at"],
        "declarations_dailyreport": ["measured_at", "submitted_at"],
        "declarations_alert": ["opened_at", "acknowledged_at", "last_sent_at"],
        "declarations_labresult": ["sampled_at", "resulted_at", "entered_at"],
        "vaccination_doserecord": ["entered_at"],
        "checkpoints_checkin": ["checked_in_at", "checked_out_at"],
    }
    for table, columns in times.items():
        latest = ", ".join(f"max({column})" for column in columns)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {latest} FROM {table}")
            assert all(value is None or value <= NOW for value in cursor.fetchone()), table
    assert not DoseRecord.objects.filter(given_on__lt=F("person__date_of_birth")).exists()
    assert not LabResult.objects.filter(resulted_at__lt=F("sampled_at")).exists()


@pytest.mark.django_db
def test_reports_carry_the_danger_signs_the_rule_finds_in_them(dataset):
    rules = rules_in_force(HOMECARE, Area.objects.get(code="79"))
    reports = DailyReport.objects.select_related("patient__person").order_by("pk")
    dangerous = 0
    for report in list(reports[::7]) + list(reports.exclude(danger_signs=[])):
        reading = Reading(
            temperature=report.temperature, spo2=report.spo2, pulse=report.pulse,
            breathing_rate=report.breathing_rate, short_of_breath=report.short_of_breath,
            chest_pain=report.chest_pain, symptoms=tuple(report.symptoms),
            systolic=report.systolic, diastolic=report.diastolic,
        )  # fmt: skip
        age = report.patient.person.age(report.day)
        assert report.danger_signs == danger_signs(reading, age=age, rules=rules)
        assert report.rules_version_id == rules.version_id
        dangerous += bool(report.danger_signs)
    assert dangerous


@pytest.mark.django_db
def test_certificate_ids_carry_their_checksum(dataset):
    uvcis = list(VaccinationCertificate.objects.values_list("uvci", flat=True)[:200])
    uvcis += LabResult.objects.exclude(certificate_id="").values_list("certificate_id", flat=True)[
        :200
    ]
    assert uvcis
    assert all(uvci_is_valid(uvci) for uvci in uvcis)


@pytest.mark.django_db
def test_doses_are_numbered_one_to_n_per_person_with_a_current_certificate(dataset):
    gaps = _scalar(
        "SELECT count(*) FROM (SELECT person_id, max(number) AS most, count(*) AS doses FROM "
        "vaccination_doserecord GROUP BY person_id) d WHERE most <> doses"
    )
    assert gaps == 0
    too_close = _scalar(
        "SELECT count(*) FROM vaccination_doserecord a JOIN vaccination_doserecord b ON "
        "b.person_id = a.person_id AND b.number = a.number + 1 WHERE b.given_on < a.given_on + 14"
    )
    assert too_close == 0
    vaccinated = DoseRecord.objects.values("person").distinct().count()
    assert VaccinationCertificate.objects.filter(status="current").count() == vaccinated
    not_latest = _scalar(
        "SELECT count(*) FROM vaccination_vaccinationcertificate c JOIN vaccination_doserecord d "
        "ON d.id = c.dose_id WHERE d.number <> (SELECT max(number) FROM vaccination_doserecord "
        "WHERE person_id = c.person_id)"
    )
    assert not_latest == 0
    assert not DoseRecord.objects.exclude(unit__role="vaccination_unit").exists()


@pytest.mark.django_db
def test_positive_results_have_their_case_and_corrections_replace_a_result(dataset):
    positive = LabResult.objects.filter(outcome="positive", status="current")
    assert positive.exists()
    assert not positive.filter(case__isnull=True).exists()
    assert not positive.exclude(case__person=F("person")).exists()
    assert not LabResult.objects.exclude(lab__role="lab").exists()
    corrected = LabResult.objects.filter(status="corrected")
    assert corrected.exists()
    assert corrected.filter(replaced_by__isnull=False).count() == corrected.count()
    opened_by_lab = F0Declaration.objects.filter(source="lab")
    assert opened_by_lab.filter(lab_results__outcome="positive").distinct().count() == (
        opened_by_lab.count()
    )


# Left as the services leave them: an event of a case a lab opened through its API has no
# actor (F0Event.actor is null=True without blank=True; _event() does not full_clean()).
UNCHECKED = {F0Event: ["actor"]}


@pytest.mark.django_db
def test_rows_pass_the_models_validation(dataset):
    """full_clean() (choices, lengths, constraints) on the first and some other rows."""
    models = [
        Person, User, StaffProfile, Unit, ManagedPerson, Photo, F0Declaration, F0Event,
        HomeCarePatient, DailyReport, Alert, DoseRecord, VaccinationCertificate, LabResult,
    ]  # fmt: skip
    for model in models:
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        for pk in sorted({1, 2, 3, last // 3, last // 2, last - 1, last}):
            row = model.objects.filter(pk=pk).first()
            if row is not None:
                row.full_clean(exclude=UNCHECKED.get(model))


@pytest.mark.django_db
def test_the_marker_is_trusted_only_while_the_last_rows_are_there(dataset):
    """A flush (which keeps the marker table: it is no model's) leaves no last row."""
    assert benchgen._data_present({"last_ids": {"people_person": SIZES["persons"]}})
    assert not benchgen._data_present({"last_ids": {"people_person": SIZES["persons"] + 1}})
