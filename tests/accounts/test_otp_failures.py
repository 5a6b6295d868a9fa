"""Wrong login codes add up per phone across resends, with a frozen clock.

One phone may have 5 codes an hour and 5 tries per code: without a count that survives
resends, a stranger could guess at it 600 times a day without end.
"""

import datetime
import re

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from khaibao.accounts.models import OtpChallenge, OtpStatus, PhoneLoginGuard
from khaibao.accounts.otp import new_session_binding, otp_request, otp_verify
from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.notify.models import SmsMessage
from tests.conftest import STAFF_PASSWORD

E164 = "+84912345678"
START = datetime.datetime(2026, 11, 22, 8, 0, tzinfo=datetime.UTC)
IP = "203.0.113.9"


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


class Guesser:
    """Someone at one browser session, asking for codes and typing wrong ones."""

    def __init__(self, clock):
        self.clock = clock
        self.binding = new_session_binding()

    def ask(self):
        otp_request(phone=E164, ip=IP, binding=self.binding)

    def code(self) -> str:
        body = SmsMessage.objects.filter(to=E164, purpose="otp").latest("created_at", "id").body
        return re.search(r"\b(\d{6})\b", body).group(1)

    def wrong(self):
        wrong = f"{(int(self.code()) + 1) % 1_000_000:06d}"
        return otp_verify(phone=E164, code=wrong, binding=self.binding)

    def burn_code(self, tries=5):
        """Ask for a code (after waiting as long as it takes) and get it wrong `tries` times."""
        self.clock.shift(datetime.timedelta(hours=2))
        self.ask()
        return [self.wrong().error for _ in range(tries)]


def failures() -> int:
    return PhoneLoginGuard.objects.get(phone=E164).failures


