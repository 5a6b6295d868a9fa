import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from khaibao.lib.normalize import phone_for_display

from .ids import IdType, Sex, age_on


class Person(models.Model):
    """One human being, the identity shared by all five systems.

    An F0 case, a home-care patient, a vaccination record, a lab result and an entry
    declaration all point here. Create and change persons only through
    `khaibao.people.services`, which normalises and cross-checks the fields.
    """

    # The opaque id carried by a person's QR code and in URLs: never the ID number.
    public_id = models.UUIDField(_("mã công khai"), default=uuid.uuid4, unique=True, editable=False)
    full_name = models.CharField(_("họ và tên"), max_length=120)
    name_key = models.CharField(max_length=120, editable=False)
    date_of_birth = models.DateField(_("ngày sinh"))
    sex = models.CharField(_("giới tính"), max_length=1, choices=Sex.choices)
    id_type = models.CharField(_("loại giấy tờ"), max_length=12, choices=IdType.choices)
    id_number = models.CharField(_("số giấy tờ"), max_length=32, blank=True)
    nationality = models.CharField(_("quốc tịch"), max_length=2, default="VN")
    phone = models.CharField(
        _("số điện thoại"), max_length=16, blank=True, help_text=_("Dạng +84…")
    )
    # Seed 003: a remembered health-insurance number fills in the person's details (only
    # for the persons an account manages). A child whose document is the BHYT card has
    # the same number here.
    health_insurance_number = models.CharField(
        _("số thẻ BHYT"), max_length=15, blank=True, help_text=_("15 ký tự, ví dụ HS4790123456789.")
    )
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="residents",
        verbose_name=_("phường / xã / thôn nơi ở"),
    )
    street_address = models.CharField(_("số nhà, đường"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("người dân")
        verbose_name_plural = pgettext_lazy("plural", "người dân")
        ordering = ["name_key", "date_of_birth"]
        constraints = [
            # One person per document. "No ID" (children) is stored as an empty number
            # and is deliberately not unique.
            models.UniqueConstraint(
                fields=["id_type", "id_number"],
                condition=~Q(id_number=""),
                name="person_unique_id_document",
                violation_error_code="id_document_taken",
                violation_error_message=_(
                    "Đã có người dùng giấy tờ này. Tìm người đó thay vì tạo người mới."
                ),
            ),
            models.CheckConstraint(
                name="person_no_id_has_empty_number",
                condition=Q(id_type=IdType.NONE, id_number="")
                | (~Q(id_type=IdType.NONE) & ~Q(id_number="")),
            ),
        ]
        indexes = [
            # Staff search and the checkpoint lookup: name (accent-free key) + birth date.
            models.Index(fields=["name_key", "date_of_birth"], name="person_name_dob_idx"),
            # Lookup by ID number alone (officer types it; the type is often unknown).
            models.Index(fields=["id_number"], name="person_id_number_idx"),
            # "Which persons use this phone": OTP login and isolation-completion matching.
            models.Index(fields=["phone"], name="person_phone_idx"),
            # "Có thẻ BHYT": the account's person with this card number.
            models.Index(
                fields=["health_insurance_number"],
                condition=~Q(health_insurance_number=""),
                name="person_bhyt_idx",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.date_of_birth:%d/%m/%Y})"

    @property
    def phone_display(self) -> str:
        return phone_for_display(self.phone)

    def age(self, on=None) -> int:
        return age_on(self.date_of_birth, on or timezone.localdate())


class Relationship(models.TextChoices):
    SELF = "self", _("Bản thân")
    CHILD = "child", _("Con")
    PARENT = "parent", _("Cha / mẹ")
    SPOUSE = "spouse", _("Vợ / chồng")
    GRANDPARENT = "grandparent", _("Ông / bà")
    SIBLING = "sibling", _("Anh / chị / em")
    OTHER = "other", _("Người thân khác")


class ManagedPerson(models.Model):
    """A citizen account (one phone) manages several persons: self, children, parents."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="managed_links",
        verbose_name=_("tài khoản"),
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="manager_links",
        verbose_name=_("người được quản lý"),
    )
    relationship = models.CharField(_("quan hệ"), max_length=12, choices=Relationship.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("người được quản lý")
        verbose_name_plural = pgettext_lazy("plural", "người được quản lý")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "person"],
                name="managed_person_unique",
                violation_error_code="already_managed",
                violation_error_message=_("Tài khoản này đã quản lý người này."),
            ),
            # An account is one person's own: at most one SELF link.
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(relationship=Relationship.SELF),
                name="managed_person_one_self",
                violation_error_code="self_taken",
                violation_error_message=_(
                    "Tài khoản này đã có hồ sơ “Bản thân”. Thêm người này với quan hệ khác."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.account} → {self.person} ({self.get_relationship_display()})"


class DeclaredForPerson(models.Model):
    """Base for every record a citizen files about a person (F0, health, entry, …).

    `declared_by` is the account that filed it, which may manage the person rather than
    be them; `entered_by_staff` marks paper declarations typed in by staff.
    """

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("người")
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người khai"),
    )
    relationship = models.CharField(
        _("quan hệ với người khai"), max_length=12, choices=Relationship.choices
    )
    entered_by_staff = models.BooleanField(_("nhập từ tờ khai giấy"), default=False)
    created_at = models.DateTimeField(_("khai lúc"), auto_now_add=True)

    class Meta:
        abstract = True
