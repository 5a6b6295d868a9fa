"""Health declarations (in-province "KBYT") and entry declarations ("khai báo vào tỉnh").

Both are filed by a citizen account for a person it manages, or typed in by staff from a
paper form (`entered_by_staff`). Each carries its own signed KB1 QR. An entry declaration
also carries the quarantine policy computed for its origin, with the rule version it came
from, so a change of policy can be recomputed and its effect shown.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from khaibao.lib.normalize import phone_for_display
from khaibao.people.models import DeclaredForPerson

from ..quarantine.policy import Exception_, Measure

#: The most COVID-19 doses a person may declare themself (primary series and boosters).
MAX_VACCINE_DOSES = 6


class Symptom(models.TextChoices):
    FEVER = "fever", _("Sốt")
    COUGH = "cough", _("Ho")
    SHORT_BREATH = "short_breath", _("Khó thở")
    SORE_THROAT = "sore_throat", _("Đau họng")
    TASTE_SMELL = "taste_smell", _("Mất vị giác hoặc khứu giác")
    FATIGUE = "fatigue", _("Mệt mỏi, đau người")
    DIARRHOEA = "diarrhoea", _("Tiêu chảy")


class Exposure(models.TextChoices):
    NO = "no", _("Không")
    YES = "yes", _("Có")
    UNSURE = "unsure", _("Không rõ")


class TravelMeans(models.TextChoices):
    AIR = "air", _("Máy bay")
    TRAIN = "train", _("Tàu hoả")
    COACH = "coach", _("Xe khách")
    CAR = "car", _("Ô tô")
    MOTORBIKE = "motorbike", _("Xe máy")


class Source(models.TextChoices):
    """Where a vaccination or test status comes from."""

    VERIFIED = "verified", _("Đã xác thực (dữ liệu của hệ thống)")
    SELF = "self", _("Tự khai")


class TestOutcome(models.TextChoices):
    NONE = "", _("Chưa xét nghiệm gần đây")
    NEGATIVE = "negative", _("Âm tính")
    POSITIVE = "positive", _("Dương tính")


def _access_token() -> str:
    return secrets.token_urlsafe(18)


class SignedDeclaration(DeclaredForPerson):
    """What both kinds share: the public id, the one-time form key, the QR and the link
    sent by SMS for paper declarations."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The form's one-time key: a second submit of the same page finds these rows.
    submission_key = models.UUIDField(editable=False)
    contact_phone = models.CharField(_("số điện thoại liên hệ"), max_length=16, blank=True)
    qr_text = models.TextField(_("mã QR"), editable=False)
    qr_cert_id = models.CharField(_("mã chứng nhận của QR"), max_length=64, editable=False)
    qr_expires_at = models.DateTimeField(_("QR hết hạn lúc"), editable=False)
    # The unguessable link a person without a login gets by SMS (paper declarations).
    access_token = models.CharField(max_length=32, unique=True, default=_access_token)

    class Meta:
        abstract = True

    @property
    def contact_phone_display(self) -> str:
        return phone_for_display(self.contact_phone)


