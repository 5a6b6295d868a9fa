#!/usr/bin/env python
"""Benchmark (not a test): the staff's three lists at 1 million persons, through gunicorn
(scripts/benchlib.py): the ward station's home-care board, the station's F0 queue and a
lab's list of results. Target (issue 14): the same number of SQL queries whatever the
tables hold, and p95 ≤ 300 ms at one connection.

Each list is its Django admin changelist as it opens (its default filters), signed in as
the account that sees the most rows: the station of the ward with the most patients in
care (board) or the most declarations waiting (queue), and the lab with the most results.

1. The queries are counted in this process (a test Client signed in with force_login,
   CaptureQueriesContext, the second request of each page, caches warm) twice: on a
   small data set (`--small-persons`) in one throw-away database, then on the full one
   in another. The full set's slowest statements are printed too.
2. The times are wrk's through gunicorn: one connection (the page's own time), then 16.

    .venv/bin/python scripts/bench_staff_lists.py [--persons 1000000] [--small-persons
        5000] [--seconds 4] [--rounds 3] [--profile N]

The lists read none of the check-ins, venues, health or entry declarations: those are
made small by default (`--checkins` etc.), which saves most of the generation time. It
needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL; its database is cleared: the rules
cached there name the rule versions of another database), and uses throw-away databases
bench_lists_small_<name> and bench_lists_<name>; at the full size filling takes minutes.
"""

import argparse
import os
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402

SCRIPT = "bench_staff_lists.py"
TARGET_P95 = 0.300
TARGET = "constant queries, ≤ 300 ms"
#: Shown on every changelist with rows (Django's admin/change_list_results.html).
EXPECT = b'id="result_list"'
SLOWEST_SHOWN = 3

if os.environ.get("BENCH_WORKER") == "1":
    application = benchlib.wsgi_application(__name__)


@dataclass(frozen=True)
class Page:
    label: str
    name: str
    path: str
    username: str
    rows: int  # what the account's list holds as it opens


@dataclass(frozen=True)
class Count:
    queries: int
    milliseconds: float
    slowest: list[tuple[float, str]]


def _busiest_ward(model, area_field: str, statuses) -> tuple[str, int]:
    """(ward code, rows) of the ward with the most `model` rows in `statuses`; the ward
    code is the second segment of the area's materialised path (province/ward/...)."""
    from django.db import connection

    from khaibao.areas.models import Area

    column = model._meta.get_field(area_field).column
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT split_part(a.path, '/', 2), count(*) FROM {model._meta.db_table} t "
            f"JOIN {Area._meta.db_table} a ON a.id = t.{column} "
            "WHERE t.status = ANY(%s) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1",
            [list(statuses)],
        )
        return cursor.fetchone()


def _pages() -> list[Page]:
    """The three lists, each with the account that sees the most rows."""
    from django.db.models import Count as Rows

    from declarations.f0.admin_queue import WAITING_SINCE
    from declarations.f0.models import F0Declaration
    from declarations.homecare.models import CareStatus, HomeCarePatient
    from declarations.labresults.models import LabResult
    from khaibao.accounts.models import Unit

    ward, patients = _busiest_ward(HomeCarePatient, "area", [CareStatus.PENDING, CareStatus.ACTIVE])
    queue_ward, waiting = _busiest_ward(F0Declaration, "isolation_area", list(WAITING_SINCE))
    lab = (
        LabResult.objects.values("lab_id")
        .annotate(rows=Rows("pk"))
        .order_by("-rows", "lab_id")
        .first()
    )
    code = Unit.objects.get(pk=lab["lab_id"]).code  # "XN-79-1": the account xetnghiem-79-1
    return [
        Page(
            "board",
            "station board",
            "/admin/declarations/homecarepatient/",
            f"tyt-{ward}",
            patients,
        ),
        Page(
            "queue",
            "F0 queue",
            "/admin/declarations/f0declaration/",
            f"tyt-{queue_ward}",
            waiting,
        ),
        Page(
            "lab",
            "lab results",
            "/admin/declarations/labresult/",
            "xetnghiem-" + code.removeprefix("XN-").lower(),
            lab["rows"],
        ),
    ]


