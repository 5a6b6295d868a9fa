"""What the gunicorn benchmarks share: a throw-away PostgreSQL database, gunicorn with
the portal's URLs plus a bare view, the load, and the numbers (requests per second,
p50/p95/p99 latency, server CPU per request).

The load is wrk (Debian's package), driven by scripts/bench_wrk.lua: each thread sends
its share of raw HTTP/1.1 requests prepared here (signed-in cookies, CSRF tokens, form
bodies), in turn, and checks each answer's status and text. wrk is C and event-driven:
on a 2-core machine where clients and server share the cores, its load costs far less
CPU than Python clients would, so the server's figures are the server's.

DESIGN.md §7 compares an endpoint with "a bare Django view in the same run": both go
through the same gunicorn (sync workers, 2 × cores + 1 as in deploy/gunicorn.conf.py),
settings and middleware; the bare view is mounted after the portal's URLs, so both are
found by walking the same list. The clients run on the same machine, so runs alternate
between the paths and the best run of each counts.
"""

import json
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


def _cpu_seconds(master: int) -> float:
    """User + system CPU time of gunicorn's workers (the children of `master`)."""
    total = 0
    for entry in _workers(master):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
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


WRK_SCRIPT = ROOT / "scripts" / "bench_wrk.lua"
WRK_THREADS = 2


_files: dict[int, tuple[Target, Path]] = {}


def _requests_file(target: Target) -> Path:
    """`target`'s requests, length-prefixed, for scripts/bench_wrk.lua (written once)."""
    if id(target) not in _files:
        folder = ROOT / "var" / "bench" / "requests"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{os.getpid()}-{len(_files)}-{target.label}.http"
        with path.open("wb") as file:
            for request in target.requests:
                file.write(b"%d\n" % len(request) + request)
        _files[id(target)] = (target, path)
    return _files[id(target)][1]


def load(
    target: Target, *, seconds: float, clients: int, master: int, positions: dict | None = None
) -> Run:
    """One timed run of `target`: wrk with `clients` connections on WRK_THREADS threads,
    each thread sending its share of the requests in turn. `positions` (thread → next
    request) carries on from the run before."""
    positions = {} if positions is None else positions
    threads = min(WRK_THREADS, clients)  # wrk needs a connection per thread at least
    statuses = ",".join(status.split()[1].decode() for status in target.statuses)
    first = ",".join(str(positions.get(thread, 0)) for thread in range(threads))
    cpu_before = _cpu_seconds(master)
    answer = subprocess.run(
        [
            "wrk",
            f"--threads={threads}",
            f"--connections={clients}",
            f"--duration={max(1, round(seconds))}s",
            "--timeout=30s",
            f"--script={WRK_SCRIPT}",
            f"http://{HOST}:{PORT}/",  # where to connect: the requests are the files
            "--",
            str(_requests_file(target)),
            str(threads),
            target.expect.decode(),
            statuses,
            "1" if target.once else "0",
            first,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    cpu = _cpu_seconds(master) - cpu_before
    result = json.loads(answer.stdout.strip().splitlines()[-1])
    if result["exhausted"]:
        raise SystemExit(f"benchmark: {target.path} ran out of one-time requests; make more")
    positions.update(enumerate(result["positions"]))
    done, failed = result["ok"], result["bad"] + result["socket_errors"]
    return Run(
        done / (result["duration_us"] / 1e6),
        result["p50_us"] / 1e6,
        result["p95_us"] / 1e6,
        result["p99_us"] / 1e6,
        failed,
        cpu / max(done + failed, 1) * 1e6,
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
        # Collected (hashed names) by the benchmarks that render pages: collect_static().
        "STATIC_ROOT": str(temporary / "static"),
        # Nothing is sent in a request (texts are queued); the worker is not running.
        "SMS_BACKEND": "console",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "khaibao.settings",
    }


def collect_static() -> None:
    """Collect the static files into STATIC_ROOT, as a deployment does: production pages
    name the hashed copies (the manifest)."""
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


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


def start_celery(env: dict) -> subprocess.Popen:
    """A Celery worker for the paths that enqueue (texts), on the benchmark's database
    and Redis, with one process: it shares the cores with gunicorn, as in production."""
    from django.db import connection

    worker = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            *("-A", "khaibao", "worker", "--loglevel", "warning", "--concurrency", "1"),
            *("--queues", "default,sms", "--without-gossip", "--without-mingle"),
        ],
        env={**env, "DATABASE_URL": database_url(connection.settings_dict["NAME"])},
        cwd=ROOT,
        start_new_session=True,
    )
    time.sleep(3)  # let it connect to the broker before the load starts
    if worker.poll() is not None:
        raise SystemExit("the Celery worker stopped while starting")
    return worker


