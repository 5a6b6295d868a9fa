"""Home care of F0 patients (seed 002, Hải Dương's "F0 tại nhà"): who is cared for at
home, their daily reports, the alerts their danger signs raise, and how missed reports
are chased."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

__all__ = [
    "OPEN_CARE_STATUSES",
    "Alert",
    "AlertStatus",
    "CallNote",
    "CareEnd",
    "CareSource",
    "CareStatus",
    "ChaseStep",
    "ChaseStepKind",
    "DailyReport",
    "GuidanceDocument",
    "HomeCarePatient",
    "ReportDraft",
]


class CareSource(models.TextChoices):
    F0 = "f0", _("Khai báo F0 được tiếp nhận")
    SELF = "self", _("Tự đăng ký")
    LAB = "lab", _("Kết quả xét nghiệm dương tính")
    STATION = "station", _("Trạm Y tế đăng ký")


class CareStatus(models.TextChoices):
    PENDING = "pending", _("Chờ Trạm Y tế tiếp nhận")
    ACTIVE = "active", _("Đang chăm sóc tại nhà")
    REJECTED = "rejected", _("Không tiếp nhận")
    ENDED = "ended", _("Đã kết thúc")


# A person has at most one enrolment in these states (a database constraint).
OPEN_CARE_STATUSES = (CareStatus.PENDING, CareStatus.ACTIVE)


class CareEnd(models.TextChoices):
    COMPLETED = "completed", _("Hoàn thành cách ly")
    HOSPITAL = "hospital", _("Chuyển viện")
    DIED = "died", _("Tử vong")


class HomeCarePatient(models.Model):
    """One person cared for at home, from enrolment to the end of care."""

    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="homecare_enrolments",
        verbose_name=_("người bệnh"),
    )
    source = models.CharField(_("nguồn"), max_length=8, choices=CareSource.choices)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=CareStatus.choices, default=CareStatus.PENDING
    )
    # The ward (or village) of the isolation address decides which station follows the
    # patient; a patient registered at a treatment facility is also the facility's.
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("nơi cách ly (phường / thôn)"),
    )
    street = models.CharField(_("số nhà, đường"), max_length=200, blank=True)
    phone = models.CharField(_("số điện thoại nhận tin"), max_length=16)
    facility = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cơ sở điều trị"),
    )
    declaration = models.OneToOneField(
        "declarations.F0Declaration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="homecare",
        verbose_name=_("khai báo F0"),
    )
    # Day 1 of the illness: the positive test (the guidance counts isolation from it).
    onset_date = models.DateField(_("ngày xét nghiệm dương tính"))
    # Self-registration: the screening answers and what in them rules home care out.
    screening = models.JSONField(_("trả lời sàng lọc"), default=dict, blank=True)
    screening_flags = models.JSONField(_("dấu hiệu không đủ điều kiện"), default=list, blank=True)
    registered_at = models.DateTimeField(_("đăng ký lúc"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người đăng ký"),
    )
    decided_at = models.DateTimeField(_("tiếp nhận / từ chối lúc"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cán bộ quyết định"),
    )
    reject_note = models.CharField(_("lý do không tiếp nhận"), max_length=500, blank=True)
    ended_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    end_reason = models.CharField(
        _("lý do kết thúc"), max_length=10, choices=CareEnd.choices, blank=True
    )
    end_note = models.CharField(_("ghi chú kết thúc"), max_length=500, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cán bộ ghi nhận"),
    )
    # Missed days in a row, kept by the chase task; the escalation to the province.
    missed_days = models.PositiveSmallIntegerField(_("số ngày liền không báo cáo"), default=0)
    escalated_at = models.DateTimeField(_("chuyển Sở Y tế lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("người bệnh chăm sóc tại nhà")
        verbose_name_plural = pgettext_lazy("plural", "người bệnh chăm sóc tại nhà")
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=OPEN_CARE_STATUSES),
                name="homecare_one_open_per_person",
                violation_error_code="open_enrolment",
                violation_error_message=_("Người này đang được chăm sóc tại nhà."),
            ),
            models.CheckConstraint(
                name="homecare_ended_has_reason",
                condition=~Q(status="ended") | ~Q(end_reason=""),
            ),
            models.CheckConstraint(
                name="homecare_rejected_has_note",
                condition=~Q(status="rejected") | ~Q(reject_note=""),
            ),
        ]
        indexes = [
            # The station's board and the chase task: the patients in care, by status.
            models.Index(fields=["status", "area"], name="homecare_status_area_idx"),
        ]

    def __str__(self):
        return f"{self.person.full_name} · {self.get_status_display()}"

    def get_absolute_url(self):
        return reverse("declarations:homecare-patient", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CARE_STATUSES

    def illness_day(self, on) -> int:
        """Day of illness on a date: the positive test is day 1."""
        return (on - self.onset_date).days + 1


class DailyReport(models.Model):
    """One health report: the six questions of seed 002, and what the rules made of it."""

    patient = models.ForeignKey(HomeCarePatient, on_delete=models.CASCADE, related_name="reports")
    measured_at = models.DateTimeField(_("đo lúc"))
    # The local (Asia/Ho_Chi_Minh) date of the measurement: "reported today" on the
    # board and in the chase task, without time-zone arithmetic in SQL.
    day = models.DateField(_("ngày"))
    submitted_at = models.DateTimeField(_("gửi lúc"), auto_now_add=True)
    # The account that sent the report (None: typed in by staff from a phone call).
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người gửi"),
    )
    temperature = models.DecimalField(_("nhiệt độ (°C)"), max_digits=3, decimal_places=1)
    spo2 = models.PositiveSmallIntegerField(_("SpO2 (%)"))
    # The first, low reading when the patient was asked to measure again.
    spo2_first = models.PositiveSmallIntegerField(_("SpO2 lần đo đầu (%)"), null=True, blank=True)
    pulse = models.PositiveSmallIntegerField(_("mạch (lần/phút)"))
    breathing_rate = models.PositiveSmallIntegerField(
        _("nhịp thở (lần/phút)"), null=True, blank=True
    )
    short_of_breath = models.BooleanField(_("khó thở, không đếm được nhịp thở"), default=False)
    chest_pain = models.BooleanField(_("đau tức ngực"), default=False)
    symptoms = models.JSONField(_("dấu hiệu khác"), default=list, blank=True)
    systolic = models.PositiveSmallIntegerField(_("huyết áp tâm thu"), null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField(_("huyết áp tâm trương"), null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    # What the rules in force found: the danger-sign codes, and under which version.
    danger_signs = models.JSONField(_("dấu hiệu nguy hiểm"), default=list, blank=True)
    rules_version = models.ForeignKey(
        "rules.RuleVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("theo quy định"),
    )
    # The form's one-time key: a second submit of the same page finds this row.
    submission_key = models.UUIDField(unique=True)

    class Meta:
        verbose_name = _("báo cáo sức khoẻ")
        verbose_name_plural = pgettext_lazy("plural", "báo cáo sức khoẻ")
        ordering = ["-measured_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="homecare_report_spo2_range",
                condition=Q(spo2__gte=50, spo2__lte=100),
                violation_error_code="spo2_range",
                violation_error_message=_("SpO2 phải từ 50 đến 100%%."),
            ),
            models.CheckConstraint(
                name="homecare_report_temperature_range",
                condition=Q(temperature__gte=34, temperature__lte=43),
                violation_error_code="temperature_range",
                violation_error_message=_("Nhiệt độ phải từ 34 đến 43 °C."),
            ),
            models.CheckConstraint(
                name="homecare_report_breathing_given",
                condition=Q(breathing_rate__isnull=False) | Q(short_of_breath=True),
                violation_error_code="breathing_required",
                violation_error_message=_("Nhập nhịp thở, hoặc chọn “khó thở, không đếm được”."),
            ),
        ]
        indexes = [
            # A patient's history, newest first; "reported today" (patient, day).
            models.Index(fields=["patient", "day", "measured_at"], name="homecare_report_day_idx"),
        ]

    def __str__(self):
        return f"{self.patient_id} · {self.measured_at:%Y-%m-%d %H:%M}"

    @property
    def is_danger(self) -> bool:
        return bool(self.danger_signs)


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Chưa xử lý")
    ACKNOWLEDGED = "acknowledged", _("Đã xử lý")


class Alert(models.Model):
    """Danger signs in a report: open until a staff user writes what was done."""

    patient = models.ForeignKey(HomeCarePatient, on_delete=models.CASCADE, related_name="alerts")
    report = models.OneToOneField(
        DailyReport, on_delete=models.CASCADE, related_name="alert", verbose_name=_("báo cáo")
    )
    signs = models.JSONField(_("dấu hiệu"), default=list)
    rules_version = models.ForeignKey(
        "rules.RuleVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("theo quy định"),
    )
    status = models.CharField(
        _("trạng thái"), max_length=14, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    opened_at = models.DateTimeField(_("báo lúc"))
    sent_count = models.PositiveSmallIntegerField(_("số lần đã báo"), default=0)
    last_sent_at = models.DateTimeField(_("báo gần nhất lúc"), null=True, blank=True)
    next_send_at = models.DateTimeField(_("báo lại lúc"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("xử lý lúc"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cán bộ xử lý"),
    )
    action_note = models.CharField(_("đã xử lý thế nào"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("cảnh báo nguy hiểm")
        verbose_name_plural = pgettext_lazy("plural", "cảnh báo nguy hiểm")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="homecare_alert_ack_has_note",
                condition=~Q(status="acknowledged")
                | (~Q(action_note="") & Q(acknowledged_at__isnull=False)),
            ),
        ]
        indexes = [
            # The re-send task: open alerts that are due.
            models.Index(
                fields=["next_send_at"],
                condition=Q(status="open"),
                name="homecare_alert_due_idx",
            ),
            # The board's open alerts per patient.
            models.Index(
                fields=["patient"], condition=Q(status="open"), name="homecare_alert_open_idx"
            ),
        ]

    def __str__(self):
        return f"{self.patient_id} · {self.opened_at:%Y-%m-%d %H:%M} · {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status == AlertStatus.OPEN


class ChaseStepKind(models.TextChoices):
    REMINDER = "reminder", _("Đã nhắn tin nhắc")
    CALL_LIST = "call_list", _("Vào danh sách gọi điện")
    ESCALATED = "escalated", _("Đã báo Sở Y tế")


class ChaseStep(models.Model):
    """One step of chasing a missing report on one day. The unique constraint is what
    makes the chase task idempotent: a step is taken (and its SMS queued) once."""

    patient = models.ForeignKey(HomeCarePatient, on_delete=models.CASCADE, related_name="chases")
    day = models.DateField(_("ngày"))
    kind = models.CharField(_("bước"), max_length=10, choices=ChaseStepKind.choices)
    created_at = models.DateTimeField(_("lúc"), auto_now_add=True)
    rules_version = models.ForeignKey(
        "rules.RuleVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("theo quy định"),
    )

    class Meta:
        verbose_name = _("nhắc báo cáo")
        verbose_name_plural = pgettext_lazy("plural", "nhắc báo cáo")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "day", "kind"], name="homecare_chase_once_per_day"
            ),
        ]

    def __str__(self):
        return f"{self.patient_id} · {self.day} · {self.kind}"


class CallNote(models.Model):
    """What the station did about a patient: a call, a visit, no answer."""

    patient = models.ForeignKey(
        HomeCarePatient, on_delete=models.CASCADE, related_name="call_notes"
    )
    created_at = models.DateTimeField(_("lúc"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cán bộ"),
    )
    note = models.CharField(_("ghi chú"), max_length=1000)

    class Meta:
        verbose_name = _("ghi chú gọi điện")
        verbose_name_plural = pgettext_lazy("plural", "ghi chú gọi điện")
        ordering = ["-created_at", "-id"]
        indexes = [
            # "Called today?" on the board and the patient's notes, newest first.
            models.Index(fields=["patient", "-created_at"], name="homecare_call_time_idx"),
        ]

    def __str__(self):
        return f"{self.patient_id} · {self.created_at:%Y-%m-%d %H:%M}"


class ReportDraft(models.Model):
    """A half-filled daily report, saved as the patient (or a relative) types."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    patient = models.ForeignKey(HomeCarePatient, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bản nháp báo cáo sức khoẻ")
        verbose_name_plural = pgettext_lazy("plural", "bản nháp báo cáo sức khoẻ")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "patient"], name="homecare_draft_one_per_patient"
            )
        ]

    def __str__(self):
        return f"draft {self.account_id}/{self.patient_id}"


