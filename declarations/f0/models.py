"""F0 declarations: a citizen declares a positive test; the ward health station decides;
isolation completion is declared and certified (seed 000, HCMC "KhaiBaoF0")."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from khaibao.people.models import DeclaredForPerson, Relationship
from khaibao.uploads.models import PhotoKind

from ..kinds import TEST_RESULT_PHOTO


class TestType(models.TextChoices):
    RAPID = "rapid", _("Test nhanh kháng nguyên")
    PCR = "pcr", _("RT-PCR")


class F0Status(models.TextChoices):
    SUBMITTED = "submitted", _("Chờ Trạm Y tế xác nhận")
    ACCEPTED = "accepted", _("Đã được tiếp nhận")
    REJECTED = "rejected", _("Bị từ chối, cần bổ sung")
    COMPLETION_REQUESTED = "completion_requested", _("Đã khai báo hoàn thành cách ly")
    COMPLETED = "completed", _("Đã hoàn thành cách ly")


# A person has at most one declaration in these states (a database constraint).
OPEN_STATUSES = (
    F0Status.SUBMITTED,
    F0Status.ACCEPTED,
    F0Status.REJECTED,
    F0Status.COMPLETION_REQUESTED,
)

#: The F0 form's photo fields (the declaration's and the draft's) and the kind each stores.
FORM_PHOTOS = {"test_photo": TEST_RESULT_PHOTO, "id_photo": PhotoKind.ID_DOCUMENT}


class CaseSource(models.TextChoices):
    """How the case came: the citizen declared it, or a lab's positive result opened it
    (then there are no photos and nobody "declared" it)."""

    CITIZEN = "citizen", _("Người dân tự khai báo")
    LAB = "lab", _("Kết quả xét nghiệm dương tính của đơn vị xét nghiệm")


class RejectReason(models.TextChoices):
    PHOTO_UNREADABLE = "photo_unreadable", _("Ảnh không rõ, không đọc được")
    TEST_PHOTO_INVALID = (
        "test_invalid",
        _("Ảnh kết quả test không có họ tên, ngày test hoặc không đúng"),
    )
    ID_MISMATCH = "id_mismatch", _("Giấy tờ tuỳ thân không khớp với thông tin khai báo")
    OUT_OF_AREA = "out_of_area", _("Địa chỉ cách ly không thuộc phường / xã này")
    DUPLICATE = "duplicate", _("Trùng với khai báo khác")
    OTHER = "other", _("Lý do khác")


class VaccineName(models.TextChoices):
    ASTRAZENECA = "astrazeneca", "AstraZeneca"
    PFIZER = "pfizer", "Pfizer-BioNTech"
    MODERNA = "moderna", "Moderna"
    SINOPHARM = "sinopharm", "Vero Cell (Sinopharm)"
    SPUTNIK = "sputnik", "Sputnik V"
    ABDALA = "abdala", "Abdala"
    JANSSEN = "janssen", "Janssen"
    OTHER = "other", _("Vắc xin khác")


class Symptom(models.TextChoices):
    FEVER = "fever", _("Sốt")
    COUGH = "cough", _("Ho")
    SORE_THROAT = "sore_throat", _("Đau họng")
    SHORT_BREATH = "short_breath", _("Khó thở")
    CHEST_PAIN = "chest_pain", _("Đau tức ngực")
    LOSS_OF_SMELL = "loss_of_smell", _("Mất vị giác / khứu giác")
    FATIGUE = "fatigue", _("Mệt mỏi, đau người")
    DIARRHOEA = "diarrhoea", _("Tiêu chảy")


class Condition(models.TextChoices):
    DIABETES = "diabetes", _("Đái tháo đường")
    HYPERTENSION = "hypertension", _("Tăng huyết áp")
    HEART = "heart", _("Bệnh tim mạch")
    LUNG = "lung", _("Bệnh phổi mạn tính, hen")
    KIDNEY = "kidney", _("Bệnh thận mạn")
    CANCER = "cancer", _("Ung thư")
    IMMUNE = "immune", _("Suy giảm miễn dịch")
    OBESITY = "obesity", _("Béo phì")


class F0Declaration(DeclaredForPerson):
    """One positive test declared for one person, and what the station made of it."""

    # Null for a case a lab's positive result opened (source "lab").
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người khai"),
    )
    relationship = models.CharField(
        _("quan hệ với người khai"), max_length=12, choices=Relationship.choices, blank=True
    )
    source = models.CharField(
        _("nguồn"), max_length=8, choices=CaseSource.choices, default=CaseSource.CITIZEN
    )
    status = models.CharField(
        _("trạng thái"), max_length=24, choices=F0Status.choices, default=F0Status.SUBMITTED
    )
    # The ward of the isolation address decides which station handles the case.
    isolation_area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("nơi cách ly (phường / thôn)"),
    )
    isolation_street = models.CharField(_("số nhà, đường nơi cách ly"), max_length=200)
    contact_phone = models.CharField(_("số điện thoại liên hệ"), max_length=16)
    guardian_name = models.CharField(_("người giám hộ (dưới 15 tuổi)"), max_length=120, blank=True)
    test_date = models.DateField(_("ngày test"))
    test_type = models.CharField(_("loại test"), max_length=8, choices=TestType.choices)
    test_photo = models.ForeignKey(
        "uploads.Photo",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ảnh kết quả test"),
    )
    id_photo = models.ForeignKey(
        "uploads.Photo",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ảnh giấy tờ tuỳ thân"),
    )
    vaccine_doses = models.PositiveSmallIntegerField(_("số mũi vắc xin đã tiêm"), default=0)
    last_dose_date = models.DateField(_("ngày tiêm mũi gần nhất"), null=True, blank=True)
    last_vaccine = models.CharField(
        _("vắc xin mũi gần nhất"), max_length=16, choices=VaccineName.choices, blank=True
    )
    symptoms = models.JSONField(_("triệu chứng"), default=list, blank=True)
    conditions = models.JSONField(_("bệnh nền"), default=list, blank=True)
    other_conditions = models.CharField(_("bệnh nền khác"), max_length=200, blank=True)
    pregnant = models.BooleanField(_("đang mang thai"), default=False)
    # What the checks found, for the station to see (never a reason to refuse a form).
    cccd_mismatch = models.JSONField(_("CCCD không khớp"), default=list, blank=True)
    reused_photo_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ảnh test trùng với khai báo"),
    )
    case_code = models.CharField(_("mã F0"), max_length=32, unique=True, null=True, blank=True)
    reject_reason = models.CharField(
        _("lý do từ chối"), max_length=20, choices=RejectReason.choices, blank=True
    )
    reject_note = models.CharField(_("ghi chú lý do"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(_("gửi lúc"))
    decided_at = models.DateTimeField(_("quyết định lúc"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cán bộ quyết định"),
    )
    reminded_at = models.DateTimeField(_("nhắc Trạm lúc"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("chuyển Sở Y tế lúc"), null=True, blank=True)
    # Isolation completion.
    completion_test_date = models.DateField(_("ngày test âm tính"), null=True, blank=True)
    completion_photo = models.ForeignKey(
        "uploads.Photo",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ảnh test âm tính"),
    )
    completion_requested_at = models.DateTimeField(_("khai hoàn thành lúc"), null=True, blank=True)
    completion_refusal = models.CharField(
        _("lý do chưa xác nhận hoàn thành"), max_length=500, blank=True
    )
    completed_at = models.DateTimeField(_("hoàn thành cách ly lúc"), null=True, blank=True)
    certificate_id = models.CharField(_("mã giấy chứng nhận"), max_length=64, blank=True)
    # The form's one-time key: a second submit of the same page finds this row.
    submission_key = models.UUIDField(unique=True)

    class Meta:
        verbose_name = _("khai báo F0")
        verbose_name_plural = pgettext_lazy("plural", "khai báo F0")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=OPEN_STATUSES),
                name="f0_one_open_per_person",
                violation_error_code="open_declaration",
                violation_error_message=_("Người này đang có một khai báo F0 chưa kết thúc."),
            ),
            models.CheckConstraint(
                name="f0_accepted_has_case_code",
                condition=~Q(status__in=["accepted", "completion_requested", "completed"])
                | Q(case_code__isnull=False),
            ),
            models.CheckConstraint(
                # A citizen's declaration has its photos and its declarer; a lab's case
                # has the lab result instead.
                name="f0_citizen_declaration_complete",
                condition=~Q(source="citizen")
                | Q(test_photo__isnull=False, id_photo__isnull=False, declared_by__isnull=False),
            ),
            models.CheckConstraint(
                name="f0_rejected_has_reason",
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
            ),
        ]
        indexes = [
            # The station's queue: its area's declarations by status, oldest first.
            models.Index(fields=["status", "submitted_at"], name="f0_status_time_idx"),
            # "Earlier declarations of this person" on the review page; the open check.
            models.Index(fields=["person", "-submitted_at"], name="f0_person_time_idx"),
        ]

    def __str__(self):
        return f"{self.case_code or _('F0 chờ xác nhận')} · {self.person.full_name}"

    def get_absolute_url(self):
        return reverse("declarations:status", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class F0Event(models.Model):
    """Each transition of a declaration, shown to the citizen as its history."""

    declaration = models.ForeignKey(F0Declaration, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=24, choices=F0Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    # The version of the F0 timing rules the transition was decided under (the test-date
    # window at submission, the decision hours at escalation, the isolation days at
    # completion): a rule changed later never rewrites why something was decided.
    rules_version = models.ForeignKey(
        "rules.RuleVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("theo quy định"),
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("lịch sử khai báo F0")
        verbose_name_plural = pgettext_lazy("plural", "lịch sử khai báo F0")

    def __str__(self):
        return f"{self.declaration_id} → {self.status}"


class F0Draft(models.Model):
    """A half-filled declaration, saved as the citizen goes (seed 000's "token" error
    lost them). One per account and person; photos are attached as soon as uploaded."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    test_photo = models.ForeignKey(
        "uploads.Photo", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    id_photo = models.ForeignKey(
        "uploads.Photo", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submission_key = models.UUIDField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bản nháp khai báo F0")
        verbose_name_plural = pgettext_lazy("plural", "bản nháp khai báo F0")
        constraints = [
            models.UniqueConstraint(fields=["account", "person"], name="f0_draft_one_per_person")
        ]

    def __str__(self):
        return f"draft {self.account_id}/{self.person_id}"
