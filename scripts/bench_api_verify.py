#!/usr/bin/env python
"""Benchmark (not a test): POST /api/verify against a bare Django view, through gunicorn.

DESIGN.md §7 compares an endpoint with "a bare Django view in the same run"; the issue
asks /api/verify for 0.6 × the bare view or more. Both go through the same gunicorn
(sync workers, 2 × cores + 1 as in deploy/gunicorn.conf.py), the portal's settings and
middleware; the bare view gets the same POST requests and only answers "ok", and is
mounted after the portal's URLs, so both are found by walking the same list. /api/verify takes a valid HC1 vaccination
certificate (a different one each request) and does all its work: the per-IP rate-limit
counter (in Redis when REDIS_URL is set), reading the JSON, the verification.

The client processes run on the same machine, so requests per second move with whatever
else it runs; the runs alternate between the two views, the best of each counts, and
the gunicorn workers' own CPU time per request (from /proc) is printed beside it.

    .venv/bin/python scripts/bench_api_verify.py [--seconds 4] [--clients 8] [--rounds 5]

It needs PostgreSQL (DATABASE_URL; the workers share the database) and uses a
throw-away database bench_api_<name> there, and temporary key and CSCA directories.
"""

import argparse
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST, PORT = "127.0.0.1", 8765
BARE_PATH = "/bench/bare"
VERIFY_PATH = "/api/verify"


# --- The application gunicorn serves (this module, imported in each worker) -------------


def _bare(request):
    """The bare view: takes the same request as /api/verify, answers "ok"."""
    from django.http import HttpResponse

    return HttpResponse("ok", content_type="text/plain")


def _wsgi():
    import django
    from django.conf import settings
    from django.urls import include, path

    django.setup()
    global urlpatterns
    # After the portal's URLs: both views are found by walking the same list.
    from django.views.decorators.csrf import csrf_exempt

    urlpatterns = [
        path("", include("khaibao.urls")),
        path(BARE_PATH.lstrip("/"), csrf_exempt(_bare)),
    ]
    settings.ROOT_URLCONF = __name__
    settings.SIGNING_CSCA_DIR = os.environ["BENCH_CSCA_DIR"]
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


if os.environ.get("BENCH_WORKER") == "1":
    application = _wsgi()


# --- The load (client processes) ------------------------------------------------------------


def _request(path: str, body: bytes) -> bytes:
    if not body:
        return f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _client(path, bodies, seconds, expect, results):
    requests = [_request(path, body) for body in bodies] or [_request(path, b"")]
    done, failed, latencies = 0, 0, []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        request = requests[done % len(requests)]
        start = time.perf_counter()
        with socket.create_connection((HOST, PORT)) as connection:
            connection.sendall(request)
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        answer = b"".join(chunks)
        latencies.append(time.perf_counter() - start)
        if answer.startswith(b"HTTP/1.1 200") and expect in answer:
            done += 1
        else:
            failed += 1
    results.put((done, failed, latencies))


