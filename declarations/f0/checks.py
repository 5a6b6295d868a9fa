"""What the station is told about a declaration's photos (never a reason to refuse it).

1. The CCCD photo's own QR, read back and compared with the declared identity.
2. The test photo's perceptual hash, compared with recent test photos of other persons
   and with this person's earlier declarations: the same tray photographed once and
   declared twice is a known abuse.
"""

import datetime
import logging

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khaibao.people.models import Person
from khaibao.uploads.cccd import cccd_mismatches
from khaibao.uploads.models import Photo

logger = logging.getLogger(__name__)

# What a CCCD photo's QR can disagree with, named as the citizen and the station read it.
CCCD_FIELD_LABELS = {
    "id_number": _("Số giấy tờ"),
    "full_name": _("Họ và tên"),
    "date_of_birth": _("Ngày sinh"),
}

# dHash bits that may differ for two photos of the same test tray (a re-encode, a crop).
REUSE_MAX_DISTANCE = 6
# How far back test photos are compared.
REUSE_LOOKBACK_DAYS = 60


def cccd_check(*, person: Person, id_photo: Photo) -> list[str]:
    """Fields ("id_number", "full_name", "date_of_birth") the card's QR contradicts;
    empty when they agree or the photo shows no readable CCCD QR. The QR was read once,
    when the photo was stored (Photo.document_qr): nothing is decoded here."""
    qr = id_photo.cccd_qr()
    if qr is None:
        return []
    return cccd_mismatches(
        qr,
        id_number=person.id_number,
        full_name=person.full_name,
        date_of_birth=person.date_of_birth,
    )


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def photo_distance(a: str, b: str) -> int:
    """The fewest differing dHash bits between any crop of one photo and any of the
    other (uploads.images.dhashes): a re-encoded copy is near 0 for the whole photos,
    a copy cropped a little on every side for a crop of the original."""
    first = [a[i : i + 16] for i in range(0, len(a), 16)]
    second = [b[i : i + 16] for i in range(0, len(b), 16)]
    return min(hamming(x, y) for x in first for y in second)


def reused_test_photo(*, person: Person, test_photo: Photo, exclude: int | None = None):
    """An earlier declaration whose test photo looks like this one, or None.

    Another person's photo counts at any time in the look-back; the same person's
    earlier (closed) declarations count too, since a new infection needs a new test.
    """
    from .models import F0Declaration

    since = timezone.now() - datetime.timedelta(days=REUSE_LOOKBACK_DAYS)
    candidates = (
        F0Declaration.objects.filter(submitted_at__gte=since)
        .exclude(pk=exclude)
        .select_related("test_photo")
        .only("pk", "test_photo__phash", "test_photo__sha256")
        .order_by("-submitted_at")
    )
    for candidate in candidates.iterator(chunk_size=2000):
        other = candidate.test_photo
        if other.pk == test_photo.pk:
            continue
        if (
            other.sha256 == test_photo.sha256
            or photo_distance(other.phash, test_photo.phash) <= REUSE_MAX_DISTANCE
        ):
            return candidate
    return None
