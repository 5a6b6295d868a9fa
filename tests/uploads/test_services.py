"""photo_store(): the file and the row come and go together."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from PIL import Image

from declarations.kinds import TEST_RESULT_PHOTO
from khaibao.uploads.images import prepare_photo
from khaibao.uploads.models import Photo, PhotoKind
from khaibao.uploads.services import photo_orphans_delete, photo_store, private_storage
from khaibao.uploads.tasks import delete_orphan_photos
from tests.factories import error_codes
from tests.uploads.images import jpeg_bytes, rotated_photo_with_gps, uploaded


def stored_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_it_stores_the_prepared_jpeg(citizen, citizen_person, private_media):
    source = rotated_photo_with_gps()

    photo = photo_store(
        upload=uploaded(source),
        kind=PhotoKind.ID_DOCUMENT,
        person=citizen_person,
        uploaded_by=citizen,
    )

    photo.refresh_from_db()
    expected = prepare_photo(uploaded(source), len(source))
    assert stored_files(private_media) == [photo.storage_name]
    assert (private_media / photo.storage_name).read_bytes() == expected.content
    assert (photo.width, photo.height, photo.size_bytes) == (600, 800, len(expected.content))
    assert (photo.sha256, photo.phash) == (expected.sha256, expected.phash)
    today = timezone.localdate()
    assert photo.storage_name.startswith(f"photos/{today:%Y/%m/}")


def test_a_refused_photo_stores_nothing(citizen, citizen_person, private_media):
    with pytest.raises(ValidationError) as refused:
        photo_store(
            upload=uploaded(b"%PDF-1.4"),
            kind=PhotoKind.OTHER,
            person=citizen_person,
            uploaded_by=citizen,
        )

    assert error_codes(refused.value) == ["unsupported_format"]
    assert not Photo.objects.exists()
    assert stored_files(private_media) == []


def test_the_file_is_deleted_when_the_row_cannot_be_saved(citizen, citizen_person, private_media):
    with pytest.raises(ValidationError) as caught:
        photo_store(
            upload=uploaded(jpeg_bytes()), kind="selfie", person=citizen_person, uploaded_by=citizen
        )

    assert error_codes(caught.value) == {"kind": ["invalid_choice"]}
    assert not Photo.objects.exists()
    assert stored_files(private_media) == []


def test_a_file_left_by_a_rolled_back_transaction_is_swept(citizen, citizen_person, private_media):
    kept = photo_store(
        upload=uploaded(jpeg_bytes()),
        kind=PhotoKind.OTHER,
        person=citizen_person,
        uploaded_by=citizen,
    )

    class DeclarationFailed(Exception):
        pass

    with pytest.raises(DeclarationFailed), transaction.atomic():
        photo_store(
            upload=uploaded(jpeg_bytes(colour=(200, 30, 30))),
            kind=TEST_RESULT_PHOTO,
            person=citizen_person,
            uploaded_by=citizen,
        )
        raise DeclarationFailed

    assert Photo.objects.get() == kept
    assert len(stored_files(private_media)) == 2
    # Too young: its transaction might still be open.
    assert photo_orphans_delete() == 0

    assert photo_orphans_delete(older_than=datetime.timedelta(0)) == 1

    assert stored_files(private_media) == [kept.storage_name]


def test_the_sweeper_task_runs_the_service(citizen_photo, private_media):
    assert delete_orphan_photos.apply().get() == 0
    assert stored_files(private_media) == [citizen_photo.storage_name]


def test_a_prepared_photo_from_a_form_is_stored_as_is(citizen, relative):
    content = jpeg_bytes((900, 700))
    prepared = prepare_photo(uploaded(content), len(content))

    photo = photo_store(
        upload=prepared,
        kind="vaccination_certificate",
        person=relative,
        uploaded_by=citizen,
    )

    assert (photo.person, photo.sha256, photo.width) == (relative, prepared.sha256, 900)


def test_the_same_jpeg_for_another_person_is_a_new_photo(citizen, citizen_person, relative):
    content = jpeg_bytes()
    first = photo_store(
        upload=uploaded(content), kind=PhotoKind.OTHER, person=citizen_person, uploaded_by=citizen
    )

    second = photo_store(
        upload=uploaded(content), kind=PhotoKind.OTHER, person=relative, uploaded_by=citizen
    )

    assert first.pk != second.pk and first.storage_name != second.storage_name
    assert first.sha256 == second.sha256


def test_a_smaller_minimum_can_be_asked_for(citizen, citizen_person):
    content = jpeg_bytes((500, 400))

    photo = photo_store(
        upload=uploaded(content),
        kind=PhotoKind.OTHER,
        person=citizen_person,
        uploaded_by=citizen,
        min_short_side=400,
    )

    with private_storage().open(photo.storage_name) as stored:
        assert Image.open(stored).size == (500, 400)