class GuidanceDocument(models.Model):
    """A guidance page for patients (seed 002 "tài liệu hướng dẫn"). Pages without a
    province are the portal's own; a province admin publishes the province's pages."""

    province = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tỉnh"),
        help_text=_("Để trống: tài liệu chung cho mọi tỉnh."),
    )
    slug = models.SlugField(_("đường dẫn"), max_length=80)
    title = models.CharField(_("tiêu đề"), max_length=200)
    summary = models.CharField(_("tóm tắt"), max_length=300, blank=True)
    body = models.TextField(
        _("nội dung"),
        help_text=_(
            "Văn bản thường. Dòng trống tách đoạn; dòng bắt đầu bằng “- ” là một ý liệt kê; "
            "dòng bắt đầu bằng “## ” là tiêu đề nhỏ."
        ),
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=100)
    is_published = models.BooleanField(_("đã đăng"), default=False)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người cập nhật"),
    )

    class Meta:
        verbose_name = _("tài liệu hướng dẫn")
        verbose_name_plural = pgettext_lazy("plural", "tài liệu hướng dẫn")
        ordering = ["order", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "slug"],
                condition=Q(province__isnull=False),
                name="homecare_guidance_slug_per_province",
                violation_error_code="slug_taken",
                violation_error_message=_("Đã có tài liệu với đường dẫn này."),
            ),
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(province__isnull=True),
                name="homecare_guidance_slug_national",
                violation_error_code="slug_taken",
                violation_error_message=_("Đã có tài liệu với đường dẫn này."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("declarations:homecare-guidance", kwargs={"slug": self.slug})
