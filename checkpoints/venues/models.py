"""Venues and QR check-ins (seed 003, §IV).

A venue (a shop, office, school, market…) is registered by its manager after an OTP
login and approved by its ward's station; its poster carries a signed KB1 code inside a
portal URL, so a phone's own camera opens the check-in page. A check-in is one person at
one venue from a time until a check-out (or none). Check-ins are the portal's largest
table: each row is small, and the two reads it must serve (a person's last check-in, a
venue's check-ins in a time window) each have an index that reaches the rows directly,
so they cost the same at 10 million rows as at 10 thousand. Old rows are deleted by the
retention rule.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class VenueKind(models.TextChoices):
    SHOP = "shop", _("Cửa hàng, siêu thị")
    MARKET = "market", _("Chợ")
    OFFICE = "office", _("Cơ quan, văn phòng")
    SCHOOL = "school", _("Trường học")
    RESTAURANT = "restaurant", _("Nhà hàng, quán ăn, cà phê")
    FACTORY = "factory", _("Nhà máy, xí nghiệp")
    HEALTH = "health", _("Cơ sở y tế, nhà thuốc")
    TRANSPORT = "transport", _("Bến xe, nhà ga, sân bay")
    WORSHIP = "worship", _("Cơ sở tôn giáo")
    OTHER = "other", _("Khác")


class VenueStatus(models.TextChoices):
    PENDING = "pending", _("Chờ Trạm Y tế duyệt")
    APPROVED = "approved", _("Đã duyệt")
    REJECTED = "rejected", _("Không duyệt")


def _poster_token() -> str:
    return secrets.token_urlsafe(12)


class Venue(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("tên địa điểm"), max_length=200)
    kind = models.CharField(_("loại địa điểm"), max_length=16, choices=VenueKind.choices)
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("phường / xã, thôn"),
    )
    # The ward of `area`: the station that approves the venue and reads its check-ins.
    ward = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("phường / xã"),
    )
    street_address = models.CharField(_("số nhà, đường"), max_length=200)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="managed_venues",
        verbose_name=_("người quản lý"),
    )
    contact_phone = models.CharField(_("số điện thoại liên hệ"), max_length=16)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=VenueStatus.choices, default=VenueStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cán bộ duyệt"),
    )
    decided_at = models.DateTimeField(_("duyệt lúc"), null=True, blank=True)
    rejection_reason = models.CharField(_("lý do không duyệt"), max_length=300, blank=True)
    # The signed KB1 "venue" code of the poster (issued at approval).
    qr_text = models.TextField(_("mã QR"), blank=True, editable=False)
    qr_cert_id = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("đăng ký lúc"), auto_now_add=True)
    # The form's one-time key: a second submit of the same page finds this row.
    submission_key = models.UUIDField(unique=True, editable=False)

    class Meta:
        verbose_name = _("địa điểm")
        verbose_name_plural = pgettext_lazy("plural", "địa điểm")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=VenueStatus.APPROVED) | ~Q(qr_text=""),
                name="venue_approved_has_qr",
            ),
        ]
        indexes = [
            # The station's queue and list: its ward's venues by status.
            models.Index(fields=["ward", "status"], name="venue_ward_status_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("checkpoints:venue-detail", args=[self.public_id])


class CheckIn(models.Model):
    """One person at one venue: in at a time, out at a later one (or not yet).

    Kept small on purpose (no text, no JSON): at city scale millions are written a day.
    """

    id = models.BigAutoField(primary_key=True)
    # No index of their own: the (person, time) and (venue, time) indexes below start
    # with them and serve every look-up by either (and the cascades); a third and fourth
    # index on the largest table would only slow the writes.
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("người"),
        db_index=False,
    )
    venue = models.ForeignKey(
        Venue,
        on_delete=models.CASCADE,
        related_name="checkins",
        verbose_name=_("địa điểm"),
        db_index=False,
    )
    checked_in_at = models.DateTimeField(_("vào lúc"))
    checked_out_at = models.DateTimeField(_("ra lúc"), null=True, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("tài khoản"),
    )

    class Meta:
        verbose_name = _("lượt check-in")
        verbose_name_plural = pgettext_lazy("plural", "lượt check-in")
        constraints = [
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_out_at__gte=F("checked_in_at")),
                name="checkin_out_after_in",
            ),
        ]
        indexes = [
            # A person's last check-in (the officer's first group, the citizen's page):
            # one descent of this index, whatever the table's size.
            models.Index(fields=["person", "-checked_in_at"], name="checkin_person_time_idx"),
            # A venue's check-ins in a window (the exposure list, the station's venue tab).
            models.Index(fields=["venue", "checked_in_at"], name="checkin_venue_time_idx"),
            # The retention sweep: the oldest rows first.
            models.Index(fields=["checked_in_at"], name="checkin_time_idx"),
        ]

    def __str__(self):
        return f"{self.person_id} @ {self.venue_id} {self.checked_in_at:%d/%m/%Y %H:%M}"
