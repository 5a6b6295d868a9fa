"""The portal behind the shipped nginx site and gunicorn settings, as an operator runs it.

Debian's nginx serves deploy/nginx/khaibao.conf over TLS on a loopback port, in front of
gunicorn started with deploy/gunicorn.conf.py in production mode (DEBUG=0, collected
static files, TRUSTED_PROXIES=127.0.0.1) on the test database. Clients connect from
127.0.0.2 and 127.0.0.3, so the portal sees two different addresses only if it reads
them through nginx correctly. gunicorn gets a Redis of its own (cache, rate-limit
counters, Celery broker), emptied before each test.
"""

import http.client
import os
import re
import secrets
import ssl
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client
from django.urls import reverse

from khaibao.accounts.models import OtpChallenge
from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.notify.models import SmsMessage
from khaibao.uploads.models import Photo, PhotoKind
from tests.conftest import STAFF_PASSWORD, require
from tests.integration.conftest import ThrowawayRedis, free_port, wait_until
from tests.integration.proxy import (
    NGINX,
    ORIGIN,
    REPO,
    SERVER_NAME,
    Browser,
    Gunicorn,
    Nginx,
    multipart,
    render_site,
    self_signed_certificate,
    tls_context,
)
from tests.uploads.images import jpeg_bytes, padded_jpeg

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CLIENT_A = "127.0.0.2"
CLIENT_B = "127.0.0.3"
OTP_MAX_PER_IP = 2
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
LOGIN_URL = "/dang-nhap/"
IP_CAP_MESSAGE = "Có quá nhiều yêu cầu mã từ mạng của bạn"


@dataclass
class Stack:
    nginx: Nginx
    gunicorn: Gunicorn
    redis: ThrowawayRedis
    static_root: Path
    private_media: Path
    certificate: Path

    def browser(self, source_ip: str) -> Browser:
        return Browser(
            port=self.nginx.https_port, source_ip=source_ip, context=tls_context(self.certificate)
        )

    def gunicorn_access_log(self) -> str:
        return self.gunicorn.access_log.read_text(errors="replace")

    def wait_for_access_log(self, pattern: str) -> str:
        """The access log once a line matches `pattern`: a worker writes its line just
        after the response has gone out, so the test may read the log first."""
        return wait_until(
            lambda: re.search(pattern, self.gunicorn_access_log()),
            timeout=10,
            what=f"a gunicorn access log line matching {pattern!r}",
            details=self.gunicorn.logs,
        ).string


