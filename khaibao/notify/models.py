import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("Chờ gửi")
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi lỗi")


def new_sms_reference() -> str:
    """A random idempotency key. Not derived from the primary key: two databases (staging
    and production sharing one gateway account, a restored backup) reuse ids, and the
    gateway would then drop a new text as a repeat of an old one."""
    return f"khaibao-{uuid.uuid4().hex}"


class SmsMessage(models.Model):
    """The SMS outbox: one row per text, written in the transaction of the change it
    announces, sent by `khaibao.notify.tasks.send_sms` after commit.

    A row is claimed for sending by one task at a time (`claimed_by` + `claimed_at`, a
    lease); the gateway gets `reference` as an idempotency key, so a send repeated
    after a crash is delivered once.
    """

    to = models.CharField(_("số nhận"), max_length=16)
    body = models.TextField(_("nội dung"))
    purpose = models.CharField(_("mục đích"), max_length=40)
    status = models.CharField(
        _("trạng thái"), max_length=8, choices=SmsStatus.choices, default=SmsStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    # The idempotency key sent to the gateway with every attempt of this text.
    reference = models.CharField(
        _("mã tham chiếu"), max_length=64, unique=True, editable=False, default=new_sms_reference
    )
    provider_id = models.CharField(_("mã nhà mạng"), max_length=100, blank=True)
    backend = models.CharField(_("kênh gửi"), max_length=20, blank=True)
    last_error = models.CharField(_("lỗi gần nhất"), max_length=500, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("tin nhắn SMS")
        verbose_name_plural = pgettext_lazy("plural", "tin nhắn SMS")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweeper: rows still QUEUED or SENDING, oldest first.
            models.Index(
                fields=["updated_at"],
                name="sms_unfinished_idx",
                condition=Q(status__in=["queued", "sending"]),
            ),
            # Dev inbox and rate-limit checks: messages to one phone, newest first.
            models.Index(fields=["to", "-created_at"], name="sms_to_time_idx"),
        ]

    def __str__(self):
        return f"{self.to} · {self.purpose} · {self.get_status_display()}"
