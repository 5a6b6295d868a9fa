"""Storing photos: the only way a Photo row and its file come to exist (or go away)."""

import datetime
import logging
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from khaibao.people.models import Person

from .cccd import read_cccd_qr
from .images import MIN_SHORT_SIDE, PreparedPhoto, prepare_photo
from .models import Photo, PhotoKind

logger = logging.getLogger(__name__)

PHOTO_DIR = "photos"


def private_storage() -> Storage:
    """STORAGES["private"]: a local directory outside any URL, or a private S3 bucket."""
    return storages["private"]


def _new_storage_name(day: datetime.date) -> str:
    # Random and unrelated to the person, the upload's name or the photo's public id.
    return f"{PHOTO_DIR}/{day:%Y/%m/%d}/{secrets.token_hex(16)}.jpg"


def _delete_file(storage: Storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:
        logger.exception("Could not delete photo file %s; the orphan sweeper will", name)


def _document_qr(prepared: PreparedPhoto, kind: str) -> dict | None:
    if kind != PhotoKind.ID_DOCUMENT:
        return None
    qr = read_cccd_qr(prepared.image)
    return qr.as_dict() if qr is not None else None


@transaction.atomic
def photo_store(
    *,
    upload: File | PreparedPhoto,
    kind: str,
    person: Person,
    uploaded_by,
    min_short_side: int = MIN_SHORT_SIDE,
) -> Photo:
    """Check a photo, store it as a metadata-free JPEG and record it for `person`.

    1. `upload` is an uploaded file (run through prepare_photo() here, which raises
       ValidationError) or a PreparedPhoto a form field already made.
    2. The same JPEG already stored for this person and kind (a retried upload) is
       returned instead of being stored twice.
    3. The file is written first, then the row. If the row fails, the file is deleted
       at once; if an enclosing transaction rolls back later, no hook runs, and
       photo_orphans_delete() (a periodic task) removes the file the row never got.
    """
    prepared = (
        upload
        if isinstance(upload, PreparedPhoto)
        else prepare_photo(upload, upload.size, min_short_side=min_short_side)
    )
    existing = Photo.objects.filter(person=person, kind=kind, sha256=prepared.sha256).first()
    if existing is not None:
        return existing
    storage = private_storage()
    name = storage.save(
        _new_storage_name(timezone.localdate()), ContentFile(prepared.content), max_length=100
    )
    try:
        photo = Photo(
            person=person,
            uploaded_by=uploaded_by,
            kind=kind,
            storage_name=name,
            width=prepared.width,
            height=prepared.height,
            size_bytes=prepared.size_bytes,
            sha256=prepared.sha256,
            phash=prepared.phash,
            document_qr=_document_qr(prepared, kind),
        )
        photo.full_clean()
        photo.save()
    except BaseException:
        # Whatever stopped the row (a validation error, the database, a timeout), the
        # file must not outlive it; the exception goes on unchanged.
        _delete_file(storage, name)
        raise
    return photo


def photo_check_owner(*photos: Photo | None, person_id: int) -> None:
    """Refuse a photo of someone else (a public id copied from another page): a form may
    only use photos taken for the person it is about. None is skipped."""
    for photo in photos:
        if photo is not None and photo.person_id != person_id:
            raise ValidationError(
                _("Ảnh này không thuộc người đang khai báo."), code="photo_person"
            )


def photo_open(photo: Photo) -> File:
    """The stored JPEG, opened for reading (FileNotFoundError if it has gone)."""
    return private_storage().open(photo.storage_name, "rb")


def _day_directories(today: datetime.date, days: int) -> list[str]:
    return [f"{PHOTO_DIR}/{today - datetime.timedelta(days=back):%Y/%m/%d}" for back in range(days)]


def photo_orphans_delete(
    *, older_than: datetime.timedelta = datetime.timedelta(hours=1), days: int = 3
) -> int:
    """Delete stored files of the last `days` days that no Photo row names.

    Such a file is left behind when the transaction that stored it rolled back after
    photo_store() returned (the request failed further on). Files younger than
    `older_than` are kept: their transaction may still be open.
    """
    storage = private_storage()
    cutoff = timezone.now() - older_than
    deleted = 0
    for directory in _day_directories(timezone.localdate(), days):
        try:
            _subdirs, files = storage.listdir(directory)
        except FileNotFoundError:
            continue
        names = {f"{directory}/{file}" for file in files}
        known = set(
            Photo.objects.filter(storage_name__in=names).values_list("storage_name", flat=True)
        )
        for name in sorted(names - known):
            if storage.get_modified_time(name) < cutoff:
                _delete_file(storage, name)
                deleted += 1
    if deleted:
        logger.info("Deleted %d orphaned photo files", deleted)
    return deleted
