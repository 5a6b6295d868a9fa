"""Bulk data for the benchmarks, written with PostgreSQL COPY into the migrated tables
of a throw-away database, reproducible from a seed.

    from benchgen import generate
    took = generate(province_code="79", seed=13)          # the full size: see below
    took = generate(persons=2_000, checkins=20_000, ...)  # any size, e.g. in a test
    took = generate(..., reuse=True)                       # skips when already there

With its defaults `generate()` makes 1,000,000 persons (`province_share`, half, of them
in the province `province_code`, the others spread over the other real wards), 3,000
venues, 10,000,000 check-ins over the last 25 days, 300,000 health and 200,000 entry
declarations, 200,000 F0 declarations in every state with their events and photos,
100,000 home-care patients with 1,000,000 daily reports (and the alerts their danger
signs raise), 2,000,000 dose records with their imports and current certificates, and
500,000 lab results (the sizes of these five, when not given, are in proportion to
`persons`: PER_PERSON); and the units and staff they name: per ward a health station
(staff "tyt-<ward code>") and a vaccination unit ("tiemchung-<ward code>"), per province
two labs ("xetnghiem-<province code>-1/2", each with an API key), a treatment facility
("dieutri-<code>") and a province admin ("soyte-<code>"), all with the password
benchgen_people.STAFF_PASSWORD; and the citizens' phone accounts (username = phone)
that filed the cases. How the rows agree with each other and with the services that
make them: benchgen_cases.py, benchgen_vaccination.py, benchgen_people.py.

`generate()` returns the seconds each step took: "areas" (areas, rules, the manager),
"copy" (all the COPY, and "copy.<step>" for each: staff, persons, doses, cases,
accounts, venues, checkins, health, entries), "indexes" (indexes, constraints and
ANALYZE) and "total". Times are relative to `now` (default: the moment it runs); give
`now` as well as `seed` for the same rows twice.

Reuse. The database keeps what it holds in a table of its own, benchgen_dataset (not a
Django model: `flush` leaves it, so its row is checked against the data), written once
everything is built. With `reuse=True`:

1. the same parameters (sizes, province, seed, `now` if given, DATA_VERSION), made less
   than `reuse_max_age` ago (the times are relative to when they were made; None: any
   age), and the last row of each table still there: nothing is done, and the result
   is {"reused": seconds the check took, "total": the same};
2. data of other parameters made by benchgen: the database is flushed (`manage.py
   flush`: every table emptied, the migrations' rows made again) and generated anew;
3. data that benchgen did not make (persons but no marker): SystemExit, nothing is
   touched.

Without `reuse`, the database must hold no persons. dataset_marker() returns what the
database holds (or None); dataset_forget() drops the marker. A harness that reuses the
data keeps its database between runs (django.test.utils.setup_databases(...,
keepdb=True) and no teardown). Rows a benchmark adds to a reused dataset (its officers,
its reports) stay: it gives them names of their own per run, or deletes them. A
generation that fails or is interrupted empties the tables it was filling, puts their
indexes back and leaves no marker.

The secondary indexes, unique and foreign-key constraints of the tables filled are
dropped before the COPY and made again after it: one sorted build per index (and one
join per foreign key) costs far less than millions of single-row index insertions and
checks, and rebuilding them checks the data as thoroughly as the inserts would have.
"""

import datetime
import json
import time
from contextlib import contextmanager

from benchgen_base import Clock, Ward, World, id_number_of, phone_of
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

__all__ = [
    "DATA_VERSION",
    "dataset_forget",
    "dataset_marker",
    "generate",
    "id_number_of",
    "indexes_rebuilt_after",
    "phone_of",
]

#: Part of every dataset's parameters: raise it when the rows generated change, so that
#: a dataset made by an earlier version is not reused.
DATA_VERSION = 2
MARKER_TABLE = "benchgen_dataset"
#: The sizes left out of generate()'s arguments, per person.
PER_PERSON = {"f0": 0.2, "homecare": 0.1, "reports": 1.0, "doses": 2.0, "lab_results": 0.5}


def _rebuild(indexes, constraints) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


