"""What the gunicorn benchmarks share: a throw-away PostgreSQL database, gunicorn with
the portal's URLs plus a bare view, client processes sending raw HTTP/1.1 requests,
and the numbers (requests per second, p50/p95/p99 latency, server CPU per request).

DESIGN.md §7 compares an endpoint with "a bare Django view in the same run": both go
through the same gunicorn (sync workers, 2 × cores + 1 as in deploy/gunicorn.conf.py),
settings and middleware; the bare view is mounted after the portal's URLs, so both are
found by walking the same list. The clients run on the same machine, so runs alternate
between the paths and the best run of each counts.
"""

import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
HOST, PORT = "127.0.0.1", 8765
BARE_PATH = "/bench/bare"


def bare(request):
    """The bare view: takes the same request as the measured path, answers "ok"."""
    from django.http import HttpResponse

    return HttpResponse("ok", content_type="text/plain")


def wsgi_application(module_name: str):
    """The portal's URLs plus the bare view, as the WSGI app of `module_name`."""
    import django
    from django.conf import settings
    from django.urls import include, path
    from django.views.decorators.csrf import csrf_exempt

    django.setup()
    module = sys.modules[module_name]
    module.urlpatterns = [
        path("", include("khaibao.urls")),
        path(BARE_PATH.lstrip("/"), csrf_exempt(bare)),
    ]
    settings.ROOT_URLCONF = module_name
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def http_request(path: str, body: bytes = b"", *, content_type="", headers=()) -> bytes:
    method = "POST" if body else "GET"
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", "Connection: close", *headers]
    if body:
        lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _client(number, requests, first, once, seconds, expect, results):
    done, failed, latencies, exhausted = 0, 0, [], False
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        index = first + done + failed
        if once and index >= len(requests):
            exhausted = True
            break
        request = requests[index % len(requests)]
        start = time.perf_counter()
        with socket.create_connection((HOST, PORT)) as connection:
            connection.sendall(request)
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        answer = b"".join(chunks)
        latencies.append(time.perf_counter() - start)
        if answer.split(b"\r\n", 1)[0] in expect[0] and expect[1] in answer:
            done += 1
        else:
            failed += 1
    results.put((done, failed, latencies, number, first + done + failed, exhausted))


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


@dataclass(frozen=True)
class Run:
    rate: float
    p50: float
    p95: float
    p99: float
    failed: int
    cpu_us: float


@dataclass(frozen=True)
class Target:
    """A path under load: each client process gets its own share of `requests`, sent in
    turn; an answer counts when its status line is one of `statuses` and it contains
    `expect`. A `once` target's requests carry one-time keys (a form's submission key):
    each is sent once, every run going on where the last one stopped, so that no run
    measures double submits."""

    label: str
    path: str
    requests: list[bytes]
    expect: bytes
    statuses: tuple[bytes, ...] = (b"HTTP/1.1 200 OK",)
    once: bool = False


