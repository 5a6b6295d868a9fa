#!/usr/bin/env python
"""Benchmark (not a test): POST /api/verify against a bare Django view, through gunicorn.

The issue asks /api/verify for 0.6 × the bare view or more (how the comparison is made:
scripts/benchlib.py; production settings except HTTPS). /api/verify takes a valid HC1
vaccination certificate (a different one each request) and does all its work: the per-IP
rate-limit counter (in Redis when REDIS_URL is set), reading the JSON, the verification.

    .venv/bin/python scripts/bench_api_verify.py [--seconds 4] [--clients 16] [--rounds 5]

It needs PostgreSQL (DATABASE_URL; the workers share the database) and uses a
throw-away database bench_api_<name> there, and temporary key and CSCA directories.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402

VERIFY_PATH = "/api/verify"

if os.environ.get("BENCH_WORKER") == "1":
    application = benchlib.wsgi_application(__name__)


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


def _keys(keys_dir: Path, csca_dir: Path) -> None:
    """A signing key and its certificate from a throw-away CSCA, as an operator makes
    them (`manage.py trust_csca_create`, `trust_dsc_issue`) before production starts."""
    import datetime

    from khaibao.trust.certificates import ALL_USAGES, csca_create
    from khaibao.trust.keys import certificates_issue_missing, generate_key, keyring_reset

    generate_key(keys_dir)
    csca_create(csca_dir, country="VN", common_name="KhaiBao CSCA (benchmark)")
    certificates_issue_missing(
        keys_dir,
        csca_dir,
        days=730,
        usages=ALL_USAGES,
        moment=datetime.datetime.now(tz=datetime.UTC),
    )
    keyring_reset()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4, help="length of one timed run")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections")
    parser.add_argument("--rounds", type=int, default=5, help="alternating runs; best counts")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    args = parser.parse_args()

    temporary = Path(tempfile.mkdtemp(prefix="bench-api-"))
    env = {**os.environ, **benchlib.production_env(temporary)}
    env.update(
        SIGNING_CSCA_DIR=str(temporary / "csca"),
        VERIFY_MAX_PER_IP_PER_MINUTE="1000000000",
    )
    os.environ.update(env)
    import django

    django.setup()
    _keys(Path(env["SIGNING_KEYS_DIR"]), Path(env["SIGNING_CSCA_DIR"]))
    from django.test.utils import teardown_databases

    old_config = benchlib.setup_database("bench_api")
    if old_config is None:
        print("/api/verify benchmark skipped: it needs DATABASE_URL (PostgreSQL).")
        return
    json_type = "application/json"
    bodies = [
        benchlib.http_request(path, body, content_type=json_type)
        for path, body in ((VERIFY_PATH, code) for code in _codes(2000))
    ]
    bare = [
        request.replace(VERIFY_PATH.encode(), benchlib.BARE_PATH.encode(), 1) for request in bodies
    ]
    targets = [
        benchlib.Target("bare", benchlib.BARE_PATH, bare, b"ok"),
        benchlib.Target("verify", VERIFY_PATH, bodies, b'"status": "valid"'),
    ]
    server = benchlib.start_gunicorn("bench_api_verify", env, args.workers)
    try:
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
        benchlib.ratio_record(
            script="bench_api_verify.py",
            path="POST /api/verify",
            best=best,
            label="verify",
            ratio_target=0.6,
        )
    finally:
        benchlib.stop_gunicorn(server, script="bench_api_verify.py")
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
