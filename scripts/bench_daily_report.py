#!/usr/bin/env python
"""Benchmark (not a test): a daily health report submitted against a bare Django view,
through gunicorn (how the comparison is made: scripts/benchlib.py). Target: ≥ 0.4 × the
bare view (DESIGN.md §7).

Each request is what a patient's phone sends: a signed-in citizen's session cookie, the
CSRF token, and a normal report with a fresh one-time key, for one of many patients in
turn. The report is validated, judged by the home-care rule in force, saved, and
answered with a redirect; the bare view gets the same request with the same cookies
(so it pays for the session and the user as well) and answers "ok".

    .venv/bin/python scripts/bench_daily_report.py [--seconds 4] [--clients 16] [--rounds 5]

It needs PostgreSQL (DATABASE_URL) and uses a throw-away database bench_report_<name>.
"""

import argparse
import datetime
import os
import secrets
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402

PATIENTS = 200
REQUESTS = 20_000

if os.environ.get("BENCH_WORKER") == "1":
    application = benchlib.wsgi_application(__name__)


def _patients() -> list[tuple[int, str]]:
    """(patient id, session key) of PATIENTS patients in care, each signed in."""
    from django.test import Client
    from django.utils import timezone

    from declarations.homecare.models import CareSource
    from declarations.homecare.services import homecare_enrol
    from khaibao.areas.models import AreaLevel
    from tests.factories import make_area, make_citizen, make_person

    province = make_area(code="79", name="TP HCM", level=AreaLevel.PROVINCE, division_type="tp")
    ward = make_area(code="26734", name="Phường Sài Gòn", level=AreaLevel.WARD, parent=province)
    result = []
    for number in range(PATIENTS):
        phone = f"+8491{number:07d}"
        person = make_person(area=ward, full_name=f"Người Bệnh {number}", phone=phone)
        account = make_citizen(phone=phone, person=person)
        patient = homecare_enrol(
            person=person,
            source=CareSource.STATION,
            area=ward,
            street="1 Lê Lợi",
            phone=phone,
            onset_date=timezone.localdate() - datetime.timedelta(days=2),
            by=None,
            notify=False,
        )
        client = Client()
        client.force_login(account)
        result.append((patient.pk, client.cookies["sessionid"].value))
    return result


def _requests(patients) -> tuple[list[bytes], list[bytes]]:
    from django.utils import timezone

    measured = timezone.localtime() - datetime.timedelta(minutes=10)
    csrf = secrets.token_hex(16)  # a 32-character secret: the unmasked form is accepted
    reports, bare = [], []
    for index in range(REQUESTS):
        pk, session = patients[index % len(patients)]
        body = urlencode(
            {
                "csrfmiddlewaretoken": csrf,
                "submission_key": str(uuid.uuid4()),
                "temperature": "37,2",
                "spo2": "98",
                "pulse": "82",
                "breathing_rate": "16",
                "chest_pain": "no",
                "measured_date": measured.strftime("%d/%m/%Y"),
                "measured_time": measured.strftime("%H:%M"),
                "note": "",
            }
        ).encode()
        headers = (
            f"Cookie: sessionid={session}; csrftoken={csrf}",
            f"Origin: http://{benchlib.HOST}",
        )
        form = "application/x-www-form-urlencoded"
        reports.append(
            benchlib.http_request(
                f"/cham-soc/{pk}/bao-cao/", body, content_type=form, headers=headers
            )
        )
        bare.append(
            benchlib.http_request(benchlib.BARE_PATH, body, content_type=form, headers=headers)
        )
    return reports, bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4, help="length of one timed run")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections")
    parser.add_argument("--rounds", type=int, default=5, help="alternating runs; best counts")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    args = parser.parse_args()

    env = {**os.environ, **benchlib.production_env(Path(tempfile.mkdtemp(prefix="bench-")))}
    os.environ.update(env)
    import django

    django.setup()
    from django.test.utils import teardown_databases

    old_config = benchlib.setup_database("bench_report")
    if old_config is None:
        print("Daily-report benchmark skipped: it needs DATABASE_URL (PostgreSQL).")
        return
    reports, bare = _requests(_patients())
    targets = [
        benchlib.Target("bare", benchlib.BARE_PATH, bare, b"ok"),
        benchlib.Target(
            "report",
            "/cham-soc/<pk>/bao-cao/",
            reports,
            b"Location: /cham-soc/",
            statuses=(b"HTTP/1.1 302 Found",),
            once=True,
        ),
    ]
    server = benchlib.start_gunicorn("bench_daily_report", env, args.workers)
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
            script="bench_daily_report.py",
            path="daily-report submit",
            best=best,
            label="report",
            ratio_target=0.4,
        )
        from declarations.homecare.models import DailyReport

        answered = round(sum(run.rate * args.seconds for run in runs["report"]))
        filed = DailyReport.objects.count()  # the warm-up run's reports as well
        print(f"{filed} reports filed for {answered} timed answers: each request filed one.")
        if filed < answered:
            raise SystemExit("benchmark: some answers were double submits, not new reports")
    finally:
        benchlib.stop_gunicorn(server, script="bench_daily_report.py")
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
