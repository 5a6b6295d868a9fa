from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    VIEW = "view", _("Xem")
    SEARCH = "search", _("Tìm kiếm")
    EXPORT = "export", _("Xuất dữ liệu")
    CREATE = "create", _("Tạo mới")
    CHANGE = "change", _("Sửa")
    DELETE = "delete", _("Xoá")
    DECIDE = "decide", _("Quyết định")
    LOCK = "lock", _("Khoá")
    UNLOCK = "unlock", _("Mở khoá")


class AuditEvent(models.Model):
    """Who saw or changed which record, when, from where. Append-only.

    `person` is set whenever the record is about a person, so a citizen can be shown
    who looked at their data; `area` is the area the record belongs to, so a province
    admin reads only the events of the province.
    """

    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("người thực hiện"),
    )
    actor_role = models.CharField(_("vai trò"), max_length=32, blank=True)
    action = models.CharField(_("hành động"), max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(_("loại hồ sơ"), max_length=100)
    object_id = models.CharField(_("mã hồ sơ"), max_length=64, blank=True)
    object_repr = models.CharField(_("hồ sơ"), max_length=200, blank=True)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người dân liên quan"),
    )
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("địa bàn"),
    )
    ip_address = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    detail = models.JSONField(_("chi tiết"), default=dict, blank=True)

    class Meta:
        verbose_name = _("sự kiện truy cập")
        verbose_name_plural = _("nhật ký truy cập")
        ordering = ["-created_at", "-id"]
        indexes = [
            # "Who looked at my record": a citizen's own history, newest first.
            models.Index(fields=["person", "-created_at"], name="audit_person_time_idx"),
            # A reviewer following one staff member's activity.
            models.Index(fields=["actor", "-created_at"], name="audit_actor_time_idx"),
        ]

    def __str__(self):
        return f"{self.created_at:%d/%m/%Y %H:%M} {self.actor} {self.get_action_display()} {self.object_repr}"