def _portal_env(*, database_url: str, redis_url: str, site: Path) -> dict[str, str]:
    """Production settings (DEBUG=0), nothing inherited from the test run's own."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ")
    return {
        **{name: value for name, value in os.environ.items() if name in keep},
        "DJANGO_SETTINGS_MODULE": "khaibao.settings",
        "DEBUG": "0",
        # The test process's key: the sessions it makes (force_login) must be valid there.
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": SERVER_NAME,
        "CSRF_TRUSTED_ORIGINS": ORIGIN,
        "KHAIBAO_PUBLIC_URL": ORIGIN,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SMS_BACKEND": "console",
        "SIGNING_KEYS_DIR": str(settings.SIGNING_KEYS_DIR),
        "KHAIBAO_VAR_DIR": str(site / "var"),
        # Side by side, as /srv/khaibao/staticfiles and a media folder next to it would
        # be: a static alias that let "/static../" through would reach it.
        "STATIC_ROOT": str(site / "staticfiles"),
        "PRIVATE_MEDIA_ROOT": str(site / "private-media"),
        "TRUSTED_PROXIES": "127.0.0.1",
        "UPLOAD_MAX_BYTES": str(UPLOAD_MAX_BYTES),
        "OTP_MAX_PER_IP_PER_HOUR": str(OTP_MAX_PER_IP),
    }


@pytest.fixture(scope="module")
def stack(worker_database_url, tmp_path_factory):
    require(Path(NGINX).exists(), f"Debian's nginx must be installed ({NGINX})")
    root = tmp_path_factory.mktemp("reverse-proxy")
    site, prefix = root / "site", root / "nginx"
    site.mkdir()
    prefix.mkdir()
    redis_server = ThrowawayRedis(root)
    redis_server.start()
    env = _portal_env(database_url=worker_database_url, redis_url=redis_server.url, site=site)
    started = []
    try:
        collected = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert collected.returncode == 0, collected.stdout + collected.stderr
        gunicorn = Gunicorn(port=free_port(), env=env, directory=root)
        started.append(gunicorn)
        certificate, key = self_signed_certificate(root)
        https_port, http_port = free_port(), free_port()
        nginx = Nginx(
            prefix=prefix,
            site=render_site(
                https_port=https_port,
                http_port=http_port,
                upstream=f"127.0.0.1:{gunicorn.port}",
                static_root=site / "staticfiles",
                certificate=certificate,
                certificate_key=key,
            ),
            https_port=https_port,
            http_port=http_port,
        )
        started.append(nginx)
        yield Stack(
            nginx=nginx,
            gunicorn=gunicorn,
            redis=redis_server,
            static_root=site / "staticfiles",
            private_media=site / "private-media",
            certificate=certificate,
        )
    finally:
        for process in reversed(started):
            process.stop()
        redis_server.kill()


@pytest.fixture(autouse=True)
def _fresh_cache(stack):
    """gunicorn's rate-limit counters start at zero in every test, and its cached rules
    are read again from the (flushed, then refilled) test database."""
    client = stack.redis.client()
    client.flushdb()
    client.close()


def _use_production_password(user) -> None:
    # tests.settings hashes with MD5 for speed; the production settings gunicorn runs
    # accept only the real hashers.
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(STAFF_PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])


def _logged_in(browser: Browser, user) -> Browser:
    """Sessions are rows in the shared database: one made here is valid in gunicorn."""
    client = Client()
    client.force_login(user)
    browser.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[
        settings.SESSION_COOKIE_NAME
    ].value
    return browser


@pytest.fixture
def no_captcha(set_rule):
    """The captcha (a login rule) would stand in front of the per-IP cap under test."""
    set_rule("login", captcha_after_per_ip=1000)


def _ask_for_code(browser: Browser, phone: str, **headers):
    return browser.submit(LOGIN_URL, {"phone": phone}, headers=headers or None)


# -- client addresses ------------------------------------------------------------------


def test_two_clients_behind_nginx_each_have_their_own_per_ip_code_cap(stack, no_captcha):
    client_a, client_b = stack.browser(CLIENT_A), stack.browser(CLIENT_B)

    granted = [_ask_for_code(client_a, f"091200010{n}") for n in (1, 2)]
    capped = _ask_for_code(client_a, "0912000103")
    other_client = _ask_for_code(client_b, "0912000104")

    assert [(r.status, r.headers["Location"]) for r in granted] == [(302, "/dang-nhap/ma/")] * 2
    assert capped.status == 429
    assert IP_CAP_MESSAGE in capped.text
    assert (other_client.status, other_client.headers["Location"]) == (302, "/dang-nhap/ma/")
    assert list(OtpChallenge.objects.order_by("id").values_list("phone", "ip_address")) == [
        ("+84912000101", CLIENT_A),
        ("+84912000102", CLIENT_A),
        ("+84912000104", CLIENT_B),
    ]
    assert sorted(SmsMessage.objects.filter(purpose="otp").values_list("to", flat=True)) == [
        "+84912000101",
        "+84912000102",
        "+84912000104",
    ]


@pytest.mark.parametrize(
    "forged",
    [
        {"X-Forwarded-For": "203.0.113.9"},
        # Claiming to be the trusted proxy itself, or the other client.
        {"X-Forwarded-For": "127.0.0.1"},
        {"X-Forwarded-For": f"203.0.113.9, {CLIENT_B}"},
        {"X-Real-IP": "203.0.113.9", "Forwarded": "for=203.0.113.9"},
    ],
    ids=["other-address", "the-proxy", "chain", "other-headers"],
)
def test_a_forged_forwarded_header_does_not_lift_a_clients_cap(stack, no_captcha, forged):
    client_a = stack.browser(CLIENT_A)
    for n in (1, 2):
        assert _ask_for_code(client_a, f"091200020{n}").status == 302

    forging = _ask_for_code(client_a, "0912000203", **forged)

    assert forging.status == 429
    assert IP_CAP_MESSAGE in forging.text
    assert set(OtpChallenge.objects.values_list("ip_address", flat=True)) == {CLIENT_A}
    assert not OtpChallenge.objects.filter(phone="+84912000203").exists()


def test_the_audit_log_records_the_staff_members_own_address(stack, ward1_staff, citizen_person):
    _use_production_password(ward1_staff)
    staff = stack.browser(CLIENT_B)

    login = staff.submit(
        "/admin/login/?next=/admin/",
        {"username": ward1_staff.username, "password": STAFF_PASSWORD, "next": "/admin/"},
    )
    change_url = reverse("admin:people_person_change", args=[citizen_person.pk])
    page = staff.get(change_url, headers={"X-Forwarded-For": "198.51.100.7"})

    assert (login.status, login.headers["Location"]) == (302, "/admin/")
    assert page.status == 200
    assert citizen_person.full_name in page.text
    events = AuditEvent.objects.filter(actor=ward1_staff, action=AuditAction.VIEW)
    assert [(e.object_type, e.object_id, e.ip_address) for e in events] == [
        ("people.person", str(citizen_person.pk), CLIENT_B)
    ]
    # gunicorn's access log names the client too, the forged entry on its left.
    stack.wait_for_access_log(
        rf"client=198\.51\.100\.7, {re.escape(CLIENT_B)} peer=127\.0\.0\.1 .*"
        rf'"GET {re.escape(change_url)} HTTP/1\.0" 200'
    )


# -- request size ----------------------------------------------------------------------


def test_a_photo_one_byte_over_10_mb_gets_the_portals_own_refusal_through_nginx(
    stack, citizen, citizen_person
):
    browser = _logged_in(stack.browser(CLIENT_A), citizen)
    assert browser.get(reverse("people:mine")).status == 200  # sets the CSRF cookie
    fields = {"person": str(citizen_person.public_id), "kind": PhotoKind.OTHER}
    headers = {"X-CSRFToken": browser.cookies["csrftoken"]}

    def upload(content: bytes):
        body, content_type = multipart(fields, {"file": ("anh.jpg", "image/jpeg", content)})
        return browser.request(
            "POST", "/photos/upload/", body=body, headers={**headers, "Content-Type": content_type}
        )

    accepted = upload(jpeg_bytes((1000, 800)))
    refused = upload(padded_jpeg(UPLOAD_MAX_BYTES + 1))

    assert accepted.status == 201, accepted.text
    assert refused.status == 413
    assert refused.json() == {
        "error": "Ảnh lớn hơn 10 MB. Hãy chọn ảnh nhỏ hơn hoặc chụp lại ảnh.",
        "code": "too_big",
    }
    assert [str(p.public_id) for p in Photo.objects.all()] == [accepted.json()["id"]]
    stored = Photo.objects.get()
    assert (stack.private_media / stored.storage_name).is_file()


def test_a_body_far_over_nginxs_limit_gets_the_portals_vietnamese_413_page(stack):
    browser = stack.browser(CLIENT_A)

    response = browser.send_partial_body(
        "/photos/upload/",
        declared_length=60 * 1024 * 1024,
        sent=b"x" * 65536,
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )

    assert response.status == 413
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Dữ liệu gửi lên quá lớn" in response.text
    assert "KhaiBao" in response.text  # the site's layout, not a bare error page
    assert "Request Entity Too Large" not in response.text
    assert "nginx" not in response.text.lower()
    # nginx asked the portal for the page with a GET and no body.
    stack.wait_for_access_log(r'"GET /loi/qua-lon/ HTTP/1\.0" 413')


# -- files -----------------------------------------------------------------------------


def test_no_guessed_url_reaches_the_private_media_folder(stack):
    secret = f"PRIVATE-{secrets.token_hex(8)}".encode()
    folder = stack.private_media / "photos" / "2026" / "01" / "01"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a1b2c3.jpg").write_bytes(secret)
    (stack.private_media / "secret.txt").write_bytes(secret)
    browser = stack.browser(CLIENT_A)
    names = ["photos/2026/01/01/a1b2c3.jpg", "secret.txt"]
    guesses = [
        f"{prefix}{name}"
        for name in names
        for prefix in (
            "/media/",
            "/private-media/",
            "/uploads/",
            "/static/private-media/",
            "/static/../private-media/",
            "/static../private-media/",
            "/static/%2e%2e/private-media/",
            "/static/..%2fprivate-media/",
            "/static..%2fprivate-media/",
            "/",
        )
    ]

    answers = {url: browser.get(url) for url in guesses}

    assert {url: r.status for url, r in answers.items() if r.status not in (400, 403, 404)} == {}
    assert [url for url, r in answers.items() if secret in r.body] == []


def test_static_files_are_served_by_nginx_hashed_ones_cached_for_a_year(stack):
    browser = stack.browser(CLIENT_A)
    page = browser.get(LOGIN_URL)
    hashed = re.search(r'href="(/static/css/khaibao\.[0-9a-f]{12}\.css)"', page.text)
    assert hashed, "the page links the collected, hashed stylesheet"

    hashed_css = browser.get(hashed.group(1))
    plain_css = browser.get("/static/css/khaibao.css")
    compressed = browser.get(hashed.group(1), headers={"Accept-Encoding": "gzip"})

    assert hashed_css.status == plain_css.status == compressed.status == 200
    on_disk = (stack.static_root / hashed.group(1).removeprefix("/static/")).read_bytes()
    assert hashed_css.body == on_disk
    assert hashed_css.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert plain_css.headers["Cache-Control"] == "public, max-age=3600"
    assert hashed_css.headers["X-Content-Type-Options"] == "nosniff"
    assert compressed.headers["Content-Encoding"] == "gzip"
    # nginx answered: gunicorn never saw a static file request (the log is read once a
    # request made after them has been logged).
    assert browser.get("/healthz?after-static").status in (200, 503)
    log = stack.wait_for_access_log(r"GET /healthz\?after-static ")
    assert not re.search(r'"[A-Z]+ /static/', log)


def test_plain_http_goes_to_https_and_unknown_host_names_get_nothing(stack):
    def plain_get(host: str):
        connection = http.client.HTTPConnection(
            "127.0.0.1", stack.nginx.http_port, timeout=10, source_address=(CLIENT_A, 0)
        )
        try:
            connection.request("GET", "/dang-nhap/?next=/nguoi-than/", headers={"Host": host})
            response = connection.getresponse()
            return response.status, response.headers["Location"]
        finally:
            connection.close()

    assert plain_get(SERVER_NAME) == (301, f"{ORIGIN}/dang-nhap/?next=/nguoi-than/")
    with pytest.raises(http.client.RemoteDisconnected):
        plain_get("khaibao.attacker.example")
    # No certificate check on this probe: the handshake must fail because nginx refuses
    # it, not because the client would.
    anything = ssl.create_default_context()
    anything.check_hostname = False
    anything.verify_mode = ssl.CERT_NONE
    probe = Browser(port=stack.nginx.https_port, source_ip=CLIENT_A, context=anything)
    unknown = probe.connection(server_hostname="khaibao.attacker.example")
    with pytest.raises(ssl.SSLError, match="UNRECOGNIZED_NAME"):
        unknown.connect()
    unknown.close()
    known = probe.connection()
    known.connect()  # the same probe with the portal's name is let in
    known.close()
