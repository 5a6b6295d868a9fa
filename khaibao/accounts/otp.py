"""Citizen login by phone + one-time code (services).

Rules (DESIGN §5 "Citizen login"): a 6-digit code from `secrets`, stored as a keyed
hash, valid OTP_TTL_SECONDS, single use, locked after OTP_MAX_ATTEMPTS wrong tries,
voided by a newer code, bound to the browser session that asked for it; per-phone
cooldown and hourly cap, per-IP hourly cap, a captcha past a per-IP threshold (a rule,
see rules.py), and a portal-wide daily SMS budget. Every valid Vietnamese mobile number is treated alike,
whether an account exists or not.

Wrong codes add up per phone across resends (`PhoneLoginGuard`): past
OTP_BACKOFF_AFTER_FAILURES each new code waits longer (doubling up to
OTP_BACKOFF_MAX_SECONDS), and at OTP_LOCK_AFTER_FAILURES the number is locked until staff
unlock it. The waits slow down new codes only: a code already sent stays usable by the
session that asked for it, so nobody can lock the owner out of a code in hand, and
reaching the lock takes the better part of a day of guessing. The owner is told by SMS,
at most once a day.
"""

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from khaibao.audit.models import AuditAction
from khaibao.audit.services import log_action
from khaibao.lib import ratelimit
from khaibao.lib.clientip import limit_key
from khaibao.notify.services import sms_queue
from khaibao.rules.selectors import rules_in_force, sms_text

from .models import OtpChallenge, OtpStatus, PhoneLoginGuard, User
from .rules import LOGIN

_HASH_SALT = "khaibao.accounts.otp"
_BINDING_SALT = "khaibao.accounts.otp.session"
WARNING_INTERVAL = datetime.timedelta(days=1)


def _hash(phone: str, code: str) -> str:
    return salted_hmac(_HASH_SALT, f"{phone}:{code}", algorithm="sha256").hexdigest()


def _binding_hash(binding: str) -> str:
    return salted_hmac(_BINDING_SALT, binding, algorithm="sha256").hexdigest()


def new_session_binding() -> str:
    """A random token for the session that asks for a code (kept in that session)."""
    return secrets.token_urlsafe(24)


def backoff_seconds(failures: int) -> int:
    """The wait before a new code, after `failures` consecutive wrong codes."""
    over = failures - settings.OTP_BACKOFF_AFTER_FAILURES
    if over < 0:
        return 0
    # Capped before the power: 2**over grows without bound as failures add up.
    doublings = min(over, 32)
    return min(settings.OTP_BACKOFF_BASE_SECONDS * 2**doublings, settings.OTP_BACKOFF_MAX_SECONDS)


def _hour_bucket(now: datetime.datetime) -> str:
    return now.strftime("%Y%m%d%H")


def _ip_key(ip: str | None, now: datetime.datetime) -> str:
    return f"otp:ip:{limit_key(ip)}:{_hour_bucket(now)}"


def _budget_key(now: datetime.datetime) -> str:
    return f"otp:budget:{timezone.localdate(now):%Y%m%d}"


def captcha_required(*, ip: str | None) -> bool:
    """Whether the phone form must carry a captcha for this client (a rule: carriers'
    shared addresses reach a low threshold quickly)."""
    threshold = rules_in_force(LOGIN)["captcha_after_per_ip"]
    if threshold == 0:
        return True
    return ratelimit.hits(_ip_key(ip, timezone.now())) >= threshold


def _guard(phone: str) -> PhoneLoginGuard | None:
    return PhoneLoginGuard.objects.filter(phone=phone).first()


