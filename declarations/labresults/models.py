"""Lab results (seed 004, HCMC returning test results on the health-declaration system).

A lab is an accounts.Unit with role "lab"; its staff see only its results. A result is
keyed by the lab's own sample id, so the same result sent again (a form resubmitted, a
CSV uploaded twice, an API batch retried) changes nothing.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LabTestType(models.TextChoices):
    """The two test types of seed 004, with their EU DCC `tt` codes (test-type.json)."""

    RAPID = "rapid", _("Test nhanh kháng nguyên")
    PCR = "pcr", _("RT-PCR")


#: EU DCC value set test-type (valuesets 1.3.0).
DCC_TEST_TYPE = {LabTestType.RAPID: "LP217198-3", LabTestType.PCR: "LP6464-4"}


class TestOutcome(models.TextChoices):
    POSITIVE = "positive", _("Dương tính")
    NEGATIVE = "negative", _("Âm tính")
    INVALID = "invalid", _("Không xác định (mẫu không đạt)")


#: EU DCC value set test-result; an invalid test gets no certificate.
DCC_TEST_RESULT = {TestOutcome.POSITIVE: "260373001", TestOutcome.NEGATIVE: "260415000"}


class ResultSource(models.TextChoices):
    FORM = "form", _("Nhập trên trang quản trị")
    CSV = "csv", _("Tải tệp CSV")
    API = "api", _("Liên thông (API)")


class ResultStatus(models.TextChoices):
    CURRENT = "current", _("Có hiệu lực")
    CORRECTED = "corrected", _("Đã được đính chính")


class LabResult(models.Model):
    """One sample's result. A correction by the lab is a new row that replaces this one
    (`replaced_by`); this one's certificate is revoked."""

    lab = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("đơn vị xét nghiệm"),
        limit_choices_to={"role": "lab"},
    )
    sample_id = models.CharField(_("mã mẫu của đơn vị"), max_length=64)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="lab_results",
        verbose_name=_("người được xét nghiệm"),
    )
    # The ward of the person's address: the station that follows a positive result.
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("nơi ở")
    )
    phone = models.CharField(
        _("số điện thoại khi lấy mẫu"),
        max_length=16,
        help_text=_("Người dân đăng nhập bằng số này để xem kết quả."),
    )
    test_type = models.CharField(_("loại xét nghiệm"), max_length=8, choices=LabTestType.choices)
    outcome = models.CharField(_("kết quả"), max_length=10, choices=TestOutcome.choices)
    sampled_at = models.DateTimeField(_("lấy mẫu lúc"))
    resulted_at = models.DateTimeField(_("có kết quả lúc"))
    entered_at = models.DateTimeField(_("nhập vào hệ thống lúc"))
    # Entered more than the rule's hours after the result (the 3-hour rule of seed 004).
    is_late = models.BooleanField(_("nhập trễ"), default=False)
    delay_seconds = models.PositiveIntegerField(_("độ trễ (giây)"), default=0)
    source = models.CharField(_("nguồn"), max_length=8, choices=ResultSource.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người nhập"),
    )
    token = models.ForeignKey(
        "LabToken",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("khoá liên thông"),
    )
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=ResultStatus.choices, default=ResultStatus.CURRENT
    )
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("đính chính cho"),
    )
    correction_note = models.CharField(_("lý do đính chính"), max_length=300, blank=True)
    # The EU DCC certificate id (ci) of a positive or negative result; "" for invalid.
    certificate_id = models.CharField(_("mã chứng nhận"), max_length=80, blank=True)
    # The F0 case a positive result opened, or the citizen's own declaration it joined.
    case = models.ForeignKey(
        "declarations.F0Declaration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lab_results",
        verbose_name=_("ca F0"),
    )
    rules_version = models.ForeignKey(
        "rules.RuleVersion", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("kết quả xét nghiệm")
        verbose_name_plural = pgettext_lazy("plural", "kết quả xét nghiệm")
        ordering = ["-resulted_at", "-id"]
        constraints = [
            # The lab's own sample id is the key: sending it again changes nothing.
            models.UniqueConstraint(
                fields=["lab", "sample_id"],
                condition=Q(status="current"),
                name="labresult_one_current_per_sample",
                violation_error_code="sample_exists",
                violation_error_message=_("Đơn vị đã gửi kết quả cho mã mẫu này."),
            ),
            models.CheckConstraint(
                name="labresult_result_after_sample",
                condition=Q(resulted_at__gte=models.F("sampled_at")),
                violation_error_code="result_before_sample",
                violation_error_message=_("Giờ có kết quả phải sau giờ lấy mẫu."),
            ),
        ]
        indexes = [
            # A lab's list and timeliness page: its results by time.
            models.Index(fields=["lab", "-resulted_at"], name="labresult_lab_time_idx"),
            # A ward's results (station scope) by time.
            models.Index(fields=["area", "-resulted_at"], name="labresult_area_time_idx"),
            # The citizen's results: by the phone captured at the sample.
            models.Index(fields=["phone"], name="labresult_phone_idx"),
            models.Index(fields=["person", "-resulted_at"], name="labresult_person_time_idx"),
        ]

    def __str__(self):
        return f"{self.sample_id} ({self.get_outcome_display()})"

    @property
    def has_certificate(self) -> bool:
        return bool(self.certificate_id)


def token_digest(secret: str) -> str:
    """How a token is stored: its SHA-256 (a token is 32 random bytes, so a fast hash is
    enough; what matters is that the database never holds the token itself)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class LabToken(models.Model):
    """A lab's key to the result API. Shown once when made; stored hashed; a lab may
    have several active at once, so that it can rotate them; revoked, it answers 401."""

    lab = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("đơn vị xét nghiệm"),
        limit_choices_to={"role": "lab"},
    )
    name = models.CharField(_("tên khoá"), max_length=80, help_text=_("Ví dụ: Máy chủ LIS 2026"))
    # The first characters, shown in lists so that a lab can tell its keys apart.
    prefix = models.CharField(_("đầu khoá"), max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người thu hồi"),
    )

    class Meta:
        verbose_name = _("khoá liên thông")
        verbose_name_plural = pgettext_lazy("plural", "khoá liên thông")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class LabImport(models.Model):
    """One CSV upload: previewed (each row's errors by row number), then saved. The
    rows are kept as uploaded, so the preview and the saving read the same data."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Đang xem trước")
        SAVED = "saved", _("Đã lưu")

    lab = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    file_name = models.CharField(_("tên tệp"), max_length=200)
    file_sha256 = models.CharField(max_length=64, editable=False)
    rows = models.JSONField(default=list, editable=False)
    status = models.CharField(
        _("trạng thái"), max_length=8, choices=Status.choices, default=Status.PREVIEW
    )
    created_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    saved_at = models.DateTimeField(_("lưu lúc"), null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("tệp kết quả tải lên")
        verbose_name_plural = pgettext_lazy("plural", "tệp kết quả tải lên")
        ordering = ["-created_at"]

    def __str__(self):
        return self.file_name
