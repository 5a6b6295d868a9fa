#!/usr/bin/env python
"""Benchmark (not a test): a signed-in citizen's F0 declaration sent with its two photos,
through gunicorn, against the bare view in the same run (scripts/benchlib.py). Target
(issue 14): p95 ≤ 400 ms at 16 connections.

Each request is what the declaration form sends without JavaScript (seed 000: a positive
test declared with the ID photo and the test photo): a signed-in citizen's session
cookie, the CSRF token, the answers with a fresh one-time submission key, and both photos
as a phone camera takes them (12 megapixels, about 3 MB of JPEG each) in one
multipart/form-data body. Each request is another citizen (sessions made beforehand),
sent once. The view decodes and checks both photos (khaibao/uploads/images.py: the size,
format and pixel limits, a full decode, re-encoded at 3000 px, the dHash of four crops),
stores them, reads the ID photo's CCCD QR, looks the test photo up in the reused-photo
index (declarations/f0/checks.py), files the declaration and queues its text for the
Celery worker that runs beside gunicorn, and answers with a redirect to the status page.
The bare view gets the same requests (same cookies, same bodies) and answers "ok".

The photos are a pool (`--photos` test photos, a quarter as many ID photos), made once:
after the first few declarations each test photo is one another citizen declared, so
the reused-photo check flags most of them (recorded for the station, never a refusal).
The worker sends the texts to a local SMS gateway (tests/notify/sms_stub.py) over HTTP.

A submit takes about a second of CPU, so at 16 connections on 2 cores a request waits
for the others for several seconds (latency is mostly queueing): the runs are 30 s by
default, long enough for the queue to reach its steady length, and the submit is also
timed at one connection (the request's own time). A run leaves work behind when it
stops (wrk drops the requests in flight; gunicorn still answers them, those cut off
mid-body with the form page and a "Bad Request" line in the log): before every run
the script waits until gunicorn's workers and the Celery worker are idle (settle()),
and each run gets fresh one-time requests of its own, as many as `--max-rate` submits a
second would use (a 6 MB request each: the requests file of one run is some 700 MB).

    .venv/bin/python scripts/bench_f0_submit.py [--seconds 30] [--clients 16] [--rounds 5]
        [--photos 8] [--max-rate 3] [--alone-seconds 20] [--profile N]

It needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL: the Celery broker), and uses a
throw-away database bench_f0_<name>; the photos are stored in a temporary directory.
"""

import argparse
import io
import math
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402

PROVINCE = "79"  # Thành phố Hồ Chí Minh
TARGET_P95 = 0.400
#: A phone camera's 12 megapixels; the noise makes the JPEG about 3 MB, as a real photo.
PHOTO_SIZE = (4000, 3000)
PHOTO_NOISE, PHOTO_QUALITY = 10, 90
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hoàng", "Gia", "Quốc"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Hà", "Hải", "Hùng", "Lan", "Linh", "Mai", "Nam", "Tâm"]

if os.environ.get("BENCH_WORKER") == "1":
    application = benchlib.wsgi_application(__name__)


# -- settled runs (shared with bench_lab_api.py) -------------------------------------------


def settle(masters, *, idle_cpu=0.02, interval=0.5, most=900.0) -> None:
    """Wait until the children of `masters` (gunicorn's workers, the Celery pool) use no
    CPU: requests a run left in flight (wrk stops, gunicorn still answers them) and the
    texts they queued must not be measured in the next run."""
    deadline = time.monotonic() + most
    before = sum(benchlib._cpu_seconds(master) for master in masters)
    while time.monotonic() < deadline:
        time.sleep(interval)
        now = sum(benchlib._cpu_seconds(master) for master in masters)
        if now - before <= idle_cpu:
            return
        before = now
    raise SystemExit(f"benchmark: the server was still busy after {most:.0f} s")


def forget(target) -> None:
    """Remove a target's requests file, and benchlib's hold on the target (its requests
    are large here, and each run has targets of its own)."""
    entry = benchlib._files.pop(id(target), None)
    if entry is not None:
        entry[1].unlink(missing_ok=True)


def measure_settled(targets_of, *, server, idle, seconds, clients, rounds) -> dict:
    """benchlib.measure() for slow paths: `targets_of()` gives one round's targets (its
    one-time targets with fresh requests), called for a warm-up run and for each of
    `rounds` alternating runs; settle(idle) before each run and after the last."""
    runs = {}
    for number in range(rounds + 1):
        for target in targets_of():
            settle(idle)
            run = benchlib.load(
                target, seconds=seconds if number else 1, clients=clients, master=server.pid
            )
            if number:
                runs.setdefault(target.label, []).append(run)
            if target.once:
                forget(target)
    settle(idle)
    return runs