def seconds_until_resend(*, phone: str, guard: PhoneLoginGuard | None = None) -> int:
    """Seconds before the phone may have a new code: the cooldown, or the growing wait
    once wrong codes have added up, counted from the last code."""
    last = (
        OtpChallenge.objects.filter(phone=phone)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None:
        return 0
    guard = guard if guard is not None else _guard(phone)
    wait = max(
        settings.OTP_RESEND_COOLDOWN_SECONDS, backoff_seconds(guard.failures if guard else 0)
    )
    elapsed = (timezone.now() - last).total_seconds()
    return max(0, int(wait - elapsed + 0.999))


def _locked_error() -> ValidationError:
    return ValidationError(
        _(
            "Số điện thoại này đã bị tạm khoá đăng nhập vì mã bị nhập sai quá nhiều lần. "
            "Vui lòng gọi tổng đài %(hotline)s để được xác minh và mở khoá."
        )
        % {"hotline": settings.KHAIBAO_HOTLINE},
        code="phone_locked",
    )


def _cooldown_message(seconds: int) -> str:
    return ngettext(
        "Vui lòng đợi %(seconds)d giây rồi yêu cầu mã mới.",
        "Vui lòng đợi %(seconds)d giây rồi yêu cầu mã mới.",
        seconds,
    ) % {"seconds": seconds}


def _check_limits(*, phone: str, ip: str | None, now: datetime.datetime) -> None:
    guard = _guard(phone)
    if guard is not None and guard.is_locked:
        raise _locked_error()
    wait = seconds_until_resend(phone=phone, guard=guard)
    if wait:
        backoff = backoff_seconds(guard.failures if guard else 0)
        code = "backoff" if backoff > settings.OTP_RESEND_COOLDOWN_SECONDS else "cooldown"
        raise ValidationError(_cooldown_message(wait), code=code)
    hour_ago = now - datetime.timedelta(hours=1)
    if (
        OtpChallenge.objects.filter(phone=phone, created_at__gte=hour_ago).count()
        >= settings.OTP_MAX_PER_PHONE_PER_HOUR
    ):
        raise ValidationError(
            _(
                "Số điện thoại này đã yêu cầu quá nhiều mã trong một giờ. Vui lòng thử lại sau, "
                "hoặc gọi tổng đài %(hotline)s."
            )
            % {"hotline": settings.KHAIBAO_HOTLINE},
            code="phone_hourly_cap",
        )
    if ratelimit.hits(_ip_key(ip, now)) >= settings.OTP_MAX_PER_IP_PER_HOUR:
        raise ValidationError(
            _("Có quá nhiều yêu cầu mã từ mạng của bạn. Vui lòng thử lại sau một giờ."),
            code="ip_hourly_cap",
        )
    if ratelimit.hits(_budget_key(now)) >= settings.OTP_DAILY_SMS_BUDGET:
        raise ValidationError(
            _(
                "Hệ thống tạm ngừng gửi mã hôm nay vì quá tải. Vui lòng gọi tổng đài %(hotline)s "
                "để được hỗ trợ."
            )
            % {"hotline": settings.KHAIBAO_HOTLINE},
            code="daily_budget",
        )


@transaction.atomic
def otp_request(*, phone: str, ip: str | None, binding: str) -> OtpChallenge:
    """Issue a code for a normalised (E.164) Vietnamese mobile and queue its SMS.

    `binding` is the token of the browser session asking (new_session_binding()): only
    that session can use the code.

    1. Check the lock, the wait, hourly caps and the daily budget (ValidationError, no SMS).
    2. Void the phone's live code, then store the new one (hashed).
    3. Queue the SMS in this transaction; it is sent after commit.
    """
    now = timezone.now()
    # Serialise requests for one phone: the cooldown check and the insert must not race.
    list(OtpChallenge.objects.select_for_update().filter(phone=phone, status=OtpStatus.ACTIVE))
    _check_limits(phone=phone, ip=ip, now=now)
    OtpChallenge.objects.filter(phone=phone, status=OtpStatus.ACTIVE).update(
        status=OtpStatus.VOIDED
    )
    code = f"{secrets.randbelow(1_000_000):06d}"
    try:
        with transaction.atomic():
            challenge = OtpChallenge.objects.create(
                phone=phone,
                code_hash=_hash(phone, code),
                session_binding=_binding_hash(binding),
                ip_address=ip,
                created_at=now,
                expires_at=now + datetime.timedelta(seconds=settings.OTP_TTL_SECONDS),
            )
    except IntegrityError:
        # Another request for this phone won the race: same answer as the cooldown.
        raise ValidationError(
            _cooldown_message(settings.OTP_RESEND_COOLDOWN_SECONDS), code="cooldown"
        ) from None
    sms_queue(
        to=phone,
        body=sms_text(LOGIN, "otp", ma_otp=code, so_phut=settings.OTP_TTL_SECONDS // 60),
        purpose="otp",
    )
    ratelimit.hit(_ip_key(ip, now), window=3600)
    ratelimit.hit(_budget_key(now), window=2 * 86400)
    return challenge


@dataclass(frozen=True)
class OtpResult:
    user: User | None
    error: ValidationError | None = None


def otp_verify(*, phone: str, code: str, binding: str) -> OtpResult:
    """Check a code typed in the session holding `binding`; on success mark it used,
    clear the phone's failure count and return the phone's account.

    Runs in its own transaction so a wrong try is counted even though the caller
    shows an error.
    """
    now = timezone.now()
    with transaction.atomic():
        guard = PhoneLoginGuard.objects.select_for_update().filter(phone=phone).first()
        if guard is not None and guard.is_locked:
            return OtpResult(None, _locked_error())
        challenge = (
            OtpChallenge.objects.select_for_update()
            .filter(phone=phone, status=OtpStatus.ACTIVE)
            .order_by("-created_at")
            .first()
        )
        if challenge is None or challenge.expires_at <= now:
            return OtpResult(
                None,
                ValidationError(
                    _("Mã đã hết hạn hoặc đã được dùng. Bấm “Gửi lại mã” để nhận mã mới."),
                    code="expired",
                ),
            )
        if not constant_time_compare(challenge.session_binding, _binding_hash(binding)):
            # Checked before the code, and not counted: a session that never asked for
            # this code learns nothing about it, and cannot use up the owner's tries.
            return OtpResult(
                None,
                ValidationError(
                    _(
                        "Mã này được gửi cho một lần đăng nhập khác. Bấm “Gửi lại mã” để "
                        "nhận mã mới trên trình duyệt này."
                    ),
                    code="other_session",
                ),
            )
        if not constant_time_compare(challenge.code_hash, _hash(phone, code)):
            return OtpResult(None, _wrong_code(challenge=challenge, guard=guard, now=now))
        OtpChallenge.objects.filter(pk=challenge.pk).update(status=OtpStatus.USED, used_at=now)
        if guard is not None and guard.failures:
            PhoneLoginGuard.objects.filter(pk=guard.pk).update(failures=0)
        user = citizen_account_for(phone=phone)
    return OtpResult(user)


def _wrong_code(
    *, challenge: OtpChallenge, guard: PhoneLoginGuard | None, now: datetime.datetime
) -> ValidationError:
    """Count a wrong code on the code and on the phone; lock either when it is due."""
    OtpChallenge.objects.filter(pk=challenge.pk).update(attempts=F("attempts") + 1)
    challenge.refresh_from_db(fields=["attempts"])
    if guard is None:
        guard, _created = PhoneLoginGuard.objects.get_or_create(phone=challenge.phone)
        guard = PhoneLoginGuard.objects.select_for_update().get(pk=guard.pk)
    guard.failures += 1
    guard.last_failure_at = now
    guard.save(update_fields=["failures", "last_failure_at"])
    if guard.failures >= settings.OTP_LOCK_AFTER_FAILURES:
        _lock(guard=guard, now=now)
        return _locked_error()
    if guard.failures >= settings.OTP_BACKOFF_AFTER_FAILURES:
        _warn_owner(guard=guard, now=now, locked=False)
    if challenge.attempts >= settings.OTP_MAX_ATTEMPTS:
        OtpChallenge.objects.filter(pk=challenge.pk).update(status=OtpStatus.LOCKED)
        return ValidationError(
            _("Bạn đã nhập sai %(count)d lần, mã này đã bị khoá. Bấm “Gửi lại mã” để nhận mã mới.")
            % {"count": challenge.attempts},
            code="locked",
        )
    left = settings.OTP_MAX_ATTEMPTS - challenge.attempts
    return ValidationError(
        ngettext(
            "Mã không đúng. Bạn còn %(left)d lần thử.",
            "Mã không đúng. Bạn còn %(left)d lần thử.",
            left,
        )
        % {"left": left},
        code="wrong_code",
    )


def _lock(*, guard: PhoneLoginGuard, now: datetime.datetime) -> None:
    guard.locked_at = now
    guard.save(update_fields=["locked_at"])
    OtpChallenge.objects.filter(phone=guard.phone, status=OtpStatus.ACTIVE).update(
        status=OtpStatus.LOCKED
    )
    log_action(
        actor=None,
        action=AuditAction.LOCK,
        obj=guard,
        detail={"failures": guard.failures, "reason": "otp_failures"},
    )
    _warn_owner(guard=guard, now=now, locked=True)


def _warn_owner(*, guard: PhoneLoginGuard, now: datetime.datetime, locked: bool) -> None:
    """Tell the phone's owner that someone is guessing its codes: once a day at most, so
    the warning itself cannot be turned into a flood of texts."""
    if guard.warned_at is not None and now - guard.warned_at < WARNING_INTERVAL:
        return
    guard.warned_at = now
    guard.save(update_fields=["warned_at"])
    text = sms_text(
        LOGIN,
        "otp_locked" if locked else "otp_warning",
        so_lan=guard.failures,
        tong_dai=settings.KHAIBAO_HOTLINE,
    )
    sms_queue(to=guard.phone, body=text, purpose="otp_warning")


@transaction.atomic
def phone_login_unlock(
    *, guard: PhoneLoginGuard, by: User, ip: str | None = None
) -> PhoneLoginGuard:
    """Staff unlock a number after checking the caller (the hotline): the count starts
    again from 0, and the unlock is audited."""
    guard = PhoneLoginGuard.objects.select_for_update().get(pk=guard.pk)
    if not guard.is_locked:
        raise ValidationError(_("Số điện thoại này không bị khoá."), code="not_locked")
    detail = {"failures": guard.failures, "locked_at": guard.locked_at.isoformat()}
    guard.locked_at = None
    guard.failures = 0
    guard.save(update_fields=["locked_at", "failures"])
    log_action(actor=by, action=AuditAction.UNLOCK, obj=guard, ip=ip, detail=detail)
    return guard


def citizen_account_for(*, phone: str) -> User:
    """The citizen account of a phone, created at its first login."""
    user, created = User.objects.get_or_create(username=phone, defaults={"phone": phone})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
