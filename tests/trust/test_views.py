"""The public pages: keys.json, /verify/ (paste or photo), POST /api/verify."""

import base64
import datetime
import io
import json
import zlib

import base45
import cbor2
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from khaibao.trust.hcert import uvci_new
from khaibao.trust.images import render_qr_png
from khaibao.trust.keys import keyring
from khaibao.trust.services import certificate_revoke, qr_for_person, qr_issue_hc1
from tests.trust.conftest import (
    add_key,
    lab_test_hcert,
    photo_of,
    recovery_hcert,
    vaccination_hcert,
)
from tests.trust.test_codes import MALFORMED

VERIFY_URL = reverse("trust:verify")
API_URL = reverse("trust:api-verify")


def _b64url_int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


# --- keys.json ------------------------------------------------------------------------------


def test_keys_json_lists_the_active_key_and_its_jwk_verifies_a_kb1_code(
    db, client, signing_keys, citizen_person
):
    old_kid = keyring().active.kid
    add_key(signing_keys)
    code = qr_for_person(citizen_person)

    response = client.get(reverse("trust:keys"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=3600"
    document = response.json()
    active = [key for key in document["keys"] if key["active"]]
    assert len(active) == 1 and len(document["keys"]) == 2
    assert active[0]["kid"] == base64.b64encode(keyring().active.kid).decode()
    assert old_kid != keyring().active.kid
    assert {k: active[0][k] for k in ("kty", "crv", "alg")} == {
        "kty": "EC",
        "crv": "P-256",
        "alg": "ES256",
    }
    assert all("d" not in key for key in document["keys"])  # no private part, ever

    # An offline verifier: the published x / y and the libraries, nothing of ours.
    public_key = ec.EllipticCurvePublicNumbers(
        _b64url_int(active[0]["x"]), _b64url_int(active[0]["y"]), ec.SECP256R1()
    ).public_key()
    message = cbor2.loads(zlib.decompress(base45.b45decode(code[4:])))
    protected, _, payload, signature = message.value
    assert base64.b64encode(cbor2.loads(protected)[4]).decode() == active[0]["kid"]
    signed = cbor2.dumps(["Signature1", protected, b"", payload])
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    public_key.verify(der, signed, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        public_key.verify(der, signed + b"x", ec.ECDSA(hashes.SHA256()))


# --- /verify/ ---------------------------------------------------------------------------------


def test_the_verify_page_offers_a_labelled_text_field_and_photo_field(db, client):
    response = client.get(VERIFY_URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Kiểm tra mã QR" in content
    assert 'for="id_qr"' in content and 'for="id_photo"' in content
    assert 'enctype="multipart/form-data"' in content
    assert 'capture="environment"' in content


def test_a_pasted_personal_code_shows_valid_with_name_and_dates(db, client, citizen_person):
    code = qr_for_person(citizen_person)

    response = client.post(VERIFY_URL, {"qr": code})

    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-status="valid"' in content
    assert "Hợp lệ" in content
    assert "Mã QR cá nhân" in content
    assert "Nguyễn Văn An" in content
    assert "14/03/1988" in content
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_pasted_vaccination_certificate_shows_the_dose(db, client):
    code = qr_issue_hc1(
        hcert=vaccination_hcert(), cert_id=uvci_new(), valid_for=datetime.timedelta(days=1)
    ).text

    content = client.post(VERIFY_URL, {"qr": code}).content.decode()

    assert "Chứng nhận tiêm chủng COVID-19" in content
    assert "2/2" in content and "01/09/2021" in content


@pytest.mark.parametrize(
    ("build", "shown"),
    [
        (lab_test_hcert, ["Chứng nhận xét nghiệm COVID-19", "Âm tính", "20/11/2026 15:30"]),
        (recovery_hcert, ["Chứng nhận khỏi bệnh COVID-19", "05/1990", "30/03/2027"]),
    ],
)
def test_pasted_test_and_recovery_certificates_show_their_own_fields(db, client, build, shown):
    issued = qr_issue_hc1(hcert=build(), cert_id=uvci_new(), valid_for=datetime.timedelta(days=1))

    content = client.post(VERIFY_URL, {"qr": issued.text}).content.decode()

    assert 'data-status="valid"' in content
    for text in shown:
        assert text in content


def test_a_pasted_revoked_code_shows_revoked(db, client):
    issued = qr_issue_hc1(
        hcert=vaccination_hcert(), cert_id=uvci_new(), valid_for=datetime.timedelta(days=1)
    )
    certificate_revoke(cert_id=issued.cert_id, reason="cấp lại")

    content = client.post(VERIFY_URL, {"qr": issued.text}).content.decode()

    assert 'data-status="revoked"' in content
    assert "Đã thu hồi" in content


def test_pasted_garbage_shows_that_the_code_cannot_be_read(db, client):
    response = client.post(VERIFY_URL, {"qr": "KB1:ABC!DEF"})

    assert response.status_code == 200
    assert "Không đọc được mã" in response.content.decode()


def test_an_empty_form_is_a_400_with_a_vietnamese_message(db, client):
    response = client.post(VERIFY_URL, {"qr": "  "})

    assert response.status_code == 400
    assert "Hãy dán nội dung mã QR hoặc chọn ảnh chụp mã QR." in response.content.decode()


def test_a_photo_of_the_qr_code_verifies(db, client, citizen_person):
    code = qr_for_person(citizen_person)
    photo = SimpleUploadedFile("IMG_2041.jpg", photo_of(render_qr_png(code)), "image/jpeg")

    response = client.post(VERIFY_URL, {"qr": "", "photo": photo})

    assert response.status_code == 200
    assert 'data-status="valid"' in response.content.decode()
    assert "Nguyễn Văn An" in response.content.decode()


def test_a_file_that_is_not_an_image_is_a_400_with_a_vietnamese_message(db, client):
    upload = SimpleUploadedFile("qr.jpg", b"%PDF-1.7 not an image at all", "image/jpeg")

    response = client.post(VERIFY_URL, {"photo": upload})

    assert response.status_code == 400
    assert "Tệp này không phải ảnh" in response.content.decode()


def test_a_photo_without_a_qr_code_is_a_400(db, client):
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (120, 160, 200)).save(buffer, format="JPEG")
    upload = SimpleUploadedFile("sky.jpg", buffer.getvalue(), "image/jpeg")

    response = client.post(VERIFY_URL, {"photo": upload})

    assert response.status_code == 400
    assert "Không tìm thấy mã QR trong ảnh" in response.content.decode()


def test_a_photo_over_the_size_limit_is_a_400(db, client, settings, citizen_person):
    settings.UPLOAD_MAX_BYTES = 2048
    photo = photo_of(render_qr_png(qr_for_person(citizen_person)))
    assert len(photo) > 2048

    response = client.post(VERIFY_URL, {"photo": SimpleUploadedFile("a.jpg", photo)})

    assert response.status_code == 400
    assert "Ảnh lớn hơn" in response.content.decode()


def test_an_image_with_too_many_pixels_is_refused_before_decoding(db, client, settings):
    settings.UPLOAD_MAX_PIXELS = 100 * 100
    buffer = io.BytesIO()
    Image.new("L", (400, 400), 255).save(buffer, format="PNG")

    response = client.post(VERIFY_URL, {"photo": SimpleUploadedFile("a.png", buffer.getvalue())})

    assert response.status_code == 400
    assert "quá nhiều điểm ảnh" in response.content.decode()


def test_an_empty_file_is_a_400(db, client):
    response = client.post(VERIFY_URL, {"photo": SimpleUploadedFile("a.jpg", b"")})

    assert response.status_code == 400
    assert "Tệp ảnh rỗng" in response.content.decode()


# --- /api/verify ----------------------------------------------------------------------------


def _api(client, body, **extra):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(API_URL, data=data, content_type="application/json", **extra)


def test_the_api_verifies_a_code_without_a_csrf_token(db, citizen_person):
    client = Client(enforce_csrf_checks=True)
    code = qr_for_person(citizen_person)

    response = _api(client, {"qr": code})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    answer = response.json()
    assert answer["status"] == "valid"
    assert answer["kind"] == "KB1:person"
    assert answer["claims"]["subject_id"] == str(citizen_person.public_id)
    assert answer["claims"]["birth_date"] == "1988-03-14"


@pytest.mark.parametrize("text", MALFORMED.values(), ids=MALFORMED.keys())
def test_the_api_answers_malformed_for_undecodable_codes_never_500(db, client, text):
    response = _api(client, {"qr": text})

    assert response.status_code == 200
    assert response.json() == {"status": "malformed", "kind": "", "country": "", "claims": {}}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "bad_json"),
        (b"\xff\xfe", "bad_json"),
        (b"", "bad_json"),
        ({"code": "HC1:"}, "missing_qr"),
        ({"qr": 12}, "missing_qr"),
        (["HC1:"], "missing_qr"),
        ({"qr": "A" * 17_000}, "too_large"),
    ],
)
def test_the_api_refuses_bad_requests_with_a_json_error(db, client, body, error):
    response = _api(client, body)

    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["message"]


