"""The signed vaccination payload checked independently of the portal's own copies: the
official EU DCC 1.3.0 schema and the eHN value sets as vendored in tests/vendor/, the
HC1 text taken apart with the libraries alone, and the served QR image decoded."""

import datetime
import io
import json
import re
import zlib
from pathlib import Path

import base45
import cbor2
import jsonschema_rs
import pytest
import qrcode
import qrcode.constants
import qrcode.util
import zxingcpp
from django.core.cache import cache
from django.urls import reverse
from PIL import Image

from khaibao.trust import images
from tests.trust.conftest import eager_tasks  # noqa: F401 (renders the QR in this process)
from vaccination.certificates import certificate_hcert, certificate_text
from vaccination.models import CertificateStatus, VaccinationCertificate
from vaccination.vaccines import DCC_CODES, Vaccine

from .factories import give_dose

VENDOR = Path(__file__).resolve().parent.parent / "vendor"
SCHEMA = json.loads(
    (VENDOR / "eu-dcc-schema-1.3.0" / "DCC.combined-schema.json").read_text(encoding="utf-8")
)
VALIDATOR = jsonschema_rs.validator_for(SCHEMA, validate_formats=True)
DAYS = (datetime.date(2021, 8, 2), datetime.date(2021, 9, 6), datetime.date(2022, 1, 10))

pytestmark = pytest.mark.django_db

# (vaccines in order, whether the person had recovered before the first dose, dn/sd).
SERIES = {
    "pfizer-1-of-2": (["pfizer"], False, (1, 2)),
    "pfizer-2-of-2": (["pfizer", "pfizer"], False, (2, 2)),
    "pfizer-3-of-3-booster": (["pfizer", "pfizer", "pfizer"], False, (3, 3)),
    "janssen-1-of-1": (["janssen"], False, (1, 1)),
    "janssen-2-of-1-booster": (["janssen", "janssen"], False, (2, 1)),
    "recovered-1-of-1": (["moderna"], True, (1, 1)),
}


def certificate_for(person, unit, vaccines, recovered) -> VaccinationCertificate:
    for number, (vaccine, given_on) in enumerate(zip(vaccines, DAYS, strict=False), start=1):
        give_dose(
            person,
            unit,
            number=number,
            vaccine=vaccine,
            given_on=given_on,
            lot=f"LOT{number}",
            after_recovery=recovered and number == 1,
        )
    return VaccinationCertificate.objects.get(person=person, status=CertificateStatus.CURRENT)


def signed_hcert(text: str) -> dict:
    """The hcert of an HC1 text, taken apart with base45, zlib and cbor2 only."""
    assert text.startswith("HC1:")
    message = cbor2.loads(zlib.decompress(base45.b45decode(text[4:])))
    assert message.tag == 18  # COSE_Sign1
    return cbor2.loads(message.value[2])[-260][1]


def schema_errors(hcert: dict) -> list[str]:
    return [error.message for error in VALIDATOR.iter_errors(hcert)]


def value_set(field: str) -> dict:
    """The vendored value set that the schema names for a vaccination entry field."""
    definitions = SCHEMA["$defs"]
    reference = definitions["vaccination_entry"]["properties"][field]["$ref"]
    uri = definitions[reference.removeprefix("#/$defs/")]["valueset-uri"]
    path = VENDOR / "eu-dcc-valuesets" / Path(uri).name
    return json.loads(path.read_text(encoding="utf-8"))["valueSetValues"]