def load(
    target: Target, *, seconds: float, clients: int, master: int, positions: dict | None = None
) -> Run:
    """One timed run of `target`. `positions` (client number → next request) carries on
    from the run before."""
    positions = {} if positions is None else positions
    results = multiprocessing.Queue()
    cpu_before = _cpu_seconds(master)
    share = max(1, len(target.requests) // clients)
    processes = [
        multiprocessing.Process(
            target=_client,
            args=(
                i,
                target.requests[i * share : (i + 1) * share] or target.requests,
                positions.get(i, 0),
                target.once,
                seconds,
                (target.statuses, target.expect),
                results,
            ),
        )
        for i in range(clients)
    ]
    for process in processes:
        process.start()
    # A client that crashed never answers: give up rather than wait for ever.
    totals = [results.get(timeout=seconds + 120) for _ in processes]
    for process in processes:
        process.join()
    if any(t[5] for t in totals):
        raise SystemExit(f"benchmark: {target.path} ran out of one-time requests; make more")
    positions.update({t[3]: t[4] for t in totals})
    cpu = _cpu_seconds(master) - cpu_before
    done = sum(t[0] for t in totals)
    failed = sum(t[1] for t in totals)
    latencies = sorted(latency for t in totals for latency in t[2])

    def pct(q):
        return latencies[min(int(len(latencies) * q), len(latencies) - 1)] if latencies else 0.0

    return Run(
        done / seconds, pct(0.5), pct(0.95), pct(0.99), failed, cpu / max(done + failed, 1) * 1e6
    )


def production_env(temporary: Path) -> dict[str, str]:
    """The production settings (DEBUG off: no query log, cached templates, secure
    defaults) except HTTPS, which nginx terminates in production: plain HTTP here."""
    import secrets

    keys = temporary / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0",
        "KHAIBAO_PUBLIC_URL": f"http://{HOST}:{PORT}",
        "SIGNING_KEYS_DIR": str(keys),
        # Nothing is sent in a request (texts are queued); the worker is not running.
        "SMS_BACKEND": "console",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "khaibao.settings",
    }


def database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def setup_database(prefix: str):
    """A throw-away database `<prefix>_<name>` with the migrations applied; returns the
    teardown handle, or None on SQLite (gunicorn workers cannot share it)."""
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment

    if connection.vendor == "sqlite":
        return None
    # Not test_<name>: a test run on the same server may be using that one.
    connection.settings_dict["TEST"]["NAME"] = f"{prefix}_{connection.settings_dict['NAME']}"
    setup_test_environment()
    return setup_databases(verbosity=0, interactive=False)


def start_gunicorn(module: str, env: dict, workers: int) -> subprocess.Popen:
    from django.db import connection

    env = {
        **env,
        "BENCH_WORKER": "1",
        "DATABASE_URL": database_url(connection.settings_dict["NAME"]),
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            *("--bind", f"{HOST}:{PORT}", "--workers", str(workers), "--worker-class", "sync"),
            *("--log-level", "warning", "--chdir", str(ROOT)),
            *("--pythonpath", f"{ROOT},{ROOT / 'scripts'}", f"{module}:application"),
        ],
        env=env,
        start_new_session=True,
    )
    for _ in range(200):
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped while starting")
        try:
            socket.create_connection((HOST, PORT), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def stop_gunicorn(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def measure(targets, *, server, seconds, clients, rounds) -> dict[str, list[Run]]:
    """A warm-up run of each target, then `rounds` alternating runs of all of them."""
    positions = {target.label: {} for target in targets}
    for target in targets:
        load(
            target, seconds=1, clients=clients, master=server.pid, positions=positions[target.label]
        )
    runs = {target.label: [] for target in targets}
    for _ in range(rounds):
        for target in targets:
            runs[target.label].append(
                load(
                    target,
                    seconds=seconds,
                    clients=clients,
                    master=server.pid,
                    positions=positions[target.label],
                )
            )
    return runs


def report(targets, runs, *, clients, workers, seconds, rounds, redis: bool) -> dict[str, Run]:
    print(
        f"gunicorn: {workers} sync workers on {os.cpu_count()} cores; {clients} client "
        f"processes on the same machine; {rounds} alternating runs of {seconds:g} s; "
        f"cache: {'Redis' if redis else 'local memory'}."
    )
    best = {label: max(results, key=lambda run: run.rate) for label, results in runs.items()}
    for target in targets:
        run = best[target.label]
        cpu = statistics.median(r.cpu_us for r in runs[target.label])
        print(
            f"{target.path:28} {run.rate:8,.0f} requests/s (best run)  p50 {run.p50 * 1000:5.1f}"
            f"  p95 {run.p95 * 1000:5.1f}  p99 {run.p99 * 1000:6.1f} ms  server CPU {cpu:6.0f} µs"
            f" a request (median){f'  {run.failed} failed' if run.failed else ''}"
        )
    return best