class HealthDeclaration(SignedDeclaration):
    """An in-province health declaration: symptoms, contact with a case and travel in the
    last days (the rule's window); it may be filed again at any time."""

    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("nơi ở hiện tại"),
    )
    street_address = models.CharField(_("số nhà, đường"), max_length=200, blank=True)
    symptoms = models.JSONField(_("triệu chứng"), default=list, blank=True)
    other_symptoms = models.CharField(_("triệu chứng khác"), max_length=300, blank=True)
    contact_with_case = models.CharField(
        _("tiếp xúc với ca bệnh"), max_length=8, choices=Exposure.choices
    )
    travelled = models.BooleanField(_("có đi khỏi tỉnh"), default=False)
    travel_places = models.CharField(_("nơi đã đến"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("khai báo y tế trong tỉnh")
        verbose_name_plural = pgettext_lazy("plural", "khai báo y tế trong tỉnh")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One declaration per person per submitted page (a double tap files once).
            models.UniqueConstraint(
                fields=["submission_key", "person"], name="health_decl_submission_unique"
            ),
            models.CheckConstraint(
                condition=Q(travelled=True) | Q(travel_places=""),
                name="health_decl_places_only_when_travelled",
            ),
        ]
        indexes = [
            # The person's last declaration (citizen page, checkpoint look-up).
            models.Index(fields=["person", "-created_at"], name="health_decl_person_time_idx"),
            # The ward's declarations of a day (staff list, reports).
            models.Index(fields=["area", "-created_at"], name="health_decl_area_time_idx"),
        ]

    def __str__(self):
        return f"KBYT {self.person} · {self.created_at:%d/%m/%Y %H:%M}"

    def get_absolute_url(self):
        return reverse("checkpoints:health-detail", args=[self.public_id])

    @property
    def has_symptoms(self) -> bool:
        return bool(self.symptoms or self.other_symptoms)


class EntryDeclaration(SignedDeclaration):
    """An entry declaration: where the person comes from (down to the village or a point),
    how and when they arrive, where they go in the province, their vaccination and test
    status, and the quarantine policy that applies to them."""

    # Where from: the most specific area the portal knows (ward, village or point), and
    # the village typed by hand where the ward's villages are not loaded.
    origin_area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("nơi đi"),
    )
    origin_village_text = models.CharField(
        _("thôn / tổ nơi đi (tự nhập)"), max_length=120, blank=True
    )
    origin_street = models.CharField(_("địa chỉ nơi đi"), max_length=200, blank=True)
    departed_on = models.DateField(_("ngày khởi hành"))
    arrival_on = models.DateField(_("ngày đến"))
    means = models.CharField(_("phương tiện"), max_length=12, choices=TravelMeans.choices)
    vehicle_number = models.CharField(
        _("số hiệu chuyến bay, tàu, biển số xe"), max_length=20, blank=True
    )
    checkpoint = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chốt kiểm soát"),
    )
    destination_area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("nơi đến"),
    )
    # The ward of destination_area, kept for the station's scoped list of arrivals.
    destination_ward = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("phường / xã nơi đến"),
        editable=False,
    )
    destination_street = models.CharField(_("số nhà, đường nơi đến"), max_length=200, blank=True)
    # Vaccination and recent test: from the portal's records (verified) where it has
    # them, as the person said (self) where it does not.
    vaccination_source = models.CharField(
        _("nguồn thông tin tiêm chủng"), max_length=8, choices=Source.choices
    )
    vaccine_doses = models.PositiveSmallIntegerField(_("số mũi đã tiêm"), default=0)
    last_dose_on = models.DateField(_("ngày tiêm mũi cuối"), null=True, blank=True)
    test_source = models.CharField(
        _("nguồn thông tin xét nghiệm"), max_length=8, choices=Source.choices
    )
    test_outcome = models.CharField(
        _("kết quả xét nghiệm gần nhất"),
        max_length=8,
        choices=TestOutcome.choices,
        blank=True,
    )
    test_sampled_on = models.DateField(_("ngày lấy mẫu"), null=True, blank=True)
    # The policy that applies, as computed with the rule version it came from.
    policy_version = models.ForeignKey(
        "rules.RuleVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("phiên bản chính sách"),
    )
    policy_area_code = models.CharField(_("vùng áp dụng"), max_length=32, blank=True)
    policy_measure = models.CharField(_("biện pháp"), max_length=20, choices=Measure.choices)
    policy_days = models.PositiveSmallIntegerField(_("số ngày"), default=0)
    policy_test_on_arrival = models.BooleanField(_("xét nghiệm khi đến"), default=False)
    policy_exception = models.CharField(
        _("ngoại lệ"), max_length=16, choices=Exception_.choices, blank=True
    )
    policy_text = models.TextField(_("hướng dẫn cho người dân"))
    policy_ends_on = models.DateField(_("kết thúc biện pháp"), null=True, blank=True)
    policy_computed_at = models.DateTimeField(_("tính lúc"))
    # The last change of outcome (a new policy), for the station's list and the citizen.
    policy_changed_at = models.DateTimeField(_("chính sách đổi lúc"), null=True, blank=True)
    previous_policy_summary = models.CharField(_("chính sách trước"), max_length=200, blank=True)
    # The destination ward's follow-up.
    follow_up_done_at = models.DateTimeField(_("đã theo dõi lúc"), null=True, blank=True)
    follow_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cán bộ theo dõi"),
    )
    follow_up_note = models.CharField(_("ghi chú theo dõi"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("khai báo vào tỉnh")
        verbose_name_plural = pgettext_lazy("plural", "khai báo vào tỉnh")
        ordering = ["-arrival_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission_key", "person"], name="entry_decl_submission_unique"
            ),
            models.CheckConstraint(
                condition=Q(arrival_on__gte=models.F("departed_on")),
                name="entry_decl_arrival_after_departure",
            ),
        ]
        indexes = [
            # The station's arrivals: its ward, by arrival day.
            models.Index(
                fields=["destination_ward", "-arrival_on"], name="entry_decl_ward_arrival_idx"
            ),
            # The person's declarations (citizen page, checkpoint look-up).
            models.Index(fields=["person", "-created_at"], name="entry_decl_person_time_idx"),
            # The recompute after a policy change: arrivals still ahead, quarantines still
            # running.
            models.Index(fields=["arrival_on"], name="entry_decl_arrival_idx"),
            models.Index(fields=["policy_ends_on"], name="entry_decl_policy_end_idx"),
        ]

    def __str__(self):
        return f"{self.person} → {self.destination_area} · {self.arrival_on:%d/%m/%Y}"

    def get_absolute_url(self):
        return reverse("checkpoints:entry-detail", args=[self.public_id])

    @property
    def origin_text(self) -> str:
        """ "Thôn Đông, Xã Yên Bài, Thành phố Hà Nội": the typed village first if any."""
        from khaibao.areas.models import Area

        codes = [code for code in self.origin_area.path.split("/") if code]
        names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
        parts = [names[code] for code in reversed(codes) if code in names]
        if self.origin_village_text:
            parts.insert(0, self.origin_village_text)
        return ", ".join(parts)
