"""Two web instances, on two ports, against one database and one Redis (issue 14): a
province runs more than one app server behind its proxy, and a citizen's requests land
on either. Sessions live in the database and counters in Redis, so both instances must
serve the same signed-in sessions and count the same limits.

Each instance is gunicorn with deploy/gunicorn.conf.py in production mode (DEBUG=0),
reached directly with the headers the shipped nginx adds (X-Forwarded-Proto, the
client's address in X-Forwarded-For; TRUSTED_PROXIES=127.0.0.1).
"""

import http.client
import re
import subprocess
import sys

import pytest
from django.urls import reverse

from khaibao.accounts.models import User
from khaibao.notify.models import SmsMessage
from tests.integration.conftest import ThrowawayRedis, free_port
from tests.integration.proxy import REPO, SERVER_NAME, Browser, Gunicorn, csrf_token_in
from tests.integration.test_reverse_proxy import OTP_MAX_PER_IP, _logged_in, _portal_env

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CLIENT = "203.0.113.7"
LOGIN_URL = "/dang-nhap/"


class Instance(Browser):
    """A client talking to one gunicorn directly, as nginx would: plain HTTP on the
    loopback, with the proxy's headers. Its cookies can be handed to another."""

    def __init__(self, port: int, client_ip: str = CLIENT):
        super().__init__(port=port, source_ip="127.0.0.1", context=None)
        self.client_ip = client_ip

    def connection(self, *, server_hostname: str = SERVER_NAME):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def _headers(self, path, extra, *, post):
        headers = super()._headers(path, extra, post=post)
        return {"X-Forwarded-Proto": "https", "X-Forwarded-For": self.client_ip, **headers}


@pytest.fixture(scope="module")
def instances(worker_database_url, tmp_path_factory):
    root = tmp_path_factory.mktemp("two-instances")
    site = root / "site"
    site.mkdir()
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
        for name in ("a", "b"):
            directory = root / name
            directory.mkdir()
            started.append(Gunicorn(port=free_port(), env=env, directory=directory))
        yield started
    finally:
        for process in started:
            process.stop()
        redis_server.kill()


def _the_code_sent_to(phone: str) -> str:
    text = SmsMessage.objects.filter(to=phone).latest("id")
    return re.search(r"\b(\d{6})\b", text.body).group(1)


def _pair(instances, client_ip: str = CLIENT) -> tuple[Instance, Instance]:
    first, second = instances
    return Instance(first.port, client_ip), Instance(second.port, client_ip)


def _share_cookies(source: Instance, target: Instance) -> None:
    target.cookies = source.cookies  # one browser: its requests land on either instance


def test_a_citizen_asks_on_one_instance_signs_in_on_the_other_and_stays_signed_in(instances):
    on_a, on_b = _pair(instances)
    _share_cookies(on_a, on_b)
    asked = on_a.submit(LOGIN_URL, {"phone": "0912000301"})
    assert asked.status == 302, asked.text[:500]
    # The code's page and the code itself on the other instance: the session (which
    # phone, the binding) and the CSRF cookie came from the first.
    signed_in = on_b.submit(reverse("accounts:verify"), {"code": _the_code_sent_to("+84912000301")})
    assert signed_in.status == 302, signed_in.text[:500]
    assert User.objects.filter(phone="+84912000301").exists()
    for instance in (on_a, on_b):
        page = instance.get(reverse("people:add"))  # a new account's first page
        assert page.status == 200, (instance.port, page.status)
        assert "Đăng xuất" in page.text


def test_a_staff_session_is_valid_on_both_instances(instances, ward1_staff):
    on_a, on_b = _pair(instances)
    _logged_in(on_a, ward1_staff)
    _share_cookies(on_a, on_b)
    for instance in (on_a, on_b):
        page = instance.get("/admin/")
        assert page.status == 200, (instance.port, page.status)
        assert ward1_staff.username in page.text or ward1_staff.full_name in page.text
    # Signed out on one, signed out on both: the session row is gone.
    token = csrf_token_in(on_b.get("/admin/"))
    on_b.request(
        "POST",
        "/admin/logout/",
        body=f"csrfmiddlewaretoken={token}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert on_a.get("/admin/").status == 302


def test_the_per_ip_code_cap_counts_across_both_instances(instances, set_rule):
    set_rule("login", captcha_after_per_ip=1000)  # the captcha would come first
    on_a, on_b = _pair(instances, client_ip="203.0.113.9")
    # The codes the cap allows, asked on the two instances in turn.
    granted = [
        (on_a, on_b)[n % 2].submit(LOGIN_URL, {"phone": f"091200040{n}"})
        for n in range(OTP_MAX_PER_IP)
    ]
    assert [answer.status for answer in granted] == [302] * OTP_MAX_PER_IP
    # Both instances counted the same address in the same Redis: the next one is refused
    # wherever it lands.
    for instance in (on_a, on_b):
        capped = instance.submit(LOGIN_URL, {"phone": "0912000409"})
        assert capped.status == 429
        assert "Có quá nhiều yêu cầu mã từ mạng của bạn" in capped.text
