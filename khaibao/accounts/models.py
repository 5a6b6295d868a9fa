from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .roles import role_choices


class User(AbstractUser):
    """A login: staff (username + password) or citizen (phone + OTP, no password).

    A citizen's account is their phone: it manages one or more persons through
    `people.ManagedPerson`.
    """

    full_name = models.CharField(_("họ và tên"), max_length=120, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=16, null=True, blank=True, unique=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("tài khoản")
        verbose_name_plural = pgettext_lazy("plural", "tài khoản")
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        return self.full_name or self.username

    @property
    def is_citizen(self) -> bool:
        return not self.is_staff and bool(self.phone)


class Unit(models.Model):
    """A place staff work for: a ward health station, a treatment facility, a lab, a
    vaccination unit or a checkpoint. `role` is the role of the staff who work there.

    Staff of a unit-bound role (UNIT_BOUND_ROLES) see only the records of their own
    unit; a ward station's staff see their ward. `phone` is the duty phone that alerts
    (a home-care patient's danger signs) are sent to, and the number citizens call.
    """

    role = models.CharField(_("loại đơn vị"), max_length=24, choices=role_choices)
    code = models.CharField(_("mã đơn vị"), max_length=32, unique=True)
    name = models.CharField(_("tên đơn vị"), max_length=200)
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("địa bàn")
    )
    phone = models.CharField(
        _("số điện thoại trực"), max_length=16, blank=True, help_text=_("Dạng +84…")
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = pgettext_lazy("plural", "đơn vị")
        ordering = ["name"]
        indexes = [
            # The duty phone of a ward's station; the units of one role in an area.
            models.Index(fields=["role", "area"], name="unit_role_area_idx"),
        ]

    def __str__(self):
        return self.name


class StaffProfile(models.Model):
    """What a staff account is for, and where: a role and an area it may see."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="staff_profile")
    role = models.CharField(_("vai trò"), max_length=24, choices=role_choices)
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("địa bàn phụ trách"),
    )
    unit_name = models.CharField(
        _("đơn vị"),
        max_length=200,
        blank=True,
        help_text=_(
            "Tên trạm y tế, cơ sở điều trị, đơn vị tiêm chủng, phòng xét nghiệm hoặc chốt."
        ),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("thuộc đơn vị"),
        help_text=_(
            "Cán bộ cơ sở điều trị, đơn vị tiêm chủng, xét nghiệm và chốt chỉ thấy hồ sơ "
            "của đơn vị mình."
        ),
    )
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người tạo"),
    )

    class Meta:
        verbose_name = _("hồ sơ cán bộ")
        verbose_name_plural = pgettext_lazy("plural", "hồ sơ cán bộ")
        # No check constraint on `role`: apps register roles of their own
        # (role_choices); staff_assignment_check refuses any other.
        indexes = [
            # Province admin's staff list: staff of one role within an area subtree.
            models.Index(fields=["role", "area"], name="staff_role_area_idx"),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.area}"


class OtpStatus(models.TextChoices):
    ACTIVE = "active", _("Đang hiệu lực")
    USED = "used", _("Đã dùng")
    VOIDED = "voided", _("Đã thay bằng mã mới")
    LOCKED = "locked", _("Khoá do nhập sai quá nhiều")


class OtpChallenge(models.Model):
    """One 6-digit code sent to a phone. Only a keyed hash of the code is stored."""

    phone = models.CharField(_("số điện thoại"), max_length=16)
    code_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=8, choices=OtpStatus.choices, default=OtpStatus.ACTIVE)
    attempts = models.PositiveSmallIntegerField(default=0)
    # A keyed hash of a random token kept in the session that asked for the code: the
    # same code typed in another browser session is refused.
    session_binding = models.CharField(max_length=64, default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mã OTP")
        verbose_name_plural = pgettext_lazy("plural", "mã OTP")
        constraints = [
            # "A new code voids the old one", held by the database: one live code per phone.
            models.UniqueConstraint(
                fields=["phone"], condition=Q(status="active"), name="otp_one_active_per_phone"
            ),
        ]
        indexes = [
            # Verification and the per-phone hourly cap: a phone's codes, newest first.
            models.Index(fields=["phone", "-created_at"], name="otp_phone_time_idx"),
        ]

    def __str__(self):
        return f"{self.phone} · {self.get_status_display()}"


class PhoneLoginGuard(models.Model):
    """Wrong login codes of one phone, added up across all its codes.

    A resend starts a new code at 0 tries but never resets `failures`: only a
    successful login does (NIST SP 800-63B §5.2.2 allows at most 100 consecutive
    failures on one account). Past a threshold new codes wait longer and longer; at
    the lock threshold the number is locked until staff unlock it.
    """

    phone = models.CharField(_("số điện thoại"), max_length=16, unique=True)
    failures = models.PositiveIntegerField(_("số lần nhập sai liên tiếp"), default=0)
    last_failure_at = models.DateTimeField(_("lần nhập sai gần nhất"), null=True, blank=True)
    locked_at = models.DateTimeField(_("khoá lúc"), null=True, blank=True)
    warned_at = models.DateTimeField(_("lần báo chủ số gần nhất"), null=True, blank=True)

    class Meta:
        verbose_name = _("khoá đăng nhập theo số điện thoại")
        verbose_name_plural = pgettext_lazy("plural", "khoá đăng nhập theo số điện thoại")
        indexes = [
            # The hotline's list of locked numbers.
            models.Index(
                fields=["-locked_at"],
                condition=Q(locked_at__isnull=False),
                name="otp_guard_locked_idx",
            ),
        ]

    def __str__(self):
        return self.phone

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None
