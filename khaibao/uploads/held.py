"""Photos held before their owner is known: a checked photo waits in private storage
(never public, never a Photo row) until the form it came with is confirmed, then it is
stored through photo_store like any other. Abandoned ones are swept (tasks.py).

Used by the vaccination correction request: the photo is checked when the form is sent,
and the request (with its photo) is written only once the phone's code is right.
"""

import datetime
import io
import secrets

from django.core.files.base import ContentFile
from django.utils import timezone

from .images import PreparedPhoto, prepare_photo
from .services import _delete_file, private_storage

HELD_DIR = "held"
#: A held photo older than this has been abandoned (the OTP lives minutes).
HELD_MAX_AGE = datetime.timedelta(days=1)


def _name(token: str) -> str | None:
    day, _sep, key = token.partition("/")
    if not (len(day) == 8 and day.isdigit() and len(key) == 32 and key.isalnum()):
        return None
    return f"{HELD_DIR}/{day}/{key}.jpg"


def photo_hold(photo: PreparedPhoto) -> str:
    """Keep a checked photo; returns the token that gets it back."""
    token = f"{timezone.localdate():%Y%m%d}/{secrets.token_hex(16)}"
    private_storage().save(_name(token), ContentFile(photo.content))
    return token


def photo_held(token: str | None) -> PreparedPhoto | None:
    """The photo kept under `token`, checked again; None when it is gone or unknown."""
    name = _name(token or "")
    storage = private_storage()
    if name is None or not storage.exists(name):
        return None
    with storage.open(name) as handle:
        content = handle.read()
    return prepare_photo(io.BytesIO(content), len(content))


def photo_release(token: str | None) -> None:
    name = _name(token or "")
    if name is not None:
        _delete_file(private_storage(), name)


def held_photos_delete(*, now: datetime.datetime | None = None) -> int:
    """Delete the held photos of days older than HELD_MAX_AGE; the number deleted."""
    storage = private_storage()
    if not storage.exists(HELD_DIR):
        return 0
    oldest_kept = f"{timezone.localtime(now or timezone.now()) - HELD_MAX_AGE:%Y%m%d}"
    deleted = 0
    days, _files = storage.listdir(HELD_DIR)
    for day in days:
        if day >= oldest_kept:
            continue
        _subdirs, files = storage.listdir(f"{HELD_DIR}/{day}")
        for name in files:
            _delete_file(storage, f"{HELD_DIR}/{day}/{name}")
            deleted += 1
    return deleted
