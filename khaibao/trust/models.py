from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class VerificationStatus(models.TextChoices):
    VALID = "valid", _("Hợp lệ")
    EXPIRED = "expired", _("Hết hạn")
    REVOKED = "revoked", _("Đã thu hồi")
    BAD_SIGNATURE = "bad_signature", _("Chữ ký không hợp lệ")
    UNKNOWN_KEY = "unknown_key", _("Không rõ khoá ký")
    MALFORMED = "malformed", _("Không đọc được mã")


class RevokedCertificate(models.Model):
    """A certificate id whose codes no longer verify (corrected, reissued, or fraud).

    Append-only: a revoked certificate is replaced by a new one, never un-revoked.
    """

    # unique=True gives the index that qr_verify's look-up by certificate id uses.
    cert_id = models.CharField(_("mã chứng nhận"), max_length=128, unique=True)
    revoked_at = models.DateTimeField(_("thời điểm thu hồi"), default=timezone.now)
    reason = models.CharField(_("lý do"), max_length=500)

    class Meta:
        verbose_name = _("chứng nhận đã thu hồi")
        verbose_name_plural = pgettext_lazy("plural", "chứng nhận đã thu hồi")
        ordering = ["-revoked_at", "-id"]

    def __str__(self):
        return self.cert_id
