"""POST /photos/upload/: a photo stored as soon as it is chosen, answered in JSON."""

import os
import uuid

import pytest
from django.conf import settings
from django.test import Client
from PIL import Image

from declarations.kinds import TEST_RESULT_PHOTO
from khaibao.uploads.models import Photo, PhotoKind
from tests.uploads.images import (
    HTML,
    PDF,
    SVG,
    cccd_card_jpeg,
    image_bytes,
    jpeg_bytes,
    padded_jpeg,
    uploaded,
)

URL = "/photos/upload/"


def post(client, person, content, *, kind=TEST_RESULT_PHOTO, name="anh.jpg"):
    return client.post(
        URL,
        {"person": str(person.public_id), "kind": kind, "file": uploaded(content, name)},
    )


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


def test_a_good_photo_of_a_managed_person_is_stored(
    citizen_client, citizen, relative, private_media
):
    response = post(citizen_client, relative, jpeg_bytes((1000, 800)))

    assert response.status_code == 201
    data = response.json()
    photo = Photo.objects.get()
    assert data == {
        "id": str(photo.public_id),
        "url": f"/photos/{photo.public_id}/",
        "width": 1000,
        "height": 800,
        "cccd": None,
    }
    assert (photo.person, photo.uploaded_by, photo.kind) == (relative, citizen, "test_result")
    assert (private_media / photo.storage_name).stat().st_size == photo.size_bytes
    assert citizen_client.get(data["url"]).status_code == 200


def test_an_id_photo_returns_the_cards_qr_fields(citizen_client, citizen_person):
    response = post(citizen_client, citizen_person, cccd_card_jpeg(), kind=PhotoKind.ID_DOCUMENT)

    assert response.status_code == 201
    assert response.json()["cccd"] == {
        "id_number": "079088001234",
        "old_id_number": "123456789",
        "full_name": "Nguyễn Văn An",
        "date_of_birth": "1988-03-14",
        "sex": "M",
        "address": "12 Lê Lợi, Phường Sài Gòn, TP Hồ Chí Minh",
        "issue_date": "2021-01-01",
    }


def test_someone_elses_person_gets_404(citizen_client, ward2_person):
    response = post(citizen_client, ward2_person, jpeg_bytes())

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Photo.objects.exists()


@pytest.mark.parametrize("person", ["", "not-a-uuid", str(uuid.uuid4())])
def test_a_missing_or_unknown_person_gets_404(citizen_client, person):
    response = citizen_client.post(
        URL, {"person": person, "kind": "other", "file": uploaded(jpeg_bytes())}
    )

    assert response.status_code == 404


def test_anonymous_is_asked_to_log_in(client, citizen_person):
    response = post(client, citizen_person, jpeg_bytes())

    assert response.status_code == 403
    assert response.json() == {
        "error": "Phiên đăng nhập đã hết. Hãy đăng nhập lại.",
        "code": "login_required",
    }
    assert not Photo.objects.exists()


def test_the_csrf_token_is_required(citizen, citizen_person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)

    assert post(client, citizen_person, jpeg_bytes()).status_code == 403
    assert not Photo.objects.exists()


def test_get_is_not_allowed(citizen_client):
    assert citizen_client.get(URL).status_code == 405


@pytest.mark.parametrize("content", [PDF, HTML, SVG], ids=["pdf", "html", "svg"])
def test_a_document_renamed_to_jpg_gets_400_in_vietnamese(citizen_client, citizen_person, content):
    response = post(citizen_client, citizen_person, content)

    assert response.status_code == 400
    assert response.json() == {
        "error": "Tệp này không phải là ảnh. Hãy chọn ảnh chụp dạng JPEG, PNG hoặc WEBP.",
        "code": "unsupported_format",
    }
    assert not Photo.objects.exists()


def test_exactly_10_mb_is_accepted(citizen_client, citizen_person):
    response = post(citizen_client, citizen_person, padded_jpeg(settings.UPLOAD_MAX_BYTES))

    assert response.status_code == 201
    assert Photo.objects.get().width == 1200


def test_one_byte_over_10_mb_gets_413_in_vietnamese(citizen_client, citizen_person):
    response = post(citizen_client, citizen_person, padded_jpeg(settings.UPLOAD_MAX_BYTES + 1))

    assert response.status_code == 413
    assert response.json() == {
        "error": "Ảnh lớn hơn 10 MB. Hãy chọn ảnh nhỏ hơn hoặc chụp lại ảnh.",
        "code": "too_big",
    }
    assert not Photo.objects.exists()


def test_a_much_bigger_upload_is_dropped_as_it_arrives(citizen_client, citizen_person, tmp_path):
    response = post(citizen_client, citizen_person, os.urandom(3 * settings.UPLOAD_MAX_BYTES))

    assert response.status_code == 413
    assert response.json()["code"] == "too_big"


def test_too_small_gets_400(citizen_client, citizen_person):
    response = post(citizen_client, citizen_person, jpeg_bytes((640, 480)))

    assert response.status_code == 400
    assert response.json()["code"] == "too_small"


def test_the_same_photo_sent_twice_is_stored_once(citizen_client, citizen_person):
    content = jpeg_bytes()

    first = post(citizen_client, citizen_person, content).json()
    second = post(citizen_client, citizen_person, content).json()

    assert first["id"] == second["id"]
    assert Photo.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"kind": "other"}, "required"),
        ({"kind": "selfie", "file": jpeg_bytes()}, "invalid_choice"),
        ({"kind": "other", "file": b""}, "empty"),
        ({"kind": "other", "file": os.urandom(5000)}, "unsupported_format"),
        ({"kind": "other", "file": jpeg_bytes((1600, 1200))[:9000]}, "unreadable"),
        ({"kind": "other", "file": b"\x89PNG\r\n\x1a\n" + b"\0" * 100}, "unsupported_format"),
        (
            {"kind": "other", "file": image_bytes(Image.new("P", (900, 900)), "GIF")},
            "unsupported_format",
        ),
    ],
)
def test_bad_input_gets_a_400_never_a_500(citizen_client, citizen_person, data, code):
    payload = {"person": str(citizen_person.public_id), "kind": data["kind"]}
    if "file" in data:
        payload["file"] = uploaded(data["file"])

    response = citizen_client.post(URL, payload)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and body["error"]
    assert not Photo.objects.exists()


def test_errors_are_in_english_for_an_english_reader(citizen_client, citizen_person):
    citizen_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = post(citizen_client, citizen_person, PDF)

    assert response.status_code == 400
    assert response.json()["error"] == (
        "This file is not a photo. Choose a JPEG, PNG or WEBP picture."
    )
