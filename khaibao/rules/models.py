from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RuleVersion(models.Model):
    """One version of a rule kind, for a province or (province empty) the whole country.

    Append-only once in force: a change is a new version with a higher number. A version
    scheduled for later may be withdrawn before its time; it stays in the history.
    """

    kind = models.CharField(_("loại quy định"), max_length=40)
    province = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tỉnh / thành phố"),
        help_text=_("Để trống: mặc định toàn quốc, áp dụng nơi tỉnh chưa có quy định riêng."),
    )
    number = models.PositiveIntegerField(_("phiên bản"))
    effective_from = models.DateTimeField(_("có hiệu lực từ"))
    document = models.CharField(
        _("văn bản căn cứ"),
        max_length=300,
        help_text=_("Ví dụ: QĐ 261/QĐ-BYT ngày 31/01/2022."),
    )
    note = models.TextField(_("ghi chú"), blank=True)
    values = models.JSONField(_("giá trị"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("rút lại lúc"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người rút lại"),
    )

    class Meta:
        verbose_name = _("phiên bản quy định")
        verbose_name_plural = pgettext_lazy("plural", "phiên bản quy định")
        ordering = ["kind", "province", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "province", "number"], name="rule_version_number_unique"
            ),
            # NULL provinces are distinct in a unique index: the national numbers need
            # their own.
            models.UniqueConstraint(
                fields=["kind", "number"],
                condition=Q(province__isnull=True),
                name="rule_version_national_number_unique",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="rule_version_number_positive"),
        ]
        indexes = [
            # rules_in_force(): one kind's versions for a province (or the country) by time.
            models.Index(fields=["kind", "province", "effective_from"], name="rule_kind_time_idx"),
        ]

    def __str__(self):
        return f"{self.kind} · {self.province or _('Toàn quốc')} · v{self.number}"

    def has_taken_effect(self, at=None) -> bool:
        return self.effective_from <= (at or timezone.now())

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None
