"""benchgen: vaccination. Dose records numbered 1..n per person, in the order given, at
the vaccination unit of the person's ward; one CSV import per unit for the doses it
imported; the current certificate of each vaccinated person, for their latest dose.

The campaign's calendar bounds the dates: adults from July 2021, 12-17 from October
2021, 5-11 from April 2022, the intervals of the primary series and the boosters after
them, all before mid-2023, so every dose keeps the rule's minimum interval (14 days).
"""

import bisect
import datetime
from array import array

from benchgen_base import (
    HOUR,
    NULL,
    UvciMaker,
    World,
    copy_lines,
    copy_rows,
    day_of,
    hex_digits,
    rng_for,
)

# Doses a person has (0 to 4), before the total is made exact.
DOSE_WEIGHTS = (0.12, 0.05, 0.55, 0.23, 0.05)
FIRST_VACCINES = (
    ("astrazeneca", 30), ("pfizer", 25), ("vero_cell", 25), ("moderna", 10),
    ("sputnik_v", 3), ("janssen", 3), ("abdala", 2), ("hayat_vax", 1), ("covaxin", 1),
)  # fmt: skip
BOOSTERS = (("pfizer", 60), ("moderna", 30), ("astrazeneca", 10))
LOT_PREFIX = {
    "astrazeneca": "ABV", "pfizer": "FK", "moderna": "MOD", "vero_cell": "VC",
    "sputnik_v": "SPV", "janssen": "JNS", "abdala": "ABD", "hayat_vax": "HYT",
    "covaxin": "COV",
}  # fmt: skip
#: The F0 form's names for the vaccines (declarations.f0.models.VaccineName).
F0_VACCINE = {
    "astrazeneca": "astrazeneca", "pfizer": "pfizer", "moderna": "moderna",
    "vero_cell": "sinopharm", "sputnik_v": "sputnik", "janssen": "janssen",
    "abdala": "abdala", "hayat_vax": "other", "covaxin": "other",
}  # fmt: skip
VACCINES = list(LOT_PREFIX)
IMPORTED_SHARE = 0.6
# (first day of a first dose, its last day, the most doses by mid-2023), by age in mid-2021.
ADULT = (day_of(datetime.date(2021, 7, 1)), day_of(datetime.date(2021, 12, 31)), 4)
TEEN = (day_of(datetime.date(2021, 10, 15)), day_of(datetime.date(2022, 2, 28)), 3)
CHILD = (day_of(datetime.date(2022, 4, 15)), day_of(datetime.date(2022, 7, 31)), 2)
IMPORTED_ON = day_of(datetime.date(2023, 6, 15))  # after the last booster
MID_2021 = day_of(datetime.date(2021, 7, 1))


def _weighted(pairs):
    return [name for name, _ in pairs], [weight for _, weight in pairs]


FIRST_CHOICES, BOOSTER_CHOICES = _weighted(FIRST_VACCINES), _weighted(BOOSTERS)


def _calendar(world: World, person: int):
    age = (MID_2021 - world.person_born[person]) / 365.25
    if age >= 18:
        return ADULT
    if age >= 12:
        return TEEN
    if age >= 6:  # five by the time the campaign reached them
        return CHILD
    return None


def _counts(world: World, rng, total: int) -> bytearray:
    """How many doses each person has, adding up to exactly `total`."""
    counts = bytearray(world.persons + 1)
    if not total:
        return counts
    most = bytearray(world.persons + 1)
    bounds = [sum(DOSE_WEIGHTS[: i + 1]) / sum(DOSE_WEIGHTS) for i in range(len(DOSE_WEIGHTS))]
    r = rng.random
    for person in range(1, world.persons + 1):
        calendar = _calendar(world, person)
        if calendar is not None:
            most[person] = calendar[2]
            counts[person] = min(bisect.bisect(bounds, r()), calendar[2])
    if total > sum(most):
        raise ValueError(f"benchgen: {total:,} doses do not fit {world.persons:,} persons")
    difference = total - sum(counts)
    while difference:
        person = rng.randint(1, world.persons)
        if difference > 0 and counts[person] < most[person]:
            counts[person] += 1
            difference -= 1
        elif difference < 0 and counts[person] > 0:
            counts[person] -= 1
            difference += 1
    return counts


def _schedule(rng, calendar, count: int) -> list[tuple[int, int]]:
    """(day, vaccine index) of `count` doses: the primary series of the first vaccine,
    4 to 12 weeks apart, then boosters 4 to 6 and 3 to 5 months after."""
    from vaccination.vaccines import PRIMARY_DOSES

    first = rng.choices(*FIRST_CHOICES)[0] if calendar is ADULT else "pfizer"
    primary = PRIMARY_DOSES[first]
    day = calendar[0] + rng.randrange(calendar[1] - calendar[0] + 1)
    doses = [(day, VACCINES.index(first))]
    for number in range(2, count + 1):
        if number <= primary:
            vaccine, day = first, day + 28 + rng.randrange(57)
        else:
            vaccine = rng.choices(*BOOSTER_CHOICES)[0]
            day += (120 if number == primary + 1 else 90) + rng.randrange(60)
        doses.append((day, VACCINES.index(vaccine)))
    return doses