def sms_gateway(env: dict):
    """A local SMS gateway (tests/notify/sms_stub.py), started, with `env` pointing the
    HTTP backend at it: the Celery worker sends each text over HTTP as in production,
    and quietly (the console backend prints every text)."""
    from tests.notify.sms_stub import SmsGatewayStub

    gateway = SmsGatewayStub().start()
    env.update(SMS_BACKEND="http", SMS_GATEWAY_URL=gateway.url, SMS_GATEWAY_TOKEN=gateway.token)
    return gateway


# -- the photos --------------------------------------------------------------------------


def _jpeg(base, noise) -> bytes:
    from PIL import Image, ImageChops

    image = ImageChops.add(base.resize(PHOTO_SIZE, Image.Resampling.BICUBIC), noise, offset=-128)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=PHOTO_QUALITY)
    return buffer.getvalue()


def _photos(count: int, seed: int) -> tuple[list[bytes], list[bytes]]:
    """`count` test-tray photos and a quarter as many photos of a CCCD (its own QR on
    it), each perceptually different; one camera noise over all of them (the slow part
    to make), which is what makes the files as big as a phone's."""
    from PIL import Image

    from tests.declarations.factories import id_card_image, tray_image

    noise = Image.merge("RGB", [Image.effect_noise(PHOTO_SIZE, PHOTO_NOISE) for _ in range(3)])
    trays = [_jpeg(tray_image(seed * 1000 + n, (1000, 750)), noise) for n in range(count)]
    cards = []
    for number in range(max(1, count // 4)):
        qr = f"0790900{number:05d}||Nguyễn Văn An|17051990|Nam|12 Lê Lợi|01012021"
        desk = Image.new("RGB", (1000, 750), (90 + (10 * number) % 60, 80, 70))
        desk.paste(id_card_image(qr).resize((800, 512)), (100, 119))
        cards.append(_jpeg(desk, noise))
    return trays, cards


# -- citizens and their requests -----------------------------------------------------------


class Citizens:
    """New signed-in citizens, each with a person of their own in a ward of PROVINCE."""

    def __init__(self, seed: int):
        from khaibao.areas.models import Area, AreaLevel

        self.rng = random.Random(seed)
        self.wards = list(
            Area.objects.filter(level=AreaLevel.WARD, parent__code=PROVINCE).order_by("code")
        )
        self.made = 0

    def make(self, count: int) -> list[tuple[object, str, str]]:
        """(person, phone, session key) of `count` new citizens, each signed in."""
        from django.test import Client

        from tests.factories import make_citizen, make_person

        result = []
        for _ in range(count):
            self.made += 1
            phone = f"+8491{self.made:07d}"
            name = " ".join(self.rng.choice(part) for part in (FAMILY, MIDDLE, GIVEN))
            person = make_person(area=self.rng.choice(self.wards), full_name=name, phone=phone)
            client = Client()
            client.force_login(make_citizen(phone=phone, person=person))
            result.append((person, phone, client.cookies["sessionid"].value))
        return result


def _multipart(fields: list[tuple[str, str]], files: list[tuple[str, bytes]], boundary: str):
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields
    ]
    for number, (name, content) in enumerate(files):
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="IMG_2026112{number}_083015.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)


def _declare_path(person) -> str:
    return f"/f0/khai-bao/{person.public_id}/"


def _requests(citizens, photos, rng) -> list[bytes]:
    """One declaration request per citizen: the form as the page posts it, both photos
    chosen in the form, a new one-time key."""
    from django.utils import timezone

    trays, cards = photos
    csrf = secrets.token_hex(16)  # a 32-character secret: the unmasked form is accepted
    today = timezone.localdate().strftime("%d/%m/%Y")
    requests = []
    for person, phone, session in citizens:
        fields = [
            ("csrfmiddlewaretoken", csrf),
            ("submission_key", str(uuid.uuid4())),
            ("test_date", today),
            ("test_type", "rapid"),
            ("test_photo_id", ""),
            ("id_photo_id", ""),
            ("guardian_name", ""),
            ("vaccine_doses", "2"),
            ("last_dose_date", "15/08/2021"),
            ("last_vaccine", "astrazeneca"),
            ("symptoms", "fever"),
            ("symptoms", "cough"),
            ("other_conditions", ""),
            ("province", str(person.area.parent_id)),
            ("ward", str(person.area_id)),
            ("village", ""),
            ("isolation_street", "12 Lê Lợi"),
            ("contact_phone", "0" + phone.removeprefix("+84")),
        ]
        files = [("test_photo", rng.choice(trays)), ("id_photo", rng.choice(cards))]
        boundary = f"----KhaiBaoForm{secrets.token_hex(12)}"
        headers = (
            f"Cookie: sessionid={session}; csrftoken={csrf}",
            f"Origin: http://{benchlib.HOST}",
        )
        requests.append(
            benchlib.http_request(
                _declare_path(person),
                _multipart(fields, files, boundary),
                content_type=f"multipart/form-data; boundary={boundary}",
                headers=headers,
            )
        )
    return requests


def _to_bare(requests: list[bytes]) -> list[bytes]:
    return [
        request.replace(request.split(b" ", 2)[1], benchlib.BARE_PATH.encode(), 1)
        for request in requests
    ]


def _submit_target(requests: list[bytes]):
    return benchlib.Target(
        "submit",
        "POST /f0/khai-bao/<id>/",
        requests,
        b"",  # a redirect has no body (bench_wrk.lua reads only the body): checked after
        statuses=(b"HTTP/1.1 302 Found",),
        once=True,
    )


# -- the figures ---------------------------------------------------------------------------


def _record(best, alone, *, clients: int, seconds: float) -> None:
    run, bare = best["submit"], best["bare"]
    at = (
        f"p95 {run.p95 * 1000:.0f} ms at {clients} connections"
        if run.rate
        else f"no answer within a {seconds:g} s run at {clients} connections"
    )
    benchlib.record(
        script="bench_f0_submit.py",
        path="F0 declaration with two 3 MB photos (POST /f0/khai-bao/<id>/)",
        figure=(
            f"{at} (p50 {run.p50 * 1000:.0f}, p99 {run.p99 * 1000:.0f} ms, {run.rate:.1f}/s; "
            f"bare p95 {bare.p95 * 1000:.0f} ms, {bare.rate:.0f}/s); alone p50 "
            f"{alone.p50 * 1000:.0f}, p95 {alone.p95 * 1000:.0f} ms"
        ),
        target=f"p95 ≤ {TARGET_P95 * 1000:.0f} ms",
        met=bool(run.rate) and run.p95 <= TARGET_P95,
        values={
            "rate": round(run.rate, 2),
            "p50_ms": round(run.p50 * 1000, 1),
            "p95_ms": round(run.p95 * 1000, 1),
            "p99_ms": round(run.p99 * 1000, 1),
            "cpu_us": round(run.cpu_us),
            "bare_rate": round(bare.rate, 1),
            "bare_p95_ms": round(bare.p95 * 1000, 1),
            "alone_rate": round(alone.rate, 2),
            "alone_p50_ms": round(alone.p50 * 1000, 1),
            "alone_p95_ms": round(alone.p95 * 1000, 1),
            "alone_p99_ms": round(alone.p99 * 1000, 1),
        },
    )


def _check_filed(answered: int, *, gateway) -> None:
    """Every answer filed a declaration (the runs' dropped requests may have filed more),
    with its two photos and its text."""
    from declarations.f0.models import F0Declaration
    from khaibao.notify.models import SmsMessage
    from khaibao.uploads.models import Photo

    filed = F0Declaration.objects.count()
    flagged = F0Declaration.objects.filter(reused_photo_of__isnull=False).count()
    photos = Photo.objects.count()
    texts = SmsMessage.objects.filter(purpose="f0_submitted").count()
    print(
        f"{filed:,} declarations filed for {answered:,} timed answers ({flagged:,} flagged by "
        f"the reused-photo check); {photos:,} photos stored; {texts:,} texts queued, "
        f"{len(gateway.deliveries):,} delivered to the gateway."
    )
    if filed < answered:
        raise SystemExit("benchmark: some answers were double submits, not new declarations")


def _parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="length of one timed run")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections")
    parser.add_argument("--rounds", type=int, default=5, help="alternating runs; best counts")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--photos", type=int, default=8, help="distinct test photos")
    parser.add_argument(
        "--max-rate", type=float, default=3, help="submits a second a run's requests allow"
    )
    parser.add_argument("--alone-seconds", type=float, default=20, help="the 1-connection run")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="instead of the load: N submits in this process, then a cProfile",
    )
    return parser


