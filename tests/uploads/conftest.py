import pytest

from khaibao.uploads.models import PhotoKind
from khaibao.uploads.services import photo_store
from tests.uploads.images import jpeg_bytes, uploaded


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Each test stores photos in its own directory, never under the repository's var/."""
    location = tmp_path / "private-media"
    settings.MEDIA_ROOT = location
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": location,
                "base_url": None,
                "file_permissions_mode": 0o600,
                "directory_permissions_mode": 0o700,
            },
        },
    }
    return location


@pytest.fixture
def citizen_photo(citizen, citizen_person):
    """An ID-document photo of the citizen's own person (who lives in ward 1)."""
    return photo_store(
        upload=uploaded(jpeg_bytes((1000, 800))),
        kind=PhotoKind.ID_DOCUMENT,
        person=citizen_person,
        uploaded_by=citizen,
    )