def test_the_api_takes_a_body_of_exactly_16_kb(db, client):
    body = json.dumps({"qr": ""})
    body = json.dumps({"qr": "A" * (16 * 1024 - len(body))})
    assert len(body) == 16 * 1024

    response = _api(client, body)

    assert response.status_code == 200
    assert response.json()["status"] == "malformed"


def test_the_api_answers_405_to_get(db, client):
    assert client.get(API_URL).status_code == 405


# --- Issuing country and the published certificates ---------------------------------------


def test_the_verify_page_shows_the_issuing_country_of_a_foreign_certificate(db, client):
    from tests.trust import vectors
    from tests.trust.conftest import trust

    germany = vectors.issuer(country="DE")
    trust(germany)

    content = client.post(
        VERIFY_URL, {"qr": vectors.code(vectors.german_vaccination(), germany)}
    ).content.decode()

    assert 'data-status="valid"' in content
    assert "Nước cấp" in content and "Germany (DE)" in content
    assert "Musterfrau Erika" in content


def test_the_verify_page_shows_viet_nam_for_the_portals_own_codes(db, client, citizen_person):
    content = client.post(VERIFY_URL, {"qr": qr_for_person(citizen_person)}).content.decode()

    assert "Viet Nam (VN)" in content


def test_the_signing_certificates_and_the_csca_are_published_for_verifiers(db, client):
    certificates = client.get(reverse("trust:signing-certificates"))
    csca = client.get(reverse("trust:csca"))

    assert certificates.status_code == 200 and csca.status_code == 200
    assert certificates["Cache-Control"] == csca["Cache-Control"] == "public, max-age=3600"
    assert len(certificates.json()["VN"]) == 1
    assert csca.content.startswith(b"-----BEGIN CERTIFICATE-----")
    assert b"PRIVATE" not in csca.content