def _count(pages: list[Page]) -> dict[str, Count]:
    """Each page's queries on its second request (the first warms the caches)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from khaibao.accounts.models import User

    counts = {}
    for page in pages:
        client = Client()
        client.force_login(User.objects.get(username=page.username))
        client.get(page.path)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as context:
            response = client.get(page.path)
        took = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or (page.rows and EXPECT not in response.content):
            raise SystemExit(f"{page.path} as {page.username}: {response.status_code}")
        slowest = sorted(
            ((float(query["time"]) * 1000, query["sql"]) for query in context.captured_queries),
            reverse=True,
        )
        counts[page.label] = Count(len(context), took, slowest[:SLOWEST_SHOWN])
    return counts


def _generate(args, persons: int) -> float:
    from benchgen import generate
    from django.core.cache import cache

    cache.clear()  # rules cached by an earlier database name its rule versions
    took = generate(
        persons=persons,
        venues=args.venues,
        checkins=args.checkins,
        health=args.health,
        entries=args.entries,
        # The other sizes in proportion to `persons` (benchgen.PER_PERSON) when not given.
        **(
            {}
            if persons != args.persons
            else {
                "f0": args.f0,
                "homecare": args.homecare,
                "reports": args.reports,
                "doses": args.doses,
                "lab_results": args.lab_results,
            }
        ),
        seed=args.seed,
    )
    return took["total"]


def _small_counts(args) -> dict[str, Count] | None:
    """The query counts on a small data set, in a database of its own (dropped after)."""
    from django.test.utils import teardown_databases, teardown_test_environment

    old_config = benchlib.setup_database("bench_lists_small")
    if old_config is None:
        return None
    try:
        took = _generate(args, args.small_persons)
        pages = _pages()
        counts = _count(pages)
        print(f"Small data: {args.small_persons:,} persons (by COPY in {took:.0f} s).")
        _print_counts(pages, counts)
        return counts
    finally:
        teardown_databases(old_config, verbosity=0)
        teardown_test_environment()  # setup_database() sets it up again


def _print_counts(pages: list[Page], counts: dict[str, Count], *, slowest: bool = False) -> None:
    for page in pages:
        count = counts[page.label]
        print(
            f"  {page.name:14} {page.path:40} as {page.username:16} {page.rows:8,} rows: "
            f"{count.queries} queries, {count.milliseconds:.0f} ms in process"
        )
        for milliseconds, sql in count.slowest if slowest else ():
            print(f"      {milliseconds:7.1f} ms  {sql[:160]}")


def _targets(pages: list[Page]) -> list:
    from django.conf import settings
    from django.test import Client

    from khaibao.accounts.models import User

    targets = []
    for page in pages:
        client = Client()
        client.force_login(User.objects.get(username=page.username))
        cookie = f"Cookie: {settings.SESSION_COOKIE_NAME}="
        cookie += client.cookies[settings.SESSION_COOKIE_NAME].value
        request = benchlib.http_request(page.path, headers=(cookie,))
        targets.append(benchlib.Target(page.label, page.path, [request], EXPECT))
    return targets


def _record(pages, small, full, one, many) -> None:
    for page in pages:
        a, b = one[page.label], many[page.label]
        queries_small, queries_full = small[page.label].queries, full[page.label].queries
        met = queries_small == queries_full and a.rate > 0 and a.p95 <= TARGET_P95
        record = benchlib.record
        record(
            script=SCRIPT,
            path=f"{page.name} {page.path} ({page.username}, {page.rows:,} rows)",
            figure=(
                f"{queries_small}/{queries_full} queries (small/full); 1 connection p50 "
                f"{a.p50 * 1000:.0f}, p95 {a.p95 * 1000:.0f} ms; 16 connections p50 "
                f"{b.p50 * 1000:.0f}, p95 {b.p95 * 1000:.0f}, p99 {b.p99 * 1000:.0f} ms, "
                f"{b.rate:,.1f} requests/s"
            ),
            target=TARGET,
            met=met,
            values={
                "rows": page.rows,
                "queries_small": queries_small,
                "queries_full": queries_full,
                "p50_ms_1": round(a.p50 * 1000, 1),
                "p95_ms_1": round(a.p95 * 1000, 1),
                "p50_ms_16": round(b.p50 * 1000, 1),
                "p95_ms_16": round(b.p95 * 1000, 1),
                "p99_ms_16": round(b.p99 * 1000, 1),
                "rate_16": round(b.rate, 1),
                "cpu_us_16": round(b.cpu_us),
            },
        )


def _profile(pages: list[Page], count: int) -> None:
    """benchlib.profile() of the pages, the slowest (in process) last: it is profiled."""
    from django.test import Client

    from khaibao.accounts.models import User

    application = benchlib.wsgi_application(__name__)
    targets = {target.label: target for target in _targets(pages)}
    times = {}
    for page in pages:
        client = Client()
        client.force_login(User.objects.get(username=page.username))
        client.get(page.path)
        started = time.perf_counter()
        for _ in range(3):
            client.get(page.path)
        times[page.label] = time.perf_counter() - started
    order = sorted(targets.values(), key=lambda target: times[target.label])
    benchlib.profile(order, application, count=count)


def _load(targets, server, args, clients: int) -> dict:
    runs = benchlib.measure(
        targets, server=server, seconds=args.seconds, clients=clients, rounds=args.rounds
    )
    return benchlib.report(
        targets,
        runs,
        clients=clients,
        workers=args.workers,
        seconds=args.seconds,
        rounds=args.rounds,
        redis=bool(os.environ.get("REDIS_URL")),
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((benchlib.HOST, 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--small-persons", type=int, default=5_000, help="the small data set")
    for name in ("f0", "homecare", "reports", "doses", "lab-results"):
        parser.add_argument(f"--{name}", type=int, default=None, help="default: per person")
    parser.add_argument("--venues", type=int, default=100)
    parser.add_argument("--checkins", type=int, default=0)
    parser.add_argument("--health", type=int, default=0, help="health declarations")
    parser.add_argument("--entries", type=int, default=0, help="entry declarations")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--seconds", type=float, default=4, help="length of one timed run")
    parser.add_argument("--clients", type=int, default=16, help="connections of the 2nd load")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs; best counts")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="instead of the load: N requests of each page in this process, then a cProfile "
        "of the slowest",
    )
    parser.add_argument("--port", type=int, default=0, help="gunicorn's (default: a free one)")
    args = parser.parse_args()
    # benchlib's fixed port may be taken by another benchmark running on the machine.
    benchlib.PORT = args.port or _free_port()
    if not os.environ.get("REDIS_URL"):
        print("Staff lists benchmark skipped: it needs REDIS_URL.")
        return

    temporary = Path(tempfile.mkdtemp(prefix="bench-lists-"))
    env = {**os.environ, **benchlib.production_env(temporary)}
    env["SIGNING_CSCA_DIR"] = str(temporary / "csca")
    os.environ.update(env)
    import django

    django.setup()
    from bench_api_verify import _keys
    from django.test.utils import teardown_databases

    _keys(Path(env["SIGNING_KEYS_DIR"]), Path(env["SIGNING_CSCA_DIR"]))
    benchlib.collect_static()
    small = _small_counts(args)
    if small is None:
        print("Staff lists benchmark skipped: it needs DATABASE_URL (PostgreSQL).")
        return
    old_config = benchlib.setup_database("bench_lists")
    server = None
    try:
        took = _generate(args, args.persons)
        print(f"Full data: {args.persons:,} persons (by COPY in {took:.0f} s).")
        pages = _pages()
        full = _count(pages)
        _print_counts(pages, full, slowest=True)
        if args.profile:
            _profile(pages, args.profile)
            return
        targets = _targets(pages)
        server = benchlib.start_gunicorn("bench_staff_lists", env, args.workers)
        one = _load(targets, server, args, 1)
        many = _load(targets, server, args, args.clients)
        _record(pages, small, full, one, many)
    finally:
        if server is not None and server.poll() is None:
            benchlib.stop_gunicorn(server, script=SCRIPT)
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