@contextmanager
def indexes_rebuilt_after(tables: list[str]):
    """Drop the secondary indexes, unique and foreign-key constraints of `tables` (not
    their primary keys or checks) and the foreign keys pointing at them, then make them
    again and analyse the tables.

    If the block fails (or is interrupted), the tables are emptied and their indexes
    and constraints made again (at once, on empty tables): the schema stays whole."""
    with connection.cursor() as cursor:
        cursor.execute(
            # The foreign keys pointing at the tables too: TRUNCATE (COPY FREEZE) needs it.
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM "
            "pg_constraint WHERE (conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'f')) "
            "OR (contype = 'f' AND confrelid = ANY(%s::regclass[])) "
            "ORDER BY contype DESC",  # unique ones first when made again
            [tables, tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
            "WHERE indrelid = ANY(%s::regclass[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint "
            "c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    try:
        yield
    except BaseException:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        _rebuild(indexes, constraints)
        raise
    _rebuild(indexes, constraints)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        # The other tables too (areas, rules): the plans depend on their statistics, which
        # autovacuum would only gather later.
        others = sorted(set(connection.introspection.table_names(cursor)) - set(tables))
        cursor.execute(f"ANALYZE {', '.join(others)}")


def _models():
    """The models filled by COPY, in the order of the steps."""
    from checkpoints.declaring.models import EntryDeclaration, HealthDeclaration
    from checkpoints.venues.models import CheckIn, Venue
    from declarations.f0.models import F0Declaration, F0Event
    from declarations.homecare.models import Alert, DailyReport, HomeCarePatient
    from declarations.labresults.models import LabResult, LabToken
    from khaibao.accounts.models import StaffProfile, Unit, User
    from khaibao.people.models import ManagedPerson, Person
    from khaibao.uploads.models import Photo
    from vaccination.models import (
        DoseImport,
        DoseRecord,
        VaccinationCertificate,
        WardDefaultUnit,
    )

    return [
        Unit, User, StaffProfile, User.groups.through, WardDefaultUnit, LabToken, Person,
        DoseRecord, DoseImport, VaccinationCertificate, Photo, F0Declaration, F0Event,
        HomeCarePatient, DailyReport, Alert, LabResult, ManagedPerson, Venue, CheckIn,
        HealthDeclaration, EntryDeclaration,
    ]  # fmt: skip


# -- the marker ---------------------------------------------------------------------------


def dataset_marker() -> dict | None:
    """What benchgen put in this database: {"params", "counts", "last_ids", "took",
    "generated_at"}, or None."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [MARKER_TABLE])
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(f"SELECT params, counts, last_ids, took, generated_at FROM {MARKER_TABLE}")
        row = cursor.fetchone()
    if row is None:
        return None
    names = ("params", "counts", "last_ids", "took", "generated_at")
    return {
        name: json.loads(value) if isinstance(value, str) else value
        for name, value in zip(names, row, strict=True)
    }


def _marker_write(params: dict, counts: dict, took: dict) -> None:
    last_ids = {}
    with connection.cursor() as cursor:
        for model in _models():
            table = model._meta.db_table
            cursor.execute(f"SELECT max(id) FROM {table}")
            last_ids[table] = cursor.fetchone()[0]
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (id int PRIMARY KEY CHECK (id = 1), "
            "params jsonb NOT NULL, counts jsonb NOT NULL, last_ids jsonb NOT NULL, "
            "took jsonb NOT NULL, generated_at timestamptz NOT NULL)"
        )
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} VALUES (1, %s, %s, %s, %s, now())",
            [json.dumps(params), json.dumps(counts), json.dumps(last_ids), json.dumps(took)],
        )


def dataset_forget() -> None:
    """Drop the marker: the next generate(reuse=True) will not take the data for its own."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {MARKER_TABLE}")


def _data_present(marker: dict) -> bool:
    """Whether the last row of each table the dataset filled is still there (a flush or
    a TRUNCATE since leaves the marker alone)."""
    with connection.cursor() as cursor:
        for table, last in marker["last_ids"].items():
            if last is None:
                continue
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE id = %s)", [last])
            if not cursor.fetchone()[0]:
                return False
    return True


def _reusable(params: dict, max_age: datetime.timedelta | None) -> bool:
    marker = dataset_marker()
    if marker is None or marker["params"] != params:
        return False
    if max_age is not None and timezone.now() - marker["generated_at"] > max_age:
        return False
    return _data_present(marker)


def _has_persons() -> bool:
    from khaibao.people.models import Person

    return Person.objects.exists()


def _forget_rule_timelines() -> None:
    """Rule timelines cached (in Redis: shared by every database) name the rule versions
    of another database, or of this one before a flush."""
    from khaibao.areas.models import Area, AreaLevel
    from khaibao.rules.cache import NATIONAL, timeline_clear
    from khaibao.rules.kinds import all_kinds

    scopes = [
        NATIONAL,
        *Area.objects.filter(level=AreaLevel.PROVINCE).values_list("code", flat=True),
    ]
    for kind in all_kinds():
        for scope in scopes:
            timeline_clear(kind.slug, scope)


def _start_empty(reuse: bool) -> None:
    """Make sure the database holds no dataset: flush one benchgen made (with `reuse`),
    refuse anything else."""
    marker = dataset_marker()
    if _has_persons():
        if not reuse:
            raise SystemExit("benchgen: the database must hold no persons (or pass reuse=True)")
        if marker is None:
            raise SystemExit("benchgen: this database holds data benchgen did not make")
    # The marker goes first: a run that stops half-way must not leave one behind.
    dataset_forget()
    if marker is not None:
        call_command("flush", interactive=False, verbosity=0)


# -- the world ----------------------------------------------------------------------------


