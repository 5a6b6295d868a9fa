#!/usr/bin/env python
"""Benchmark (not a test): the checkpoint officer's look-up, by ID number and by My QR,
against a bare Django view, through gunicorn (how the comparison is made:
scripts/benchlib.py), on a database of 1 million persons and 10 million check-ins.
Targets (issue 13): ≥ 0.6 × the bare view, p99 ≤ 50 ms at 16 connections.

Each request is what the officer page's script sends: a signed-in officer's session
cookie, the CSRF token and the look-up form, `Accept: application/json`. The look-up
verifies the QR (for a QR), finds the person, reads the three groups from the officer's
province, audits the look-up and answers the groups' HTML in JSON. The bare view gets
the same requests (same cookies and bodies) and answers "ok".

    .venv/bin/python scripts/bench_officer_lookup.py [--persons 1000000] [--checkins
        10000000] [--seconds 4] [--clients 16] [--rounds 5]

It needs PostgreSQL (DATABASE_URL) and uses a throw-away database bench_officer_<name>,
filled with COPY (scripts/benchgen.py); at the full size that takes a few minutes.
"""

import argparse
import datetime
import os
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402

PROVINCE = "79"  # Thành phố Hồ Chí Minh: the officers' province
LOOKUPS_PER_MINUTE = 600  # the rule's maximum (checkpoints/officer/rules.py)
LOOKUP_PATH = "/kiem-tra/vao-tinh/"
TARGET_RATIO, TARGET_P99 = 0.6, 0.050

if os.environ.get("BENCH_WORKER") == "1":
    application = benchlib.wsgi_application(__name__)


def _officers(count: int, province) -> tuple[list[str], object]:
    """Session keys of `count` officers of one checkpoint of `province`, signed in.

    Several officers, because the throttle counts per officer and its rule allows at
    most LOOKUPS_PER_MINUTE: the requests take the officers in turn."""
    from django.core.cache import cache
    from django.test import Client, override_settings

    from khaibao.accounts.models import Unit, User
    from khaibao.accounts.roles import Role
    from khaibao.accounts.services import staff_create, unit_save

    root = User.objects.create_superuser(username="bench-root", password=None, email="")
    unit = unit_save(
        by=root,
        unit=Unit(),
        role=Role.CHECKPOINT,
        code="CHOT-BENCH",
        name="Chốt sân bay Tân Sơn Nhất",
        area=province,
    )
    sessions = []
    # The passwords are never used: a fast hasher (here only) saves a second an officer.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        for number in range(count):
            officer = staff_create(
                by=root,
                username=f"can-bo-chot-{number}",
                password=secrets.token_urlsafe(16),
                full_name=f"Cán bộ chốt {number}",
                role=Role.CHECKPOINT,
                area=province,
                unit=unit,
            )
            # A counter left in Redis by an earlier run (same ids) must not throttle this.
            cache.delete(f"officer:lookup:{officer.pk}")
            client = Client()
            client.force_login(officer)
            sessions.append(client.cookies["sessionid"].value)
    return sessions, root


def _raise_throttle(province, by) -> None:
    from checkpoints.officer.rules import OFFICER
    from khaibao.rules.selectors import rules_in_force
    from khaibao.rules.services import rule_version_schedule

    values = {**rules_in_force(OFFICER, province).values, "lookups_per_minute": LOOKUPS_PER_MINUTE}
    rule_version_schedule(
        kind=OFFICER,
        province=None,
        values=values,
        effective_from=datetime.datetime.now(tz=datetime.UTC),
        document="Benchmark",
        by=by,
    )


def _forget_cached_rules() -> None:
    """Rule timelines cached in Redis by an earlier run name that run's rule versions."""
    from checkpoints.officer.rules import OFFICER
    from checkpoints.quarantine.policy import QUARANTINE_POLICY
    from khaibao.rules.cache import NATIONAL, timeline_clear

    for kind in (OFFICER, QUARANTINE_POLICY):
        for scope in (NATIONAL, PROVINCE):
            timeline_clear(kind, scope)


def _queries(persons: int, *, count: int, qr_count: int, seed: int) -> tuple[list, list]:
    """`count` random persons' ID numbers, and `qr_count` random persons' My QR texts."""
    from benchgen import id_number_of

    from khaibao.people.models import Person
    from khaibao.trust.services import qr_for_person

    rng = random.Random(seed + 1)
    numbers = [id_number_of(rng.randint(1, persons)) for _ in range(count)]
    chosen = rng.sample(range(1, persons + 1), min(qr_count, persons))
    qrs = [qr_for_person(person) for person in Person.objects.filter(pk__in=chosen)]
    return numbers, qrs


def _requests(path: str, texts: list[str], sessions: list[str]) -> list[bytes]:
    csrf = secrets.token_hex(16)  # a 32-character secret: the unmasked form is accepted
    requests = []
    for index, text in enumerate(texts):
        body = urlencode({"csrfmiddlewaretoken": csrf, "q": text}).encode()
        headers = (
            f"Cookie: sessionid={sessions[index % len(sessions)]}; csrftoken={csrf}",
            f"Origin: http://{benchlib.HOST}",
            "Accept: application/json",
        )
        requests.append(
            benchlib.http_request(
                path, body, content_type="application/x-www-form-urlencoded", headers=headers
            )
        )
    return requests


