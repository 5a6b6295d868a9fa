"""Vaccination (seed 001): dose records, certificates, and citizens' correction requests.

A vaccination unit (điểm tiêm / đơn vị tiêm chủng) is an accounts.Unit with role
"vaccination_unit"; its staff see their own unit's records and requests. A ward may name
its default unit (WardDefaultUnit): a request that names no unit goes there.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .vaccines import Vaccine

UNIT_ROLE = "vaccination_unit"


class WardDefaultUnit(models.Model):
    """The unit that takes a ward's correction requests when they name none."""

    ward = models.OneToOneField(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("phường / xã"),
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("đơn vị tiêm chủng"),
        limit_choices_to={"role": UNIT_ROLE},
    )

    class Meta:
        verbose_name = _("đơn vị tiêm mặc định của phường")
        verbose_name_plural = pgettext_lazy("plural", "đơn vị tiêm mặc định của phường")

    def __str__(self):
        return f"{self.ward} → {self.unit}"


class DoseSource(models.TextChoices):
    ENTERED = "entered", _("Nhập trên trang quản trị")
    IMPORTED = "imported", _("Nhập từ tệp CSV")
    CORRECTION = "correction", _("Phản ánh của người dân")


class DoseRecord(models.Model):
    """One dose given to one person. `number` is the dose's place among the person's
    doses (mũi 1, 2, 3...); the EU DCC's dn/sd are computed from the doses in order
    (vaccines.dose_series)."""

    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="dose_records",
        verbose_name=_("người được tiêm"),
    )
    number = models.PositiveSmallIntegerField(_("mũi thứ"))
    given_on = models.DateField(_("ngày tiêm"))
    vaccine = models.CharField(_("vắc xin"), max_length=16, choices=Vaccine.choices)
    lot = models.CharField(_("số lô"), max_length=40)
    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("đơn vị tiêm"),
        limit_choices_to={"role": UNIT_ROLE},
    )
    # A dose given after a recovery from COVID-19 completes the primary series (1/1).
    after_recovery = models.BooleanField(
        _("đã khỏi COVID-19 trước mũi này"),
        default=False,
        help_text=_("Theo hướng dẫn EU: người đã khỏi bệnh tiêm 1 mũi là đủ liều cơ bản."),
    )
    source = models.CharField(_("nguồn"), max_length=12, choices=DoseSource.choices)
    correction = models.ForeignKey(
        "CorrectionRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="doses_created",
        verbose_name=_("theo phản ánh"),
    )
    dose_import = models.ForeignKey(
        "DoseImport",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="doses",
        verbose_name=_("lần nhập tệp"),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người nhập"),
    )
    entered_at = models.DateTimeField(_("nhập lúc"))

    class Meta:
        verbose_name = _("mũi tiêm")
        verbose_name_plural = pgettext_lazy("plural", "mũi tiêm")
        ordering = ["person", "number"]
        constraints = [
            # One record per dose: an import or a correction of the same dose again
            # finds this row instead of adding a second one.
            models.UniqueConstraint(fields=["person", "number"], name="vacc_dose_person_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="vacc_dose_number_positive"),
            models.CheckConstraint(
                condition=Q(source="correction", correction__isnull=False)
                | ~Q(source="correction"),
                name="vacc_dose_correction_named",
            ),
        ]
        indexes = [
            # The unit's list of its doses, newest first.
            models.Index(fields=["unit", "-given_on"], name="vacc_dose_unit_idx"),
        ]

    def __str__(self):
        return f"{self.person} · mũi {self.number}"

    @property
    def source_label(self) -> str:
        if self.source == DoseSource.CORRECTION and self.correction_id:
            return _("Phản ánh %(code)s") % {"code": self.correction.tracking_code}
        return self.get_source_display()


class DoseImport(models.Model):
    """One CSV file a unit uploaded: what it added and what it refused, by row."""

    unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    file_name = models.CharField(_("tên tệp"), max_length=200)
    sha256 = models.CharField(_("vân tay tệp"), max_length=64)
    rows = models.PositiveIntegerField(_("số dòng"), default=0)
    added = models.PositiveIntegerField(_("mũi mới"), default=0)
    unchanged = models.PositiveIntegerField(_("đã có, không đổi"), default=0)
    refused = models.PositiveIntegerField(_("dòng lỗi"), default=0)
    errors = models.JSONField(_("lỗi theo dòng"), default=list, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người nhập"),
    )
    imported_at = models.DateTimeField(_("nhập lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("lần nhập tệp mũi tiêm")
        verbose_name_plural = pgettext_lazy("plural", "lần nhập tệp mũi tiêm")
        ordering = ["-imported_at", "-id"]

    def __str__(self):
        return f"{self.file_name} ({self.imported_at:%d/%m/%Y %H:%M})"


class CertificateStatus(models.TextChoices):
    CURRENT = "current", _("Đang dùng")
    REVOKED = "revoked", _("Đã thu hồi")


class VaccinationCertificate(models.Model):
    """A person's signed EU DCC vaccination certificate, for their latest dose.

    Only the inputs are stored; the HC1 text is issued again from them on each page
    (signatures are deterministic), so it is the same code every time. A new dose or a
    correction issues a new certificate and revokes this one.
    """

    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="vaccination_certificates",
        verbose_name=_("người được cấp"),
    )
    uvci = models.CharField(_("mã chứng nhận (UVCI)"), max_length=80, unique=True)
    dose = models.ForeignKey(
        DoseRecord, on_delete=models.PROTECT, related_name="+", verbose_name=_("mũi tiêm")
    )
    dn = models.PositiveSmallIntegerField(_("mũi số (dn)"))
    sd = models.PositiveSmallIntegerField(_("trên tổng số mũi (sd)"))
    issued_at = models.DateTimeField(_("cấp lúc"))
    valid_days = models.PositiveIntegerField(_("hiệu lực (ngày)"))
    status = models.CharField(
        _("trạng thái"),
        max_length=8,
        choices=CertificateStatus.choices,
        default=CertificateStatus.CURRENT,
    )
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("được thay bằng"),
    )

    class Meta:
        verbose_name = _("chứng nhận tiêm chủng")
        verbose_name_plural = pgettext_lazy("plural", "chứng nhận tiêm chủng")
        ordering = ["-issued_at", "-id"]
        constraints = [
            # One certificate in use per person: a reissue revokes the old one first.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="current"),
                name="vacc_cert_one_current",
            ),
        ]

    def __str__(self):
        return self.uvci


