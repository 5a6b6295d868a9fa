import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from khaibao.lib import registry

from .cccd import CccdQr


class PhotoKind(models.TextChoices):
    """The platform's own kinds; each domain app registers its own (a test result, a
    vaccination certificate) with khaibao.lib.registry.register_photo_kind()."""

    ID_DOCUMENT = "id_document", _("Giấy tờ tuỳ thân")
    OTHER = "other", _("Ảnh khác")


def photo_kind_choices() -> list[tuple[str, str]]:
    return [*PhotoKind.choices, *registry.photo_kinds()]


class Photo(models.Model):
    """One photo the portal took, re-encoded to a metadata-free JPEG in private storage.

    Create photos only through `khaibao.uploads.services.photo_store`; read them only
    through the `uploads:photo` view, which checks the viewer. `storage_name` never
    appears in a URL: `public_id` is the only id shown outside.
    """

    public_id = models.UUIDField(_("mã ảnh"), default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="photos",
        verbose_name=_("người"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người tải lên"),
    )
    kind = models.CharField(_("loại ảnh"), max_length=24, choices=photo_kind_choices)
    # Random, in one directory per day: e.g. "photos/2026/03/14/<32 hex>.jpg".
    storage_name = models.CharField(max_length=100, unique=True, editable=False)
    width = models.PositiveIntegerField(_("chiều rộng (px)"))
    height = models.PositiveIntegerField(_("chiều cao (px)"))
    size_bytes = models.PositiveIntegerField(_("dung lượng (byte)"))
    # Of the stored JPEG, not of the upload: identical uploads give identical files.
    sha256 = models.CharField(max_length=64, editable=False)
    # 64-bit difference hash (dHash) as 16 hex digits: near-identical photos share it.
    # An ID photo's own CCCD QR, read once when the photo is stored (uploads.cccd), so
    # pages and checks never decode the photo again; null when there is none.
    document_qr = models.JSONField(_("mã QR trên giấy tờ"), null=True, blank=True, editable=False)
    # dHash of the photo and of its centre crops (uploads.images.dhashes), 16 hex each.
    phash = models.CharField(_("mã nhận dạng ảnh"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("ảnh")
        verbose_name_plural = pgettext_lazy("plural", "ảnh")
        ordering = ["-created_at", "-id"]
        constraints = [
            # No check constraint on `kind`: the kinds are registered by the apps
            # (photo_kind_choices), and photo_store's full_clean() refuses others.
            models.CheckConstraint(
                name="photo_dimensions_positive", condition=Q(width__gt=0, height__gt=0)
            ),
        ]
        indexes = [
            # photo_store(): "has this person already got this exact file?" (a retried
            # upload returns the first photo instead of storing a second copy).
            models.Index(fields=["person", "sha256"], name="photo_person_sha256_idx"),
            # A person's photos of one kind, newest first (forms show the latest ID photo).
            models.Index(fields=["person", "kind", "-created_at"], name="photo_person_kind_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.public_id}"

    def get_absolute_url(self):
        return reverse("uploads:photo", kwargs={"public_id": self.public_id})

    def cccd_qr(self):
        """The CCCD QR read from this ID photo when it was stored, or None."""
        return CccdQr.from_dict(self.document_qr) if self.document_qr else None

    @property
    def download_name(self) -> str:
        return f"photo-{self.public_id}.jpg"
