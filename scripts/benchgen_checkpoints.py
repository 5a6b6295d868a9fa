"""benchgen: venues, check-ins, and health and entry declarations (the officer's look-up
reads them). Half the venues are in the benchmark province, so that look-ups find
check-ins there; entry declarations come from outside the province into it."""

import datetime

from benchgen_base import World, copy_lines, rng_for, uuid4
from django.utils import timezone

PLACEHOLDER_QR = "KB1:benchmark-data"
VENUE_KINDS = ["shop", "market", "office", "school", "restaurant", "factory", "transport"]
SIGNED = [
    "person_id", "declared_by_id", "relationship", "entered_by_staff", "created_at",
    "public_id", "submission_key", "contact_phone", "qr_text", "qr_cert_id",
    "qr_expires_at", "access_token",
]  # fmt: skip


def _venues(rng, count, wards, manager_id, now):
    for pk in range(1, count + 1):
        ward = rng.choice(wards)
        yield (
            f"{pk}\t{uuid4(rng)}\tĐịa điểm {pk}\t{rng.choice(VENUE_KINDS)}\t{ward}\t{ward}\t"
            f"Số {pk} Đường Chính\t{manager_id}\t+84912000000\tapproved\t\\N\t{now}\t\t"
            f"{PLACEHOLDER_QR}\t\t{now}\t{uuid4(rng)}\n"
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
            f"{uuid4(rng)}\t{uuid4(rng)}\t\t{PLACEHOLDER_QR}\t\t{expires}\t"
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
            f"{int(rng.random() * persons) + 1}\t{user_id}\tself\tf\t{created}\t{uuid4(rng)}\t"
            f"{uuid4(rng)}\t\t{PLACEHOLDER_QR}\t\t{expires}\t{rng.getrandbits(128):032x}\t"
            f"{rng.choice(origins)}\t\t\t{arrival - datetime.timedelta(days=1)}\t{arrival}\t"
            f"coach\t\t\\N\t{ward}\t{ward}\t\tself\t2\t\\N\tself\t\t\\N\t{policy_id}\t\t"
            f"self_monitor\t7\tf\t\tTự theo dõi sức khoẻ tại nhà 7 ngày.\t{ends}\t{created}\t"
            f"\\N\t\t\\N\t\\N\t\n"
        )


def checkpoints_copy(
    world: World,
    now: datetime.datetime,
    *,
    venues: int,
    checkins: int,
    health: int,
    entries: int,
    days: int,
    timed,
) -> None:
    """The venues, `checkins` check-ins over the last `days` days, and the declarations,
    all filed by the venues' manager (world.manager); `timed(step)` times each table."""
    from checkpoints.declaring.models import EntryDeclaration, HealthDeclaration
    from checkpoints.quarantine.policy import QUARANTINE_POLICY
    from checkpoints.venues.models import CheckIn, Venue

    stamp, seed, persons = str(now), world.seed, world.persons
    all_wards = [ward.pk for ward in world.wards]
    local, outside = world.local_wards, world.outside_wards
    venue_wards = local + outside[: len(local)]
    venue_columns = [
        "id", "public_id", "name", "kind", "area_id", "ward_id", "street_address",
        "manager_id", "contact_phone", "status", "decided_by_id", "decided_at",
        "rejection_reason", "qr_text", "qr_cert_id", "created_at", "submission_key",
    ]  # fmt: skip
    health_columns = SIGNED + [
        "area_id", "street_address", "symptoms", "other_symptoms", "contact_with_case",
        "travelled", "travel_places",
    ]  # fmt: skip
    entry_columns = SIGNED + [
        "origin_area_id", "origin_village_text", "origin_street", "departed_on", "arrival_on",
        "means", "vehicle_number", "checkpoint_id", "destination_area_id",
        "destination_ward_id", "destination_street", "vaccination_source", "vaccine_doses",
        "last_dose_on", "test_source", "test_outcome", "test_sampled_on", "policy_version_id",
        "policy_area_code", "policy_measure", "policy_days", "policy_test_on_arrival",
        "policy_exception", "policy_text", "policy_ends_on", "policy_computed_at",
        "policy_changed_at", "previous_policy_summary", "follow_up_done_at",
        "follow_up_by_id", "follow_up_note",
    ]  # fmt: skip
    manager, policy_id = world.manager, world.rules[QUARANTINE_POLICY]
    with timed("venues"):
        copy_lines(
            Venue,
            venue_columns,
            _venues(rng_for(seed, "venues"), venues, venue_wards, manager, stamp),
        )
    with timed("checkins"):
        copy_lines(
            CheckIn,
            ["person_id", "venue_id", "checked_in_at", "checked_out_at", "declared_by_id"],
            _checkins(rng_for(seed, "checkins"), checkins, persons, venues, now, days),
        )
    with timed("health"):
        copy_lines(
            HealthDeclaration,
            health_columns,
            _health(rng_for(seed, "health"), health, persons, all_wards, manager, now, days),
        )
    with timed("entries"):
        copy_lines(
            EntryDeclaration,
            entry_columns,
            _entries(
                rng_for(seed, "entries"),
                entries,
                persons,
                outside or local,
                local,
                manager,
                policy_id,
                now,
                days,
            ),
        )
    world.counts.update(venues=venues, checkins=checkins, health=health, entries=entries)