class CorrectionKind(models.TextChoices):
    """The seed's 3 kinds of "Phản ánh thông tin"."""

    DOSE1 = "dose1", _("Tôi đã tiêm mũi 1 nhưng chưa có chứng nhận tiêm")
    DOSE2 = "dose2", _("Tôi đã tiêm mũi 2 nhưng chỉ có chứng nhận tiêm mũi 1")
    BOTH = "both", _("Tôi đã tiêm cả 2 mũi nhưng chưa có chứng nhận tiêm mũi 1 và mũi 2")


#: The doses a request of each kind is about.
KIND_DOSES = {
    CorrectionKind.DOSE1: (1,),
    CorrectionKind.DOSE2: (2,),
    CorrectionKind.BOTH: (1, 2),
}


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ đơn vị tiêm xử lý")
    APPROVED = "approved", _("Đã cập nhật mũi tiêm")
    REJECTED = "rejected", _("Không cập nhật (có lý do)")
    DUPLICATE = "duplicate", _("Trùng với phản ánh trước")


class RejectReason(models.TextChoices):
    NOT_IN_REGISTER = "not_in_register", _("Không tìm thấy mũi tiêm trong sổ tiêm của đơn vị")
    MISMATCH = "mismatch", _("Thông tin không khớp với giấy xác nhận đã tiêm")
    PHOTO_UNREADABLE = "photo_unreadable", _("Ảnh giấy xác nhận không đọc được")
    OTHER_UNIT = "other_unit", _("Mũi tiêm do đơn vị khác thực hiện")
    ALREADY_RECORDED = "already_recorded", _("Mũi tiêm đã có trên hệ thống")
    OTHER = "other", _("Lý do khác")


