"""Bulk data for the benchmarks: persons, venues, check-ins and declarations written with
PostgreSQL COPY into the migrated tables of a throw-away database, reproducible from a
seed.

The tables' secondary indexes and their unique and foreign-key constraints are dropped
before the COPY and made again after it: one sorted build per index (and one join per
foreign key) costs far less than ten million single-row index insertions and checks.
"""

import datetime
import random
import time
import uuid
from contextlib import contextmanager

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

SURNAMES = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương".split()
MIDDLES = "Văn Thị Hữu Minh Ngọc Thanh Quốc Gia Đức Thu".split()
GIVENS = (
    "An Bình Cúc Dũng Giang Hà Hải Hạnh Hiếu Hoa Hùng Hương Khang Lan Linh Long Mai Nam "
    "Nga Ngân Phong Phúc Quân Sơn Tâm Thảo Trang Trung Tuấn Yến"
).split()
CHUNK = 50_000
PLACEHOLDER_QR = "KB1:benchmark-data"


def id_number_of(person_id: int) -> str:
    """A 12-digit number, different for each id (multiplying by an odd number not
    divisible by 5 is a bijection modulo 10¹²)."""
    return f"{person_id * 982_451_653 % 10**12:012d}"


@contextmanager
def _indexes_rebuilt_after(tables: list[str]):
    """Drop the secondary indexes, unique and foreign-key constraints of `tables` (not
    their primary keys or checks), then make them again and analyse the tables."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM "
            "pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'f') "
            "ORDER BY contype DESC",  # unique ones first when made again
            [tables],
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
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        # The small tables too (areas, venues): the plans depend on their statistics, which
        # autovacuum would only gather later.
        cursor.execute("ANALYZE")


def _copy(model, columns: list[str], lines) -> int:
    """COPY text lines (tab-separated, in `columns` order) into `model`'s table. Every
    column the table has must be given (the migrations set no database defaults)."""
    missing = {f.column for f in model._meta.concrete_fields if not f.primary_key} - set(columns)
    if missing:
        raise SystemExit(f"benchgen: no value for {model._meta.db_table}.{sorted(missing)}")
    table, count = model._meta.db_table, 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for copy()
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            batch = []
            for line in lines:
                batch.append(line)
                if len(batch) == CHUNK:
                    copy.write("".join(batch))
                    count += len(batch)
                    batch.clear()
            copy.write("".join(batch))
            count += len(batch)
        if "id" in columns:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
    return count


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _persons(rng, count, wards, now):
    from khaibao.lib.normalize import name_key

    keys: dict[str, str] = {}
    born = [str(datetime.date(1940, 1, 1) + datetime.timedelta(days=d)) for d in range(29_000)]
    for pk in range(1, count + 1):
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLES)} {rng.choice(GIVENS)}"
        key = keys.get(name) or keys.setdefault(name, name_key(name))
        yield (
            f"{pk}\t{_uuid(rng)}\t{name}\t{key}\t{rng.choice(born)}\t{rng.choice('MF')}\tcccd\t"
            f"{id_number_of(pk)}\tVN\t\t\t{rng.choice(wards)}\tSố 12 Lê Lợi\t{now}\t{now}\n"
        )


def _venues(rng, count, wards, manager_id, now):
    kinds = ["shop", "market", "office", "school", "restaurant", "factory", "transport"]
    for pk in range(1, count + 1):
        ward = rng.choice(wards)
        yield (
            f"{pk}\t{_uuid(rng)}\tĐịa điểm {pk}\t{rng.choice(kinds)}\t{ward}\t{ward}\t"
            f"Số {pk} Đường Chính\t{manager_id}\t+84912000000\tapproved\t\\N\t{now}\t\t"
            f"{PLACEHOLDER_QR}\t\t{now}\t{_uuid(rng)}\n"
        )


def _checkins(rng, count, persons, venues, now, days):
    """Check-ins spread evenly over the last `days` days; most checked out after 5 minutes
    to 3 hours, the ones still running (or never checked out) open."""
    start = (now - datetime.timedelta(days=days)).replace(second=0, microsecond=0)
    span = days * 1440
    minutes = [
        (start + datetime.timedelta(minutes=m)).strftime("%Y-%m-%d %H:%M") for m in range(span)
    ]
    seconds = [f":{s:02d}+00" for s in range(60)]
    r = rng.random
    for _ in range(count):
        m = int(r() * span)
        out = m + 5 + int(r() * 175)
        left = f"{minutes[out]}{seconds[59]}" if out < span and r() < 0.9 else "\\N"
        yield (
            f"{int(r() * persons) + 1}\t{int(r() * venues) + 1}\t{minutes[m]}"
            f"{seconds[int(r() * 60)]}\t{left}\t\\N\n"
        )


def _when(rng, now, days) -> str:
    return str(now - datetime.timedelta(seconds=int(rng.random() * days * 86400)))


def _health(rng, count, persons, wards, user_id, now, days):
    expires = now + datetime.timedelta(days=30)
    for _ in range(count):
        yield (
            f"{int(rng.random() * persons) + 1}\t{user_id}\tself\tf\t{_when(rng, now, days)}\t"
            f"{_uuid(rng)}\t{_uuid(rng)}\t\t{PLACEHOLDER_QR}\t\t{expires}\t"
            f"{rng.getrandbits(128):032x}\t{rng.choice(wards)}\t\t[]\t\tno\tf\t\n"
        )


def _entries(rng, count, persons, origins, destinations, user_id, policy_id, now, days):
    expires = now + datetime.timedelta(days=30)
    for _ in range(count):
        created = now - datetime.timedelta(seconds=int(rng.random() * days * 86400))
        arrival = timezone.localdate(created)
        ends = arrival + datetime.timedelta(days=7)
        ward = rng.choice(destinations)
        yield (
            f"{int(rng.random() * persons) + 1}\t{user_id}\tself\tf\t{created}\t{_uuid(rng)}\t"
            f"{_uuid(rng)}\t\t{PLACEHOLDER_QR}\t\t{expires}\t{rng.getrandbits(128):032x}\t"
            f"{rng.choice(origins)}\t\t\t{arrival - datetime.timedelta(days=1)}\t{arrival}\t"
            f"coach\t\t\\N\t{ward}\t{ward}\t\tself\t2\t\\N\tself\t\t\\N\t{policy_id}\t\t"
            f"self_monitor\t7\tf\t\tTự theo dõi sức khoẻ tại nhà 7 ngày.\t{ends}\t{created}\t"
            f"\\N\t\t\\N\t\\N\t\n"
        )


def generate(
    *,
    persons: int,
    venues: int,
    checkins: int,
    health: int,
    entries: int,
    province_code: str,
    seed: int,
    days: int = 25,
) -> dict[str, float]:
    """Fill the migrated database; returns the seconds each step took."""
    from checkpoints.declaring.models import EntryDeclaration, HealthDeclaration
    from checkpoints.quarantine.policy import QUARANTINE_POLICY
    from checkpoints.venues.models import CheckIn, Venue
    from khaibao.accounts.models import User
    from khaibao.areas.models import Area, AreaLevel
    from khaibao.people.models import Person
    from khaibao.rules.selectors import rules_in_force

    rng, now, took = random.Random(seed), timezone.now(), {}
    started = time.perf_counter()
    call_command("load_areas", stdout=open("/dev/null", "w"))  # noqa: SIM115
    province = Area.objects.get(code=province_code, level=AreaLevel.PROVINCE)
    all_wards = list(
        Area.objects.filter(level=AreaLevel.WARD).order_by("pk").values_list("pk", flat=True)
    )
    local = list(Area.objects.filter(parent=province).order_by("pk").values_list("pk", flat=True))
    outside = sorted(set(all_wards) - set(local))
    # Half the venues in the officer's province, so that look-ups find check-ins there.
    venue_wards = local + outside[: len(local)]
    manager = User.objects.create(username="bench-manager", phone="+84912000000")
    policy_id = rules_in_force(QUARANTINE_POLICY, province).version_id
    took["areas"] = time.perf_counter() - started
    stamp = str(now)
    person_columns = [
        "id", "public_id", "full_name", "name_key", "date_of_birth", "sex", "id_type",
        "id_number", "nationality", "phone", "health_insurance_number", "area_id",
        "street_address", "created_at", "updated_at",
    ]  # fmt: skip
    venue_columns = [
        "id", "public_id", "name", "kind", "area_id", "ward_id", "street_address",
        "manager_id", "contact_phone", "status", "decided_by_id", "decided_at",
        "rejection_reason", "qr_text", "qr_cert_id", "created_at", "submission_key",
    ]  # fmt: skip
    signed = [
        "person_id", "declared_by_id", "relationship", "entered_by_staff", "created_at",
        "public_id", "submission_key", "contact_phone", "qr_text", "qr_cert_id",
        "qr_expires_at", "access_token",
    ]  # fmt: skip
    health_columns = signed + [
        "area_id", "street_address", "symptoms", "other_symptoms", "contact_with_case",
        "travelled", "travel_places",
    ]  # fmt: skip
    entry_columns = signed + [
        "origin_area_id", "origin_village_text", "origin_street", "departed_on", "arrival_on",
        "means", "vehicle_number", "checkpoint_id", "destination_area_id",
        "destination_ward_id", "destination_street", "vaccination_source", "vaccine_doses",
        "last_dose_on", "test_source", "test_outcome", "test_sampled_on", "policy_version_id",
        "policy_area_code", "policy_measure", "policy_days", "policy_test_on_arrival",
        "policy_exception", "policy_text", "policy_ends_on", "policy_computed_at",
        "policy_changed_at", "previous_policy_summary", "follow_up_done_at",
        "follow_up_by_id", "follow_up_note",
    ]  # fmt: skip
    tables = [m._meta.db_table for m in (Person, CheckIn, HealthDeclaration, EntryDeclaration)]
    with _indexes_rebuilt_after(tables):
        step = time.perf_counter()
        _copy(Person, person_columns, _persons(rng, persons, all_wards, stamp))
        _copy(Venue, venue_columns, _venues(rng, venues, venue_wards, manager.pk, stamp))
        _copy(
            CheckIn,
            ["person_id", "venue_id", "checked_in_at", "checked_out_at", "declared_by_id"],
            _checkins(rng, checkins, persons, venues, now, days),
        )
        _copy(
            HealthDeclaration,
            health_columns,
            _health(rng, health, persons, all_wards, manager.pk, now, days),
        )
        _copy(
            EntryDeclaration,
            entry_columns,
            _entries(rng, entries, persons, outside, local, manager.pk, policy_id, now, days),
        )
        took["copy"] = time.perf_counter() - step
        step = time.perf_counter()
    took["indexes"] = time.perf_counter() - step
    took["total"] = time.perf_counter() - started
    return took
