"""What an officer records at a checkpoint: "đã kiểm tra" (checked) for a person."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CheckpointCheck(models.Model):
    """An officer checked this person at this checkpoint at this time."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("người")
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cán bộ"),
    )
    checkpoint = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chốt kiểm soát"),
    )
    checked_at = models.DateTimeField(_("kiểm tra lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("lượt kiểm tra tại chốt")
        verbose_name_plural = pgettext_lazy("plural", "lượt kiểm tra tại chốt")
        indexes = [
            # The checkpoint's checks of a day; a person's last check.
            models.Index(fields=["checkpoint", "-checked_at"], name="cpcheck_point_time_idx"),
            models.Index(fields=["person", "-checked_at"], name="cpcheck_person_time_idx"),
        ]

    def __str__(self):
        return f"{self.person_id} @ {self.checkpoint_id} {self.checked_at:%d/%m/%Y %H:%M}"
