"""Exposure notices: who was at a venue at the same time as an F0 case, and was told."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ExposureNotice(models.Model):
    """One person told once about one case: the text is sent at most once per (case,
    person), however often the station presses "send" (a unique constraint)."""

    case = models.ForeignKey(
        "declarations.F0Declaration",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("ca bệnh"),
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("người")
    )
    # Where and when they met, copied: the check-ins themselves are deleted after the
    # retention period, the notice stays as the record of what was sent.
    venue = models.ForeignKey(
        "checkpoints.Venue", on_delete=models.PROTECT, related_name="+", verbose_name=_("địa điểm")
    )
    met_from = models.DateTimeField(_("có mặt từ"))
    met_until = models.DateTimeField(_("có mặt đến"))
    phone = models.CharField(_("số điện thoại nhận tin"), max_length=16)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cán bộ gửi"),
    )
    sent_at = models.DateTimeField(_("gửi lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("tin báo tiếp xúc")
        verbose_name_plural = pgettext_lazy("plural", "tin báo tiếp xúc")
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="exposure_notice_once"),
        ]

    def __str__(self):
        return f"{self.case_id} → {self.person_id}"