def _plans(province, persons: int) -> None:
    """EXPLAIN ANALYZE of the look-up's one statement (the person by ID number and the
    three groups; issue 13: the same cost at 10 million check-ins as at 10 thousand) and
    of a venue's check-ins in a window, as the selectors make them."""
    from benchgen import id_number_of
    from django.db import connection
    from django.utils import timezone

    from checkpoints.officer import selectors
    from checkpoints.venues.models import Venue

    person_id = persons // 2
    venue = Venue.objects.filter(ward__parent=province).order_by("pk").first()
    now = timezone.now()
    window = selectors.venue_checkins(venue, start=now - datetime.timedelta(hours=2), end=now)
    print(
        f"\nEXPLAIN ANALYZE: the look-up by ID number, with the three groups (person {person_id})"
    )
    params = {"path": province.path + "%", "limit": 10, "value": id_number_of(person_id)}
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, SUMMARY) " + selectors._BY_ID_NUMBER, params)
        print("  " + "\n  ".join(row[0] for row in cursor.fetchall()))
    print(f"\nEXPLAIN ANALYZE: a venue's check-ins in a 2-hour window (venue {venue.pk})")
    print("  " + window.explain(analyze=True).replace("\n", "\n  "))


def _report(targets, best) -> None:
    for target in targets[1:]:
        benchlib.ratio_record(
            script="bench_officer_lookup.py",
            path=f"checkpoint look-up by {target.label}",
            best=best,
            label=target.label,
            ratio_target=TARGET_RATIO,
            p99_target=TARGET_P99,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--checkins", type=int, default=10_000_000)
    parser.add_argument("--venues", type=int, default=3_000)
    parser.add_argument("--health", type=int, default=300_000, help="health declarations")
    parser.add_argument("--entries", type=int, default=200_000, help="entry declarations")
    parser.add_argument("--officers", type=int, default=64, help="officers taken in turn")
    parser.add_argument("--qr", type=int, default=3_000, help="persons whose My QR is scanned")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--seconds", type=float, default=4, help="length of one timed run")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections")
    parser.add_argument("--rounds", type=int, default=5, help="alternating runs; best counts")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="instead of the load: N requests of each path in this process, then a cProfile",
    )
    args = parser.parse_args()

    temporary = Path(tempfile.mkdtemp(prefix="bench-officer-"))
    env = {**os.environ, **benchlib.production_env(temporary)}
    env["SIGNING_CSCA_DIR"] = str(temporary / "csca")
    os.environ.update(env)
    import django

    django.setup()
    from bench_api_verify import _keys
    from django.test.utils import teardown_databases

    _keys(Path(env["SIGNING_KEYS_DIR"]), Path(env["SIGNING_CSCA_DIR"]))
    old_config = benchlib.setup_database("bench_officer")
    if old_config is None:
        print("Officer look-up benchmark skipped: it needs DATABASE_URL (PostgreSQL).")
        return
    server = None
    try:
        from benchgen import generate

        from khaibao.areas.models import Area

        _forget_cached_rules()
        took = generate(
            persons=args.persons,
            venues=args.venues,
            checkins=args.checkins,
            health=args.health,
            entries=args.entries,
            province_code=PROVINCE,
            seed=args.seed,
        )
        print(
            f"Data: {args.persons:,} persons, {args.venues:,} venues, {args.checkins:,} "
            f"check-ins over 25 days, {args.health:,} health and {args.entries:,} entry "
            f"declarations, by COPY in {took['total']:.0f} s (areas {took['areas']:.0f} s, "
            f"COPY {took['copy']:.0f} s, indexes, constraints and ANALYZE "
            f"{took['indexes']:.0f} s)."
        )
        province = Area.objects.get(code=PROVINCE)
        started = time.perf_counter()
        sessions, root = _officers(args.officers, province)
        _raise_throttle(province, root)
        officers_took = time.perf_counter() - started
        numbers, qrs = _queries(args.persons, count=20_000, qr_count=args.qr, seed=args.seed)
        print(
            f"{args.officers} officers of one checkpoint, taken in turn; the officer rule's "
            f"lookups_per_minute raised to {LOOKUPS_PER_MINUTE} (its maximum) for the "
            f"benchmark, so {args.officers * LOOKUPS_PER_MINUTE:,} look-ups a minute pass "
            f"the throttle ({officers_took:.0f} s); {len(qrs):,} My QR codes signed "
            f"({time.perf_counter() - started - officers_took:.0f} s)."
        )
        by_id = _requests(LOOKUP_PATH, numbers, sessions)
        by_qr = _requests(LOOKUP_PATH, qrs, sessions)
        mixed = [request for pair in zip(by_id, by_qr, strict=False) for request in pair]
        bare = [r.replace(LOOKUP_PATH.encode(), benchlib.BARE_PATH.encode(), 1) for r in mixed]
        # The person was found and shown (with the groups, or "no data in the province").
        found = b"data-person-name"
        targets = [
            benchlib.Target("bare", benchlib.BARE_PATH, bare, b"ok"),
            benchlib.Target("ID", f"{LOOKUP_PATH} (ID)", by_id, found),
            benchlib.Target("QR", f"{LOOKUP_PATH} (QR)", by_qr, found),
        ]
        if args.profile:
            application = benchlib.wsgi_application(__name__)
            benchlib.profile(targets[:2], application, count=args.profile)
            return
        server = benchlib.start_gunicorn("bench_officer_lookup", env, args.workers)
        runs = benchlib.measure(
            targets, server=server, seconds=args.seconds, clients=args.clients, rounds=args.rounds
        )
        best = benchlib.report(
            targets,
            runs,
            clients=args.clients,
            workers=args.workers,
            seconds=args.seconds,
            rounds=args.rounds,
            redis=bool(env.get("REDIS_URL")),
        )
        _report(targets, best)
        _plans(province, args.persons)
    finally:
        if server is not None:
            benchlib.stop_gunicorn(server, script="bench_officer_lookup.py")
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