def _world(*, province_code: str, seed: int, clock: Clock) -> World:
    """The areas (loaded), the rules in force, the venues' manager."""
    from checkpoints.quarantine.policy import QUARANTINE_POLICY
    from declarations.f0.rules import F0_TIMING
    from declarations.homecare.rules import HOMECARE
    from declarations.labresults.rules import LABRESULTS
    from khaibao.accounts.models import User
    from khaibao.areas.models import Area, AreaLevel
    from khaibao.rules.selectors import rules_in_force
    from vaccination.rules import VACCINATION

    call_command("load_areas", stdout=open("/dev/null", "w"))  # noqa: SIM115
    _forget_rule_timelines()
    province = Area.objects.get(code=province_code, level=AreaLevel.PROVINCE)
    wards = [
        Ward(pk, code, name, parent)
        for pk, code, name, parent in Area.objects.filter(level=AreaLevel.WARD)
        .order_by("pk")
        .values_list("pk", "code", "name", "parent_id")
    ]
    by_province: dict[int, list[int]] = {}
    for ward in wards:
        by_province.setdefault(ward.province, []).append(ward.pk)
    local = by_province[province.pk]
    kinds = (QUARANTINE_POLICY, F0_TIMING, HOMECARE, LABRESULTS, VACCINATION)
    rules = {kind: rules_in_force(kind, province) for kind in kinds}
    manager = User(username="bench-manager", phone="+84912000000")
    manager.set_unusable_password()
    manager.save()
    return World(
        seed=seed,
        clock=clock,
        province=province.pk,
        wards=wards,
        ward_by_pk={ward.pk: ward for ward in wards},
        local_wards=local,
        outside_wards=sorted({ward.pk for ward in wards} - set(local)),
        province_wards=by_province,
        rules={kind: found.version_id for kind, found in rules.items()},
        rule_values={kind: dict(found.values) for kind, found in rules.items()},
        manager=manager.pk,
    )


def generate(
    *,
    persons: int = 1_000_000,
    venues: int = 3_000,
    checkins: int = 10_000_000,
    health: int = 300_000,
    entries: int = 200_000,
    f0: int | None = None,
    homecare: int | None = None,
    reports: int | None = None,
    doses: int | None = None,
    lab_results: int | None = None,
    province_code: str = "79",
    province_share: float = 0.5,
    seed: int = 13,
    days: int = 25,
    now: datetime.datetime | None = None,
    reuse: bool = False,
    reuse_max_age: datetime.timedelta | None = datetime.timedelta(days=1),
) -> dict[str, float]:
    """Fill the migrated database (module docstring); returns the seconds each step took."""
    from benchgen_cases import cases_copy
    from benchgen_checkpoints import checkpoints_copy
    from benchgen_people import Accounts, persons_copy, staff_copy
    from benchgen_vaccination import doses_copy

    started = time.perf_counter()
    # Per person (PER_PERSON): 200,000 F0 declarations and so on for a million persons,
    # and a smaller run that names only `persons` stays in proportion.
    f0, homecare, reports, doses, lab_results = (
        round(persons * PER_PERSON[name]) if value is None else value
        for name, value in (
            ("f0", f0), ("homecare", homecare), ("reports", reports), ("doses", doses),
            ("lab_results", lab_results),
        )
    )  # fmt: skip
    params = {
        "version": DATA_VERSION, "persons": persons, "venues": venues, "checkins": checkins,
        "health": health, "entries": entries, "f0": f0, "homecare": homecare,
        "reports": reports, "doses": doses, "lab_results": lab_results,
        "province_code": province_code, "province_share": province_share, "seed": seed,
        "days": days, "now": now.isoformat() if now else None,
    }  # fmt: skip
    if reuse and _reusable(params, reuse_max_age):
        took = time.perf_counter() - started
        return {"reused": took, "total": took}
    _start_empty(reuse)
    took: dict[str, float] = {}

    @contextmanager
    def timed(step: str):
        begun = time.perf_counter()
        yield
        took[f"copy.{step}"] = time.perf_counter() - begun

    now = now or timezone.now()
    world = _world(province_code=province_code, seed=seed, clock=Clock(now))
    took["areas"] = time.perf_counter() - started
    step = time.perf_counter()
    with indexes_rebuilt_after([model._meta.db_table for model in _models()]):
        with timed("staff"):
            staff_copy(world, first_user=world.manager + 1)
        with timed("persons"):
            persons_copy(world, count=persons, share=province_share)
        with timed("doses"):
            doses_copy(world, total=doses)
        accounts = Accounts(world)
        with timed("cases"):
            sizes = cases_copy(
                world, accounts, f0=f0, homecare=homecare, reports=reports, lab_results=lab_results
            )
        with timed("accounts"):
            accounts.copy()
        checkpoints_copy(
            world, now, venues=venues, checkins=checkins, health=health, entries=entries,
            days=days, timed=timed,
        )  # fmt: skip
        took["copy"] = time.perf_counter() - step
        step = time.perf_counter()
    took["indexes"] = time.perf_counter() - step
    took["total"] = time.perf_counter() - started
    _marker_write(params, {**world.counts, **{f"plan.{k}": v for k, v in sizes.items()}}, took)
    return took