@pytest.mark.parametrize(("vaccines", "recovered", "series"), SERIES.values(), ids=SERIES)
def test_the_signed_payload_follows_the_official_1_3_0_schema(
    citizen_person, unit1, vaccines, recovered, series
):
    certificate = certificate_for(citizen_person, unit1, vaccines, recovered)

    hcert = signed_hcert(certificate_text(certificate))

    assert schema_errors(hcert) == []
    assert hcert["ver"] == "1.3.0"
    (entry,) = hcert["v"]
    assert (entry["dn"], entry["sd"]) == series == (certificate.dn, certificate.sd)
    assert entry["ci"] == certificate.uvci
    assert entry["dt"] == DAYS[len(vaccines) - 1].isoformat()
    assert (entry["tg"], entry["co"]) == ("840539006", "VN")
    assert hcert["nam"] == {"fn": "Nguyễn", "fnt": "NGUYEN", "gn": "Văn An", "gnt": "VAN<AN"}
    assert hcert["dob"] == "1988-03-14"
    # What certificate_hcert builds is what was signed, with the certificate id set.
    assert hcert["v"][0] == {**certificate_hcert(certificate)["v"][0], "ci": certificate.uvci}


@pytest.mark.parametrize(("vaccines", "recovered", "series"), SERIES.values(), ids=SERIES)
def test_the_vaccine_codes_are_active_codes_of_the_ehn_value_sets(
    citizen_person, unit1, vaccines, recovered, series
):
    certificate = certificate_for(citizen_person, unit1, vaccines, recovered)

    (entry,) = signed_hcert(certificate_text(certificate))["v"]

    for field in ("vp", "mp", "ma"):
        codes = value_set(field)
        assert entry[field] in codes, (field, entry[field])
        assert codes[entry[field]].get("active", True), (field, entry[field])


@pytest.mark.parametrize("vaccine", Vaccine.values)
def test_every_vaccine_maps_to_codes_of_the_ehn_value_sets(vaccine):
    codes = DCC_CODES[vaccine]

    assert codes.vp in value_set("vp")
    assert codes.mp in value_set("mp")
    assert codes.ma in value_set("ma")


MISSING = object()


@pytest.mark.parametrize(
    ("field", "value"),
    [("dn", 0), ("sd", "2"), ("dt", "02/08/2021"), ("ci", "U" * 81), ("ma", MISSING)],
)
def test_the_vendored_schema_refuses_a_broken_entry(citizen_person, unit1, field, value):
    certificate = certificate_for(citizen_person, unit1, ["pfizer"], False)
    hcert = signed_hcert(certificate_text(certificate))

    if value is MISSING:
        del hcert["v"][0][field]
    else:
        hcert["v"][0][field] = value

    assert schema_errors(hcert) != []


# --- The QR image -------------------------------------------------------------------------


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


@pytest.fixture
def built_codes(monkeypatch):
    """Every qrcode.QRCode the renderer builds, to look at its segments and level."""
    built = []

    class Recording(qrcode.QRCode):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built.append(self)

    monkeypatch.setattr(images.qrcode, "QRCode", Recording)
    return built


def test_the_served_png_is_the_hc1_text_alphanumeric_at_level_q(
    citizen_client, citizen_person, unit1, built_codes, django_capture_on_commit_callbacks
):
    certificate = certificate_for(citizen_person, unit1, ["pfizer", "pfizer"], False)
    text = certificate_text(certificate)
    digest = images.text_digest(text)
    keys = [images.png_key(digest), images.text_key(digest), images.pending_key(digest)]
    cache.delete_many(keys)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            page = citizen_client.get(reverse("vaccination:certificate", args=[certificate.pk]))
        url = re.search(r'<a href="(/qr/[0-9a-f]{64}\.png)" download=', page.content.decode())
        assert url, "the certificate page links no QR image"
        response = citizen_client.get(url.group(1))
    finally:
        cache.delete_many(keys)

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    (result,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert result.text == text
    assert result.ec_level == "Q"
    (code,) = built_codes
    assert code.error_correction == qrcode.constants.ERROR_CORRECT_Q
    # hcert_spec.md §4.2: the Base45 text in alphanumeric mode (long digit runs may be
    # numeric segments, which are smaller still); never 8-bit bytes.
    modes = {segment.mode for segment in code.data_list}
    assert qrcode.util.MODE_ALPHA_NUM in modes
    assert modes <= {qrcode.util.MODE_ALPHA_NUM, qrcode.util.MODE_NUMBER}