def _cpu_seconds(master: int) -> float:
    """User + system CPU time of gunicorn's workers (the children of `master`)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _load(path, bodies, *, seconds, clients, expect, master) -> tuple[float, float, int, float]:
    """(requests per second, p99 latency, failed requests, server CPU µs per request)."""
    results = multiprocessing.Queue()
    cpu_before = _cpu_seconds(master)
    share = max(1, len(bodies) // clients)
    processes = [
        multiprocessing.Process(
            target=_client,
            args=(path, bodies[i * share : (i + 1) * share], seconds, expect, results),
        )
        for i in range(clients)
    ]
    for process in processes:
        process.start()
    totals = [results.get() for _ in processes]
    for process in processes:
        process.join()
    cpu = _cpu_seconds(master) - cpu_before
    done = sum(t[0] for t in totals)
    failed = sum(t[1] for t in totals)
    latencies = sorted(latency for t in totals for latency in t[2])
    p99 = latencies[int(len(latencies) * 0.99)] if latencies else float("nan")
    return done / seconds, p99, failed, cpu / max(done + failed, 1) * 1e6


# --- Setting up -----------------------------------------------------------------------------


def _database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def _codes(count: int) -> list[bytes]:
    import datetime
    import json

    from khaibao.trust.hcert import uvci_new
    from khaibao.trust.services import qr_issue_hc1
    from tests.trust.conftest import vaccination_hcert

    year = datetime.timedelta(days=365)
    return [
        json.dumps(
            {"qr": qr_issue_hc1(hcert=vaccination_hcert(), cert_id=uvci_new(), valid_for=year).text}
        ).encode()
        for _ in range(count)
    ]


def _report(args, env, runs) -> None:
    print(
        f"gunicorn: {args.workers} sync workers on {os.cpu_count()} cores; "
        f"{args.clients} client processes on the same machine; {args.rounds} alternating "
        f"runs of {args.seconds:g} s; cache: {'Redis' if env.get('REDIS_URL') else 'local memory'}."
    )
    best = {label: max(results) for label, results in runs.items()}
    cpu = {label: statistics.median(r[3] for r in results) for label, results in runs.items()}
    for label, path in (("bare", BARE_PATH), ("verify", VERIFY_PATH)):
        rate, p99, failed, _ = best[label]
        print(
            f"{path:14} {rate:8,.0f} requests/s (best run)  p99 {p99 * 1000:6.1f} ms  "
            f"server CPU {cpu[label]:6.0f} µs a request (median)"
            f"{f'  {failed} failed' if failed else ''}"
        )
    print(
        f"/api/verify = {best['verify'][0] / best['bare'][0]:.2f} × the bare view in requests "
        f"per second (target ≥ 0.60); {cpu['bare'] / cpu['verify']:.2f} × in server CPU per "
        "request."
    )


def _wait_for_server(process) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped while starting")
        try:
            socket.create_connection((HOST, PORT), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4, help="length of one timed run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client processes")
    parser.add_argument("--rounds", type=int, default=5, help="alternating runs; best counts")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    args = parser.parse_args()

    temporary = Path(tempfile.mkdtemp(prefix="bench-api-"))
    env = dict(os.environ)
    env.update(
        DEBUG="1",
        SMS_BACKEND="locmem",
        DJANGO_SETTINGS_MODULE="khaibao.settings",
        SIGNING_KEYS_DIR=str(temporary / "keys"),
        BENCH_CSCA_DIR=str(temporary / "csca"),
        VERIFY_MAX_PER_IP_PER_MINUTE="1000000000",
        LOG_LEVEL="WARNING",
    )
    os.environ.update(env)
    import django
    from django.conf import settings

    django.setup()
    settings.SIGNING_CSCA_DIR = env["BENCH_CSCA_DIR"]
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    if connection.vendor == "sqlite":
        # gunicorn's workers cannot share an in-memory test database.
        print("/api/verify benchmark skipped: it needs DATABASE_URL (PostgreSQL).")
        return
    # Not test_<name>: a test run on the same server may be using that one.
    connection.settings_dict["TEST"]["NAME"] = f"bench_api_{connection.settings_dict['NAME']}"
    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    env["DATABASE_URL"] = _database_url(connection.settings_dict["NAME"])
    bodies = _codes(2000)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--bind",
            f"{HOST}:{PORT}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
            "--pythonpath",
            f"{ROOT},{ROOT / 'scripts'}",
            "bench_api_verify:application",
        ],
        env={**env, "BENCH_WORKER": "1"},
        start_new_session=True,
    )
    try:
        _wait_for_server(server)
        runs = {"bare": [], "verify": []}
        targets = (
            ("bare", BARE_PATH, bodies, b"ok"),
            ("verify", VERIFY_PATH, bodies, b'"status": "valid"'),
        )
        for _label, path, payload, expect in targets:  # warm-up
            _load(path, payload, seconds=1, clients=args.clients, expect=expect, master=server.pid)
        # Alternating runs, so that load from elsewhere on the machine hits both alike.
        for _ in range(args.rounds):
            for label, path, payload, expect in targets:
                runs[label].append(
                    _load(
                        path,
                        payload,
                        seconds=args.seconds,
                        clients=args.clients,
                        expect=expect,
                        master=server.pid,
                    )
                )
        _report(args, env, runs)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
