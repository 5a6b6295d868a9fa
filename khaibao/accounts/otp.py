"""Citizen login by phone + one-time code (services).

Rules (DESIGN §5 "Citizen login"): a 6-digit code from `secrets`, stored as a keyed
hash, valid OTP_TTL_SECONDS, single use, locked after OTP_MAX_ATTEMPTS wrong tries,
voided by a newer code; per-phone cooldown and hourly cap, per-IP hourly cap, a
captcha past a per-IP threshold, and a portal-wide daily SMS budget. Every valid
Vietnamese mobile number is treated alike, whether an account exists or not.
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

from khaibao.core import ratelimit
from khaibao.notify.services import sms_queue

from .models import OtpChallenge, OtpStatus, User

_HASH_SALT = "khaibao.accounts.otp"


def _hash(phone: str, code: str) -> str:
    return salted_hmac(_HASH_SALT, f"{phone}:{code}", algorithm="sha256").hexdigest()


def _hour_bucket(now: datetime.datetime) -> str:
    return now.strftime("%Y%m%d%H")


def _ip_key(ip: str | None, now: datetime.datetime) -> str:
    return f"otp:ip:{ip or 'unknown'}:{_hour_bucket(now)}"


def _budget_key(now: datetime.datetime) -> str:
    return f"otp:budget:{timezone.localdate(now):%Y%m%d}"


def captcha_required(*, ip: str | None) -> bool:
    """Whether the phone form must carry a captcha for this client."""
    if settings.OTP_CAPTCHA_AFTER_PER_IP == 0:
        return True
    return ratelimit.hits(_ip_key(ip, timezone.now())) >= settings.OTP_CAPTCHA_AFTER_PER_IP


def seconds_until_resend(*, phone: str) -> int:
    last = (
        OtpChallenge.objects.filter(phone=phone)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None:
        return 0
    elapsed = (timezone.now() - last).total_seconds()
    return max(0, int(settings.OTP_RESEND_COOLDOWN_SECONDS - elapsed + 0.999))


def _cooldown_message(seconds: int) -> str:
    return ngettext(
        "Vui lòng đợi %(seconds)d giây rồi yêu cầu mã mới.",
        "Vui lòng đợi %(seconds)d giây rồi yêu cầu mã mới.",
        seconds,
    ) % {"seconds": seconds}


def _check_limits(*, phone: str, ip: str | None, now: datetime.datetime) -> None:
    wait = seconds_until_resend(phone=phone)
    if wait:
        raise ValidationError(_cooldown_message(wait), code="cooldown")
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
def otp_request(*, phone: str, ip: str | None) -> OtpChallenge:
    """Issue a code for a normalised (E.164) Vietnamese mobile and queue its SMS.

    1. Check cooldown, hourly caps and the daily budget (ValidationError, no SMS).
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
        template="otp",
        context={"code": code, "minutes": settings.OTP_TTL_SECONDS // 60},
        purpose="otp",
    )
    ratelimit.hit(_ip_key(ip, now), window=3600)
    ratelimit.hit(_budget_key(now), window=2 * 86400)
    return challenge


@dataclass(frozen=True)
class OtpResult:
    user: User | None
    error: ValidationError | None = None


def otp_verify(*, phone: str, code: str) -> OtpResult:
    """Check a code; on success mark it used and return the phone's account.

    Runs in its own transaction so a wrong try is counted even though the caller
    shows an error.
    """
    now = timezone.now()
    with transaction.atomic():
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
        if not constant_time_compare(challenge.code_hash, _hash(phone, code)):
            OtpChallenge.objects.filter(pk=challenge.pk).update(attempts=F("attempts") + 1)
            challenge.refresh_from_db(fields=["attempts"])
            if challenge.attempts >= settings.OTP_MAX_ATTEMPTS:
                OtpChallenge.objects.filter(pk=challenge.pk).update(status=OtpStatus.LOCKED)
                return OtpResult(
                    None,
                    ValidationError(
                        _(
                            "Bạn đã nhập sai %(count)d lần, mã này đã bị khoá. Bấm “Gửi lại mã” để nhận mã mới."
                        )
                        % {"count": challenge.attempts},
                        code="locked",
                    ),
                )
            left = settings.OTP_MAX_ATTEMPTS - challenge.attempts
            return OtpResult(
                None,
                ValidationError(
                    ngettext(
                        "Mã không đúng. Bạn còn %(left)d lần thử.",
                        "Mã không đúng. Bạn còn %(left)d lần thử.",
                        left,
                    )
                    % {"left": left},
                    code="wrong_code",
                ),
            )
        OtpChallenge.objects.filter(pk=challenge.pk).update(status=OtpStatus.USED, used_at=now)
        user = citizen_account_for(phone=phone)
    return OtpResult(user)


def citizen_account_for(*, phone: str) -> User:
    """The citizen account of a phone, created at its first login."""
    user, created = User.objects.get_or_create(username=phone, defaults={"phone": phone})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
