"""GET /photos/<uuid>/: the stored JPEG, to its owner or scoped staff only; 404 otherwise."""

import io
import uuid

import pytest
from PIL import Image

from khaibao.audit.models import AuditEvent
from khaibao.uploads.models import Photo, PhotoKind
from khaibao.uploads.services import photo_store, private_storage
from tests.factories import make_citizen
from tests.uploads.images import jpeg_bytes, uploaded


def photo_reads():
    return AuditEvent.objects.filter(object_type="uploads.photo")


def stored_bytes(photo: Photo) -> bytes:
    with private_storage().open(photo.storage_name, "rb") as file:
        return file.read()


def test_the_owner_gets_the_jpeg_with_safe_headers(client, citizen, citizen_photo):
    client.force_login(citizen)

    response = client.get(f"/photos/{citizen_photo.public_id}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == (
        f'inline; filename="photo-{citizen_photo.public_id}.jpg"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    body = b"".join(response.streaming_content)
    assert body == stored_bytes(citizen_photo)
    assert Image.open(io.BytesIO(body)).size == (1000, 800)
    # A citizen reading their own photo is not a staff read.
    assert not photo_reads().exists()


def test_the_account_sees_photos_of_the_relatives_it_manages(client, citizen, relative):
    photo = photo_store(
        upload=uploaded(jpeg_bytes()), kind=PhotoKind.OTHER, person=relative, uploaded_by=citizen
    )
    client.force_login(citizen)

    assert client.get(photo.get_absolute_url()).status_code == 200


def test_another_citizen_gets_404(client, citizen_photo):
    client.force_login(make_citizen(phone="+84987000111"))

    assert client.get(citizen_photo.get_absolute_url()).status_code == 404


def test_anonymous_gets_404(client, citizen_photo):
    assert client.get(citizen_photo.get_absolute_url()).status_code == 404


def test_ward2_staff_get_404(client, ward2_staff, citizen_photo):
    client.force_login(ward2_staff)

    response = client.get(citizen_photo.get_absolute_url())

    assert response.status_code == 404
    assert not photo_reads().exists()


@pytest.mark.parametrize("persona", ["ward1_staff", "province_admin", "superuser"])
def test_staff_whose_scope_covers_the_person_get_it_and_the_read_is_audited(
    client, request, persona, citizen_photo, citizen_person
):
    staff = request.getfixturevalue(persona)
    client.force_login(staff)

    response = client.get(citizen_photo.get_absolute_url(), REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored_bytes(citizen_photo)
    event = photo_reads().get()
    assert (event.actor, event.action, event.person, event.area) == (
        staff,
        "view",
        citizen_person,
        citizen_person.area,
    )
    assert event.object_id == str(citizen_photo.pk)
    assert event.ip_address == "203.0.113.7"


def test_an_unknown_id_gets_404(client, ward1_staff, citizen_photo):
    client.force_login(ward1_staff)

    assert client.get(f"/photos/{uuid.uuid4()}/").status_code == 404
    assert client.get(f"/photos/{citizen_photo.pk}/").status_code == 404  # not the row id


def test_a_photo_whose_file_is_gone_is_404(client, citizen, citizen_photo):
    private_storage().delete(citizen_photo.storage_name)
    client.force_login(citizen)

    assert client.get(citizen_photo.get_absolute_url()).status_code == 404


def test_no_url_maps_to_storage_paths(client, superuser, citizen_photo, private_media):
    name = citizen_photo.storage_name
    assert (private_media / name).is_file()  # the file is there…
    client.force_login(superuser)

    for path in [
        f"/private-media/{name}",
        f"/media/{name}",
        f"/{name}",
        f"/static/{name}",
        f"/photos/{name}",
        f"/photos/{name.rsplit('/', 1)[-1]}",
    ]:
        assert client.get(path).status_code == 404, path  # …and no URL reaches it


def test_stored_files_are_private_and_randomly_named(citizen_photo, citizen_person, private_media):
    name = citizen_photo.storage_name
    path = private_media / name

    assert path.stat().st_mode & 0o777 == 0o600
    assert str(citizen_photo.public_id) not in name
    assert citizen_person.id_number not in name
    assert name.startswith("photos/") and name.endswith(".jpg")
    assert len(name.rsplit("/", 1)[-1]) == 32 + len(".jpg")
