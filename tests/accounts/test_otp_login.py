"""Citizen login by phone + OTP, with a frozen clock where time matters."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from khaibao.accounts.models import OtpChallenge, OtpStatus, User
from khaibao.notify.models import SmsMessage

PHONE = "0912 345 678"
E164 = "+84912345678"
START = datetime.datetime(2026, 11, 22, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def request_code(client, phone=PHONE, **extra):
    return client.post(reverse("accounts:login"), {"phone": phone, **extra})


def request_code_from(client, phone, **meta):
    """Ask for a code with request headers / REMOTE_ADDR set (`meta`)."""
    return client.post(reverse("accounts:login"), {"phone": phone}, **meta)


def sent_code(phone=E164) -> str:
    body = SmsMessage.objects.filter(to=phone, purpose="otp").latest("created_at", "id").body
    return re.search(r"\b(\d{6})\b", body).group(1)


def submit_code(client, code):
    return client.post(reverse("accounts:verify"), {"code": code})


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_a_code_is_sent_and_accepted_at_4_min_59(client, db, clock):
    response = request_code(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:verify")
    message = SmsMessage.objects.get(to=E164)
    assert message.purpose == "otp"
    assert len(message.body) <= 160

    clock.shift(datetime.timedelta(minutes=4, seconds=59))
    response = submit_code(client, sent_code())

    assert response.status_code == 302
    user = User.objects.get(phone=E164)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert OtpChallenge.objects.get(phone=E164).status == OtpStatus.USED


def test_a_code_is_refused_at_5_min_01(client, db, clock):
    request_code(client)
    clock.shift(datetime.timedelta(minutes=5, seconds=1))

    response = submit_code(client, sent_code())

    assert response.status_code == 400
    assert "Mã đã hết hạn" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_code_works_once(client, db, clock):
    request_code(client)
    code = sent_code()
    assert submit_code(client, code).status_code == 302

    # Someone who saw the code tries it from another browser with the same phone.
    other = client.__class__()
    session = other.session
    session["otp_phone"] = E164
    session.save()
    other.cookies["sessionid"] = session.session_key
    response = submit_code(other, code)

    assert response.status_code == 400
    assert "Mã đã hết hạn hoặc đã được dùng" in response.content.decode()
    assert "_auth_user_id" not in other.session


def test_five_wrong_tries_kill_the_code(client, db, clock):
    request_code(client)
    code = sent_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        response = submit_code(client, wrong)
        assert f"Bạn còn {left} lần thử" in response.content.decode()
    response = submit_code(client, wrong)
    assert "đã bị khoá" in response.content.decode()

    response = submit_code(client, code)

    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    assert OtpChallenge.objects.get(phone=E164).status == OtpStatus.LOCKED


def test_a_new_code_voids_the_old_one(client, db, clock):
    request_code(client)
    old = sent_code()
    clock.shift(datetime.timedelta(seconds=61))
    response = client.post(reverse("accounts:resend"))
    assert response.status_code == 302
    new = sent_code()
    assert SmsMessage.objects.filter(to=E164).count() == 2

    if old != new:
        assert submit_code(client, old).status_code == 400
    assert submit_code(client, new).status_code == 302
    assert OtpChallenge.objects.filter(phone=E164, status=OtpStatus.VOIDED).count() == 1


def test_resend_within_the_cooldown_is_refused_without_an_sms(client, db, clock):
    request_code(client)
    clock.shift(datetime.timedelta(seconds=20))

    response = client.post(reverse("accounts:resend"), follow=True)

    assert "Vui lòng đợi 40 giây" in response.content.decode()
    assert SmsMessage.objects.filter(to=E164).count() == 1


def test_the_code_page_shows_the_resend_countdown(client, db, clock):
    request_code(client)
    clock.shift(datetime.timedelta(seconds=15))

    response = client.get(reverse("accounts:verify"))

    assert "Có thể gửi lại sau 45 giây" in response.content.decode()
    assert 'data-wait="45"' in response.content.decode()


def test_the_hourly_cap_per_phone_gives_a_clear_message_and_no_sms(
    client, db, clock, settings, set_rule
):
    set_rule("login", captcha_after_per_ip=100)
    for _ in range(settings.OTP_MAX_PER_PHONE_PER_HOUR):
        assert request_code(client).status_code == 302
        clock.shift(datetime.timedelta(seconds=61))

    response = request_code(client)

    assert response.status_code == 429
    assert "quá nhiều mã trong một giờ" in response.content.decode()
    assert SmsMessage.objects.filter(to=E164).count() == settings.OTP_MAX_PER_PHONE_PER_HOUR


def test_the_per_ip_cap_stops_many_phones_from_one_client(client, db, clock, settings, set_rule):
    set_rule("login", captcha_after_per_ip=100)
    settings.OTP_MAX_PER_IP_PER_HOUR = 3
    for number in ("0912000101", "0912000102", "0912000103"):
        assert request_code(client, number).status_code == 302

    response = request_code(client, "0912000104")

    assert response.status_code == 429
    assert "quá nhiều yêu cầu mã từ mạng của bạn" in response.content.decode()
    assert not SmsMessage.objects.filter(to="+84912000104").exists()


def test_behind_the_proxy_each_client_has_its_own_cap_and_a_forged_header_does_not_help(
    client, db, clock, settings, set_rule
):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    set_rule("login", captcha_after_per_ip=100)
    settings.OTP_MAX_PER_IP_PER_HOUR = 2
    via_proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for number in ("0912000111", "0912000112"):
        response = request_code_from(
            client, number, **via_proxy, HTTP_X_FORWARDED_FOR="203.0.113.1"
        )
        assert response.status_code == 302
    # The first client hit its cap; forging a new address in front of nginx's entry
    # leaves it there, while a second client behind the same proxy is not touched.
    forged = request_code_from(
        client, "0912000113", **via_proxy, HTTP_X_FORWARDED_FOR="198.51.100.77, 203.0.113.1"
    )
    other = request_code_from(client, "0912000114", **via_proxy, HTTP_X_FORWARDED_FOR="203.0.113.2")

    assert forged.status_code == 429
    assert other.status_code == 302
    assert list(OtpChallenge.objects.order_by("phone").values_list("ip_address", flat=True)) == [
        "203.0.113.1",
        "203.0.113.1",
        "203.0.113.2",
    ]


def test_an_ipv6_client_is_capped_by_its_64(client, db, clock, settings, set_rule):
    set_rule("login", captcha_after_per_ip=100)
    settings.OTP_MAX_PER_IP_PER_HOUR = 2
    for suffix, number in (("::1", "0912000121"), ("::2", "0912000122")):
        assert (
            request_code_from(client, number, REMOTE_ADDR=f"2001:db8:7:7{suffix}").status_code
            == 302
        )

    same_64 = request_code_from(client, "0912000123", REMOTE_ADDR="2001:db8:7:7:abcd::9")
    other_64 = request_code_from(client, "0912000124", REMOTE_ADDR="2001:db8:7:8::1")

    assert same_64.status_code == 429
    assert other_64.status_code == 302


def test_the_daily_budget_stops_all_otp_sms(client, db, clock, settings, set_rule):
    set_rule("login", captcha_after_per_ip=100)
    settings.OTP_DAILY_SMS_BUDGET = 2
    request_code(client, "0912000201")
    request_code(client, "0912000202")

    response = request_code(client, "0912000203")

    assert response.status_code == 429
    assert "tổng đài 1022" in response.content.decode()
    assert SmsMessage.objects.count() == 2


def test_a_captcha_is_required_after_the_threshold(client, db, clock, settings, set_rule):
    set_rule("login", captcha_after_per_ip=2)
    request_code(client, "0912000301")
    request_code(client, "0912000302")

    page = client.get(reverse("accounts:login"))
    refused = request_code(client, "0912000303")

    assert 'name="captcha_0"' in page.content.decode()
    assert refused.status_code == 400
    assert not SmsMessage.objects.filter(to="+84912000303").exists()


@pytest.mark.parametrize(
    "phone, message",
    [
        ("02438123456", "không phải số di động"),
        ("+12025550123", "Chỉ nhận số di động Việt Nam"),
        ("0912", "Số điện thoại không hợp lệ"),
        ("abc", "Số điện thoại không hợp lệ"),
    ],
)
def test_an_invalid_or_foreign_number_gets_no_sms(client, db, phone, message):
    response = request_code(client, phone)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert SmsMessage.objects.count() == 0
    assert OtpChallenge.objects.count() == 0


def _normalised(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.mark.smoke
def test_known_and_unknown_numbers_get_the_same_response(client, db, citizen):
    known = request_code(client, "0912345678")
    known_page = client.get(known["Location"])
    other = client.__class__()
    unknown = request_code(other, "0987111222")
    unknown_page = other.get(unknown["Location"])

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert known_page.status_code == unknown_page.status_code == 200
    assert _normalised(known_page.content.decode()).replace("+84912345678", "PHONE") == _normalised(
        unknown_page.content.decode()
    ).replace("+84987111222", "PHONE")
    assert SmsMessage.objects.filter(to__in=["+84912345678", "+84987111222"]).count() == 2


def test_the_session_key_changes_at_login(client, db, clock):
    request_code(client)
    before = client.session.session_key

    submit_code(client, sent_code())

    assert client.session.session_key != before
    assert client.session.get("_auth_user_id")


def test_an_existing_citizen_logs_into_their_own_account(client, db, citizen, clock):
    request_code(client, "0912345678")
    response = submit_code(client, sent_code())

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(citizen.pk)
    assert User.objects.filter(phone=E164).count() == 1


def test_a_citizen_idle_too_long_is_logged_out(client, db, citizen, settings):
    settings.CITIZEN_IDLE_TIMEOUT_SECONDS = 600
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(citizen)
        assert client.get(reverse("people:mine")).status_code == 200
        clock.shift(datetime.timedelta(seconds=601))

        response = client.get(reverse("people:mine"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session


def test_the_help_page_names_the_hotline(client, db, settings):
    settings.KHAIBAO_HOTLINE = "1022"
    response = client.get(reverse("accounts:help"))
    assert "1022" in response.content.decode()
    assert reverse("accounts:help") in client.get(reverse("accounts:login")).content.decode()


def test_expired_challenges_keep_no_code_in_clear(db, client, clock):
    request_code(client)
    challenge = OtpChallenge.objects.get(phone=E164)
    assert sent_code() not in challenge.code_hash
    assert challenge.expires_at == timezone.now() + datetime.timedelta(minutes=5)