def test_100_wrong_codes_over_many_resends_and_days_lock_the_number(db, clock):
    guesser = Guesser(clock)
    for _ in range(19):
        errors = guesser.burn_code()
        assert {error.code for error in errors} <= {"wrong_code", "locked"}
    assert failures() == 95
    assert not PhoneLoginGuard.objects.get(phone=E164).is_locked

    errors = guesser.burn_code()

    assert errors[-1].code == "phone_locked"
    assert "gọi tổng đài 1022" in errors[-1].messages[0]
    guard = PhoneLoginGuard.objects.get(phone=E164)
    assert guard.is_locked and guard.failures == 100
    assert timezone.now() - START > datetime.timedelta(days=1)  # spread over days
    # A locked number gets no new code, not even after a day, and the lock is audited.
    clock.shift(datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        guesser.ask()
    assert refused.value.code == "phone_locked"
    event = AuditEvent.objects.get(action=AuditAction.LOCK)
    assert (event.object_type, event.object_repr) == ("accounts.phoneloginguard", E164)
    assert event.detail["failures"] == 100


def test_a_correct_code_even_the_100th_try_clears_the_count(db, clock):
    guesser = Guesser(clock)
    for _ in range(19):
        guesser.burn_code()
    guesser.burn_code(tries=4)
    assert failures() == 99

    result = otp_verify(phone=E164, code=guesser.code(), binding=guesser.binding)

    assert result.user is not None
    assert failures() == 0
    # The count starts again: five more wrong tries neither lock nor slow anyone down.
    guesser.burn_code()
    assert failures() == 5
    assert not PhoneLoginGuard.objects.get(phone=E164).is_locked
    clock.shift(datetime.timedelta(seconds=61))
    guesser.ask()


def test_the_wait_before_a_new_code_grows_as_wrong_codes_add_up(db, clock, settings):
    guesser = Guesser(clock)
    waits = []
    for _ in range(5):
        guesser.burn_code()
        with pytest.raises(ValidationError) as refused:
            guesser.ask()
        waits.append(int(re.search(r"(\d+) giây", refused.value.messages[0]).group(1)))

    # 5 and 10 failures: the usual 60 s cooldown; then 30 s doubling per failure, to an hour.
    assert waits == [60, 60, 960, 3600, 3600]
    assert settings.OTP_BACKOFF_MAX_SECONDS == 3600
    # The wait is real: a second before it ends there is still no code, at its end there is.
    clock.shift(datetime.timedelta(seconds=3599))
    with pytest.raises(ValidationError) as refused:
        guesser.ask()
    assert refused.value.code == "backoff"
    clock.shift(datetime.timedelta(seconds=1))
    guesser.ask()


def test_a_code_already_sent_still_works_for_its_session_while_new_ones_wait(db, clock):
    guesser = Guesser(clock)
    for _ in range(3):
        guesser.burn_code()
    owner = Guesser(clock)
    clock.shift(datetime.timedelta(hours=2))
    owner.ask()
    owner.wrong()  # a typo

    # The next code is far off, but the code in the owner's hand still logs them in.
    with pytest.raises(ValidationError) as refused:
        owner.ask()
    assert refused.value.code == "backoff"
    assert otp_verify(phone=E164, code=owner.code(), binding=owner.binding).user is not None


def test_a_code_typed_in_another_session_is_refused_and_not_counted(client, db, clock):
    client.post(reverse("accounts:login"), {"phone": "0912 345 678"})
    code = Guesser(clock).code()
    other = client.__class__()
    session = other.session
    session["otp_phone"] = E164
    session.save()
    other.cookies["sessionid"] = session.session_key

    response = other.post(reverse("accounts:verify"), {"code": code})

    assert response.status_code == 400
    assert "được gửi cho một lần đăng nhập khác" in response.content.decode()
    assert "_auth_user_id" not in other.session
    challenge = OtpChallenge.objects.get(phone=E164)
    assert (challenge.status, challenge.attempts) == (OtpStatus.ACTIVE, 0)
    assert not PhoneLoginGuard.objects.filter(phone=E164, failures__gt=0).exists()
    # The browser that asked for the code still logs in with it.
    assert client.post(reverse("accounts:verify"), {"code": code}).status_code == 302


def test_the_owner_is_warned_by_sms_once_a_day_at_most(db, clock):
    guesser = Guesser(clock)
    guesser.burn_code()
    assert not SmsMessage.objects.filter(purpose="otp_warning").exists()

    for _ in range(6):  # 30 failures within about 12 hours
        guesser.burn_code()

    warnings = SmsMessage.objects.filter(to=E164, purpose="otp_warning")
    assert warnings.count() == 1
    assert "nhap sai 10 lan" in warnings.get().body
    assert "1022" in warnings.get().body
    # The first warning went out 4 h in; this code is asked for 29 h in.
    clock.shift(datetime.timedelta(hours=13))
    guesser.burn_code()
    assert warnings.count() == 2


def test_the_hotline_unlocks_a_number_and_the_unlock_is_audited(client, db, clock, superuser):
    guesser = Guesser(clock)
    for _ in range(20):
        guesser.burn_code()
    guard = PhoneLoginGuard.objects.get(phone=E164)
    assert guard.is_locked
    response = client.post(reverse("accounts:login"), {"phone": "0912 345 678"})
    assert response.status_code == 403
    assert "đã bị tạm khoá đăng nhập" in response.content.decode()
    assert client.login(username=superuser.username, password=STAFF_PASSWORD)

    changelist = reverse("admin:accounts_phoneloginguard_changelist")
    listed = client.get(changelist, {"q": "0912 345 678"})
    assert E164 in listed.content.decode()
    response = client.post(
        changelist, {"action": "unlock", ACTION_CHECKBOX_NAME: [guard.pk]}, follow=True
    )

    assert "Đã mở khoá 1 số." in response.content.decode()
    guard.refresh_from_db()
    assert (guard.is_locked, guard.failures) == (False, 0)
    event = AuditEvent.objects.get(action=AuditAction.UNLOCK)
    assert event.actor == superuser
    assert event.detail["failures"] == 100
    client.logout()
    clock.shift(datetime.timedelta(seconds=61))  # the usual cooldown after the last code
    assert client.post(reverse("accounts:login"), {"phone": "0912 345 678"}).status_code == 302