def tracking_code_new() -> str:
    """ "PA-7K3M-9Q2X": 8 characters of Crockford base 32 (40 bits), easy to read out on
    the phone; the status page also asks for the birth date."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    random_part = "".join(secrets.choice(alphabet) for _ in range(8))
    return f"PA-{random_part[:4]}-{random_part[4:]}"


class CorrectionRequest(models.Model):
    """A citizen's request to add missing doses (seed 001 steps 1-5), sent without
    logging in and confirmed by a code sent to the phone given."""

    tracking_code = models.CharField(
        _("mã tra cứu"), max_length=16, unique=True, default=tracking_code_new, editable=False
    )
    kind = models.CharField(_("loại phản ánh"), max_length=8, choices=CorrectionKind.choices)
    status = models.CharField(
        _("trạng thái"),
        max_length=10,
        choices=CorrectionStatus.choices,
        default=CorrectionStatus.PENDING,
    )
    # The person as the citizen typed them (the request's own record, never edited).
    full_name = models.CharField(_("họ và tên"), max_length=120)
    date_of_birth = models.DateField(_("ngày sinh"))
    sex = models.CharField(_("giới tính"), max_length=8)
    id_type = models.CharField(_("loại giấy tờ"), max_length=16)
    id_number = models.CharField(_("số CCCD / CMND"), max_length=20)
    phone = models.CharField(_("số điện thoại"), max_length=16)
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("phường / xã")
    )
    workplace = models.CharField(_("đơn vị công tác"), max_length=200, blank=True)
    # The person on file it is about: found, or created, when the code is confirmed.
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="vaccination_corrections",
        verbose_name=_("người"),
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tài khoản số điện thoại"),
    )
    photo = models.ForeignKey(
        "uploads.Photo",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ảnh giấy xác nhận đã tiêm"),
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("đơn vị xử lý"),
        limit_choices_to={"role": UNIT_ROLE},
    )
    # Whether the unit was named by the citizen, or is the ward's default unit.
    routed_to_default = models.BooleanField(_("chuyển đơn vị mặc định của phường"), default=False)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("trùng với phản ánh"),
    )
    submitted_at = models.DateTimeField(_("gửi lúc"))
    due_at = models.DateTimeField(_("hạn xử lý"))
    rule_version = models.PositiveIntegerField(_("phiên bản quy định"), default=0)
    escalated_at = models.DateTimeField(_("chuyển Sở Y tế lúc"), null=True, blank=True)
    decided_at = models.DateTimeField(_("xử lý lúc"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người xử lý"),
    )
    reject_reason = models.CharField(
        _("lý do không cập nhật"), max_length=20, choices=RejectReason.choices, blank=True
    )
    decision_note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    # The certificate the approval issued.
    certificate = models.ForeignKey(
        VaccinationCertificate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chứng nhận mới"),
    )

    class Meta:
        verbose_name = _("phản ánh thông tin tiêm chủng")
        verbose_name_plural = pgettext_lazy("plural", "phản ánh thông tin tiêm chủng")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
                name="vacc_corr_reject_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="duplicate") | Q(duplicate_of__isnull=False),
                name="vacc_corr_duplicate_linked",
            ),
        ]
        indexes = [
            # The unit's queue: its pending requests, oldest deadline first.
            models.Index(fields=["unit", "status", "due_at"], name="vacc_corr_queue_idx"),
            # The SLA sweeper: pending requests past their deadline, not yet escalated.
            models.Index(
                fields=["due_at"],
                condition=Q(status="pending", escalated_at__isnull=True),
                name="vacc_corr_overdue_idx",
            ),
        ]

    def __str__(self):
        return self.tracking_code

    @property
    def dose_numbers(self) -> tuple[int, ...]:
        return KIND_DOSES[self.kind]

    @property
    def is_open(self) -> bool:
        return self.status == CorrectionStatus.PENDING


class CorrectionDose(models.Model):
    """One dose as a request states it: its date, vaccine, lot and where it was given."""

    request = models.ForeignKey(CorrectionRequest, on_delete=models.CASCADE, related_name="doses")
    number = models.PositiveSmallIntegerField(_("mũi thứ"))
    given_on = models.DateField(_("ngày tiêm"))
    vaccine = models.CharField(_("vắc xin"), max_length=16, choices=Vaccine.choices)
    lot = models.CharField(_("số lô"), max_length=40)
    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("đơn vị tiêm"),
        limit_choices_to={"role": UNIT_ROLE},
    )
    # A place not in the list (another province, a mobile team): its name as typed.
    unit_name = models.CharField(_("nơi tiêm (ghi tên)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("mũi tiêm trong phản ánh")
        verbose_name_plural = pgettext_lazy("plural", "mũi tiêm trong phản ánh")
        ordering = ["request", "number"]
        constraints = [
            models.UniqueConstraint(fields=["request", "number"], name="vacc_corr_dose_once"),
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | ~Q(unit_name=""), name="vacc_corr_dose_place"
            ),
        ]

    def __str__(self):
        return f"{self.request} · mũi {self.number}"

    @property
    def place(self) -> str:
        return self.unit.name if self.unit_id else self.unit_name