def stop_celery(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


def _workers(master: int) -> list[Path]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                    found.append(entry)
            except OSError:
                continue
    return found


def worker_rss_mb(server: subprocess.Popen) -> float:
    """The largest resident set of gunicorn's workers, in MB (VmRSS)."""
    sizes = [0.0]
    for entry in _workers(server.pid):
        try:
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return max(sizes)


#: DESIGN §7 / issue 14: a web worker stays under this, resident, after a benchmark run.
WORKER_RSS_TARGET_MB = 150


def stop_gunicorn(server: subprocess.Popen, *, script: str = "") -> None:
    """Stop gunicorn; with `script`, first record its workers' resident size."""
    if script and server.poll() is None:
        rss = worker_rss_mb(server)
        record(
            script=script,
            path=f"web worker after {script}",
            figure=f"{rss:.0f} MB resident (largest worker)",
            target=f"≤ {WORKER_RSS_TARGET_MB} MB",
            met=rss <= WORKER_RSS_TARGET_MB,
            values={"rss_mb": round(rss, 1)},
        )
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def record(
    *, script: str, path: str, figure: str, target: str, met: bool, values: dict | None = None
) -> None:
    """One line of `make bench`'s table (scripts/bench.py collects them from the file
    BENCH_RESULTS names; run alone, a script only prints): what was measured, the figure
    as said, the target, whether it is met, and the numbers behind it."""
    row = {
        "script": script,
        "path": path,
        "figure": figure,
        "target": target,
        "met": bool(met),
        "values": values or {},
    }
    print(f"{path}: {figure} (target {target}){'' if met else ' MISS'}")
    results = os.environ.get("BENCH_RESULTS")
    if results:
        with open(results, "a", encoding="utf-8") as file:
            file.write(json.dumps(row, ensure_ascii=False) + "\n")


def ratio_record(
    *, script: str, path: str, best: dict, label: str, ratio_target: float, p99_target=None
) -> None:
    """record() for a path measured against the bare view in the same run."""
    run, bare = best[label], best["bare"]
    ratio = run.rate / bare.rate if bare.rate else 0.0
    met = ratio >= ratio_target and (p99_target is None or run.p99 <= p99_target)
    target = f"≥ {ratio_target:g}× bare" + (
        f", p99 ≤ {p99_target * 1000:.0f} ms" if p99_target is not None else ""
    )
    record(
        script=script,
        path=path,
        figure=(
            f"{ratio:.2f}× bare ({run.rate:,.0f} against {bare.rate:,.0f} requests/s); p50 "
            f"{run.p50 * 1000:.0f}, p95 {run.p95 * 1000:.0f}, p99 {run.p99 * 1000:.0f} ms"
        ),
        target=target,
        met=met,
        values={
            "ratio": round(ratio, 3),
            "rate": round(run.rate, 1),
            "bare_rate": round(bare.rate, 1),
            "p50_ms": round(run.p50 * 1000, 1),
            "p95_ms": round(run.p95 * 1000, 1),
            "p99_ms": round(run.p99 * 1000, 1),
            "cpu_us": round(run.cpu_us),
        },
    )


def measure(
    targets, *, server, seconds, clients, rounds, positions: dict | None = None
) -> dict[str, list[Run]]:
    """A warm-up run of each target, then `rounds` alternating runs of all of them.
    `positions` (label → thread → next request), when given, is kept up to date, for a
    later run of a one-time target to go on from."""
    positions = {} if positions is None else positions
    for target in targets:
        positions.setdefault(target.label, {})
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


def _environ(raw: bytes) -> dict:
    """The WSGI environ of one of the raw HTTP/1.1 requests the clients send."""
    import io

    head, _, body = raw.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, _ = request_line.split(" ", 2)
    path, _, query = target.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": HOST,
        "SERVER_PORT": str(PORT),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": HOST,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for line in header_lines:
        name, _, value = line.partition(":")
        key = name.strip().upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value.strip()
        else:
            environ[f"HTTP_{key}"] = value.strip()
    return environ


def profile(targets, application, *, count: int, top: int = 30) -> None:
    """Each target's requests sent `count` times to `application` in this process: the
    wall time a request (no profiler), then a cProfile of the last target (cumulative
    time, the `top` heaviest functions). Where a benchmark's time goes, without HTTP."""
    import cProfile
    import pstats

    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)

    def send(target, number):
        status = []
        chunks = application(
            _environ(target.requests[number % len(target.requests)]),
            lambda line, headers, exc_info=None: status.append(line),
        )
        body = b"".join(chunks)
        getattr(chunks, "close", lambda: None)()
        codes = {line.split()[1].decode() for line in target.statuses}
        if status[0].split()[0] not in codes or target.expect not in body:
            raise SystemExit(f"{target.path}: unexpected answer {status[0]}: {body[:300]!r}")

    # Warm-up, timing and profile each take requests of their own (one-time requests).
    warm = min(count, 50)
    for target in targets:
        for number in range(warm):  # warm: templates, connections, caches
            send(target, number)
        started = time.perf_counter()
        for number in range(warm, warm + count):
            send(target, number)
        each = (time.perf_counter() - started) / count * 1000
        print(f"in process: {target.path:28} {each:6.2f} ms a request ({count} requests)")
    profiler = cProfile.Profile()
    profiler.enable()
    for number in range(warm + count, warm + 2 * count):
        send(targets[-1], number)
    profiler.disable()
    profiler.dump_stats(dump := ROOT / "var" / "bench" / "profile.pstats")
    print(f"cProfile of {targets[-1].path} written to {dump.relative_to(ROOT)}")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)
