from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .roles import Role


class User(AbstractUser):
    """A login: staff (username + password) or citizen (phone + OTP, no password).

    A citizen's account is their phone: it manages one or more persons through
    `people.ManagedPerson`.
    """

    full_name = models.CharField(_("họ và tên"), max_length=120, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=16, null=True, blank=True, unique=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("tài khoản")
        verbose_name_plural = _("tài khoản")
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        return self.full_name or self.username

    @property
    def is_citizen(self) -> bool:
        return not self.is_staff and bool(self.phone)


class StaffProfile(models.Model):
    """What a staff account is for, and where: a role and an area it may see."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="staff_profile")
    role = models.CharField(_("vai trò"), max_length=24, choices=Role.choices)
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
        verbose_name_plural = _("hồ sơ cán bộ")
        constraints = [
            models.CheckConstraint(name="staff_role_valid", condition=Q(role__in=Role.values)),
        ]
        indexes = [
            # Province admin's staff list: staff of one role within an area subtree.
            models.Index(fields=["role", "area"], name="staff_role_area_idx"),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.area}"