def doses_copy(world: World, *, total: int) -> None:
    """`total` dose records, their imports and the current certificates; fills the
    world's per-person dose summary (the F0 form's vaccination answers)."""
    from vaccination.models import DoseImport, DoseRecord, VaccinationCertificate
    from vaccination.rules import VACCINATION
    from vaccination.vaccines import DoseFacts, dose_series

    rng, clock, staff = rng_for(world.seed, "doses"), world.clock, world.staff
    counts = world.dose_count = _counts(world, rng, total)
    world.last_dose_day = array("l", bytes(8 * (world.persons + 1)))
    world.last_vaccine = bytearray(world.persons + 1)
    series_of = {}  # person → "dn\tsd" of their latest dose
    # day << 36 | person << 12 | number << 4 | vaccine: sorted, the doses come in the
    # order they were given, as a register fills; a dose's id is its place in it.
    keys = array("q")
    for person in range(1, world.persons + 1):
        if counts[person]:
            doses = _schedule(rng, _calendar(world, person), counts[person])
            for number, (day, vaccine) in enumerate(doses, start=1):
                keys.append(day << 36 | person << 12 | number << 4 | vaccine)
            latest = dose_series([DoseFacts(VACCINES[vaccine]) for _, vaccine in doses])[-1]
            series_of[person] = f"{latest.dn}\t{latest.sd}"
            world.last_dose_day[person], world.last_vaccine[person] = doses[-1]
    keys = sorted(keys)
    last_dose: dict[int, tuple[int, int]] = {}  # person → (dose id, entered at)
    imports: dict[int, int] = {}  # unit → doses imported
    import_at: dict[int, int] = {}

    def rows():
        r = rng.random
        for pk, key in enumerate(keys, start=1):
            day, person = key >> 36, key >> 12 & 0xFFFFFF
            number, vaccine = key >> 4 & 0xFF, VACCINES[key & 0xF]
            unit = staff.vaccination_unit[world.person_ward[person]]
            lot = f"{LOT_PREFIX[vaccine]}{day // 30 % 100:02d}{int(r() * 40):02d}"
            if r() < IMPORTED_SHARE:
                imports[unit] = imports.get(unit, 0) + 1
                entered = import_at.get(unit)
                if entered is None:
                    entered = import_at[unit] = clock.at(
                        IMPORTED_ON, 8 * HOUR + int(r() * 9 * HOUR)
                    )
                source, dose_import = "imported", str(unit)
            else:
                source, dose_import = "entered", NULL
                entered = clock.at(day + int(r() * 3), 8 * HOUR + int(r() * 9 * HOUR))
            if number == counts[person]:
                last_dose[person] = (pk, entered)
            yield (
                f"{pk}\t{number}\t{clock.date(day)}\t{vaccine}\t{lot}\tf\t{source}\t"
                f"{clock.text(entered)}\t\\N\t{dose_import}\t"
                f"{staff.vaccination_user[unit]}\t{person}\t{unit}\n"
            )

    columns = [
        "id", "number", "given_on", "vaccine", "lot", "after_recovery", "source",
        "entered_at", "correction_id", "dose_import_id", "entered_by_id", "person_id", "unit_id",
    ]  # fmt: skip
    copy_lines(DoseRecord, columns, rows())
    # One import per unit that imported doses; its id is the unit's (both start at 1).
    copy_rows(
        DoseImport,
        ["id", "file_name", "sha256", "rows", "added", "unchanged", "refused", "errors"]
        + ["imported_at", "imported_by_id", "unit_id"],
        (
            (str(unit), f"so-tiem-{unit}.csv", hex_digits(rng, 64), str(added), str(added))
            + ("0", "0", "[]", clock.text(import_at[unit]), str(staff.vaccination_user[unit]))
            + (str(unit),)
            for unit, added in sorted(imports.items())
        ),
    )
    valid_days = str(world.rule_values[VACCINATION]["certificate_valid_days"])
    uvci = UvciMaker(rng)

    def certificates():
        for pk, person in enumerate(sorted(last_dose), start=1):
            dose, entered = last_dose[person]
            yield (
                f"{pk}\t{uvci()}\t{series_of[person]}\t"
                f"{clock.text(entered)}\t{valid_days}\tcurrent\t\\N\t{dose}\t{person}\t\\N\n"
            )

    copy_lines(
        VaccinationCertificate,
        ["id", "uvci", "dn", "sd", "issued_at", "valid_days", "status", "revoked_at"]
        + ["dose_id", "person_id", "replaced_by_id"],
        certificates(),
    )
    world.counts.update(doses=len(keys), dose_imports=len(imports), certificates=len(last_dose))


def f0_vaccination(world: World, person: int) -> tuple[str, str, str]:
    """What the person's F0 form says of their doses: count, last date, last vaccine."""
    count = world.dose_count[person] if world.dose_count else 0
    if not count:
        return "0", NULL, ""
    day, vaccine = world.last_dose_day[person], VACCINES[world.last_vaccine[person]]
    return str(count), world.clock.date(day), F0_VACCINE[vaccine]