def main() -> None:
    args = _parser().parse_args()
    if not os.environ.get("REDIS_URL"):
        print("F0 submit benchmark skipped: it needs REDIS_URL (the Celery broker).")
        return
    temporary = Path(tempfile.mkdtemp(prefix="bench-f0-"))
    env = {**os.environ, **benchlib.production_env(temporary)}
    env["PRIVATE_MEDIA_ROOT"] = str(temporary / "private-media")
    gateway = sms_gateway(env)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import teardown_databases

    old_config = benchlib.setup_database("bench_f0")
    if old_config is None:
        print("F0 submit benchmark skipped: it needs DATABASE_URL (PostgreSQL).")
        gateway.stop()
        return
    server = worker = bare = None
    try:
        call_command("load_areas", verbosity=0)
        # A request cut off when a run stops is answered with the form page again.
        benchlib.collect_static()
        started = time.perf_counter()
        photos = _photos(args.photos, args.seed)
        sizes = [len(photo) / 1e6 for photo in photos[0] + photos[1]]
        print(
            f"{len(photos[0])} test photos and {len(photos[1])} ID photos of "
            f"{PHOTO_SIZE[0]} × {PHOTO_SIZE[1]} px, {min(sizes):.2f}–{max(sizes):.2f} MB "
            f"({time.perf_counter() - started:.0f} s); each request a new signed-in citizen."
        )
        citizens, rng = Citizens(args.seed), random.Random(args.seed + 1)
        bare = benchlib.Target(
            "bare",
            benchlib.BARE_PATH,
            _to_bare(_requests(citizens.make(args.clients), photos, rng)),
            b"ok",
        )
        if args.profile:
            count = min(args.profile, 50) + 2 * args.profile  # warm-up, timing, profile
            submit = _submit_target(_requests(citizens.make(count), photos, rng))
            application = benchlib.wsgi_application(__name__)
            benchlib.profile([bare, submit], application, count=args.profile)
            return

        def submit_target(connections: int, seconds: float):
            count = connections + math.ceil(seconds * args.max_rate)
            return _submit_target(_requests(citizens.make(count), photos, rng))

        server = benchlib.start_gunicorn("bench_f0_submit", env, args.workers)
        worker = benchlib.start_celery(env)
        idle = (server.pid, worker.pid)
        runs = measure_settled(
            lambda: [bare, submit_target(args.clients, args.seconds)],
            server=server,
            idle=idle,
            seconds=args.seconds,
            clients=args.clients,
            rounds=args.rounds,
        )
        best = benchlib.report(
            [bare, _submit_target([])],
            runs,
            clients=args.clients,
            workers=args.workers,
            seconds=args.seconds,
            rounds=args.rounds,
            redis=True,
        )
        wait = args.clients / best["submit"].rate if best["submit"].rate else math.inf
        print(
            f"At {args.clients} connections an answer waits {wait:.0f} s on "
            f"average (Little's law: connections / rate); a run of {args.seconds:g} s times "
            "only the answers that came within it."
        )
        alone_target = submit_target(1, args.alone_seconds)
        alone = benchlib.load(
            alone_target, seconds=args.alone_seconds, clients=1, master=server.pid
        )
        forget(alone_target)
        settle(idle)
        print(
            f"alone (1 connection, {args.alone_seconds:g} s): p50 {alone.p50 * 1000:.0f}, p95 "
            f"{alone.p95 * 1000:.0f}, p99 {alone.p99 * 1000:.0f} ms, {alone.rate:.2f}/s"
        )
        _record(best, alone, clients=args.clients, seconds=args.seconds)
        answered = round(sum(run.rate * args.seconds for run in runs["submit"]))
        failed = sum(run.failed for run in [*runs["submit"], alone])
        print(f"{failed} timed submits failed (an error, or wrk's 30 s timeout).")
        _check_filed(answered + round(alone.rate * args.alone_seconds), gateway=gateway)
    finally:
        if worker is not None:
            benchlib.stop_celery(worker)
        if server is not None:
            benchlib.stop_gunicorn(server, script="bench_f0_submit.py")
        if bare is not None:
            forget(bare)
        gateway.stop()
        teardown_databases(old_config, verbosity=0)
        shutil.rmtree(temporary, ignore_errors=True)


if __name__ == "__main__":
    main()
