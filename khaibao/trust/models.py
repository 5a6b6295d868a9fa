from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class VerificationStatus(models.TextChoices):
    VALID = "valid", _("Hợp lệ")
    EXPIRED = "expired", _("Hết hạn")
    NOT_YET_VALID = "not_yet_valid", _("Chưa có hiệu lực")
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


class SubjectKind(models.TextChoices):
    PERSON = "person", _("Mã QR cá nhân")


class SubjectRevocation(models.Model):
    """Every code of one kind about one subject, issued before `revoked_before`, is revoked.

    A person's QR ("My QR") gets a new certificate id every day, so revoking one id would
    leave the older codes valid until they expire; this row revokes them all at once.
    Codes issued afterwards carry a later issued-at and stay valid. Append-only; a second
    revocation of the same subject is a new row with a later moment.
    """

    kind = models.CharField(_("loại mã"), max_length=16, choices=SubjectKind.choices)
    subject_id = models.CharField(_("mã đối tượng"), max_length=128)
    revoked_before = models.DateTimeField(_("thu hồi các mã cấp trước"))
    revoked_at = models.DateTimeField(_("thời điểm thu hồi"), default=timezone.now)
    reason = models.CharField(_("lý do"), max_length=500)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người thu hồi"),
    )

    class Meta:
        verbose_name = _("thu hồi mã theo đối tượng")
        verbose_name_plural = pgettext_lazy("plural", "thu hồi mã theo đối tượng")
        ordering = ["-revoked_at", "-id"]
        indexes = [
            # qr_for_person asks for the latest revocation of one person inside a request.
            models.Index(fields=["kind", "subject_id"], name="trust_subject_revocation_idx"),
        ]

    def __str__(self):
        return f"{self.kind}:{self.subject_id}"


class TrustedCertificate(models.Model):
    """A foreign document signing certificate (DSC) from a trust list: it verifies HC1 codes.

    Imported from a bundle of certificates or from the EU gateway verifier service's list
    (trustlist.py). `kid` is the first 8 bytes of the SHA-256 of `der`, in base64 as
    trust lists write it; kids may collide, so it is not unique. A withdrawn certificate
    is kept (the audit trail names it) and verifies nothing.
    """

    kid = models.CharField(_("kid"), max_length=16)
    # Unique: an import that meets a certificate again changes nothing.
    sha256 = models.CharField(_("vân tay SHA-256"), max_length=64, unique=True, editable=False)
    country = models.CharField(_("quốc gia"), max_length=2)
    der = models.BinaryField(_("chứng thư (DER)"), editable=False)
    subject = models.CharField(_("chủ thể"), max_length=500)
    issuer = models.CharField(_("đơn vị cấp"), max_length=500)
    not_before = models.DateTimeField(_("hiệu lực từ"))
    not_after = models.DateTimeField(_("hiệu lực đến"))
    algorithm = models.CharField(_("thuật toán"), max_length=8)
    # Comma-separated hcert kinds ("t,v,r") from the DCC extended key usage; "" = all.
    usages = models.CharField(_("được ký loại"), max_length=8, blank=True)
    source = models.CharField(_("nguồn"), max_length=200)
    imported_at = models.DateTimeField(_("nhập lúc"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người nhập"),
    )
    withdrawn_at = models.DateTimeField(_("rút lúc"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người rút"),
    )
    withdrawn_reason = models.CharField(_("lý do rút"), max_length=500, blank=True)
    # The verifier's per-process copy of the list reloads when (count, latest change) moves.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("chứng thư ký nước ngoài")
        verbose_name_plural = pgettext_lazy("plural", "chứng thư ký nước ngoài")
        ordering = ["country", "-not_before", "id"]
        indexes = [
            # A verification inside a transaction looks the signing certificates up by kid.
            models.Index(fields=["kid"], name="trust_trustedcert_kid_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(country__regex=r"^[A-Z]{2}$"),
                name="trust_trustedcert_country_code",
            ),
        ]

    def __str__(self):
        return f"{self.country} {self.kid} ({self.subject})"[:200]

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None
