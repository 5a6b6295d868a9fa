"""The issuer checks every HC1 payload against the official 1.3.0 schema, its formats and
value sets, and the validity of its signing certificate, before anything is signed."""

import datetime

import pytest

from khaibao.trust import cose, services
from khaibao.trust.hcert import hcert_build, uvci_new
from khaibao.trust.keys import keyring
from khaibao.trust.services import qr_issue_hc1, qr_verify
from tests.trust.conftest import lab_test_hcert, vaccination_hcert

YEAR = datetime.timedelta(days=365)


@pytest.fixture
def signatures(monkeypatch):
    """Every COSE signature made during the test."""
    made = []
    original = cose.sign1_encode

    def recording(*args, **kwargs):
        made.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(services.cose, "sign1_encode", recording)
    return made


def _vaccination(**entry):
    return vaccination_hcert(**entry)


def _with(hcert: dict, **top) -> dict:
    return {**hcert, **top}


def _long(n: int = 81) -> str:
    return "Nguyễn" + "a" * (n - 6)


INVALID = {
    "target disease not in its value set": (_vaccination(tg="12345"), "v[0].tg"),
    "dose number 0": (_vaccination(dn=0), "v[0].dn"),
    "country as a name": (_vaccination(co="Vietnam"), "v[0].co"),
    "country in lower case": (_vaccination(co="vn"), "v[0].co"),
    "vaccine not in its value set": (_vaccination(mp="Vero Cell"), "v[0].mp"),
    "manufacturer not in its value set": (_vaccination(ma="Sinopharm"), "v[0].ma"),
    "issuer over 80 characters": (_vaccination(**{"is": _long()}), "v[0].is"),
    "vaccination date that does not exist": (_vaccination(dt="2021-02-30"), "v[0].dt"),
    "vaccination date in dd/mm/yyyy": (_vaccination(dt="01/09/2021"), "v[0].dt"),
    "born in 1850": (_with(_vaccination(), dob="1850-03-14"), "dob"),
    "birth date with a time": (_with(_vaccination(), dob="1988-03-14T00:00:00"), "dob"),
    "family name over 80 characters": (
        _with(_vaccination(), nam={"fn": _long(), "fnt": "NGUYEN"}),
        "nam.fn",
    ),
    "transliteration with lower case": (
        _with(_vaccination(), nam={"fn": "Nguyễn", "fnt": "Nguyen"}),
        "nam.fnt",
    ),
    "version without a patch number": (_with(_vaccination(), ver="1.3"), "ver"),
    "another version than 1.3.0": (_with(_vaccination(), ver="1.3.3"), "ver"),
    "test type not in its value set": (
        {**lab_test_hcert(), "t": [{**lab_test_hcert()["t"][0], "tt": "PCR"}]},
        "t[0].tt",
    ),
    "sample time without a time zone": (
        {**lab_test_hcert(), "t": [{**lab_test_hcert()["t"][0], "sc": "2026-11-20 08:30"}]},
        "t[0].sc",
    ),
    "test result not in its value set": (
        {**lab_test_hcert(), "t": [{**lab_test_hcert()["t"][0], "tr": "negative"}]},
        "t[0].tr",
    ),
}


@pytest.mark.parametrize(("hcert", "field"), INVALID.values(), ids=INVALID.keys())
def test_an_invalid_payload_is_refused_naming_the_field_and_nothing_is_signed(
    db, signatures, hcert, field
):
    with pytest.raises(ValueError) as error:
        qr_issue_hc1(hcert=hcert, cert_id=uvci_new(), valid_for=YEAR)

    assert f"{field}:" in str(error.value)
    assert signatures == []


def test_a_missing_required_field_is_named(db, signatures):
    hcert = _vaccination()
    del hcert["v"][0]["sd"]

    with pytest.raises(ValueError, match=r"v\[0\]\.sd: \"sd\" is a required property"):
        qr_issue_hc1(hcert=hcert, cert_id=uvci_new(), valid_for=YEAR)
    assert signatures == []


def test_a_certificate_id_over_80_characters_is_refused(db, signatures):
    with pytest.raises(ValueError, match=r"v\[0\]\.ci"):
        qr_issue_hc1(hcert=_vaccination(), cert_id="URN:UVCI:01:VN:" + "A" * 70, valid_for=YEAR)
    assert signatures == []


def test_a_50_year_validity_outlasts_the_signing_certificate_and_is_refused(db, signatures):
    certificate = keyring().active.certificates[-1]

    with pytest.raises(ValueError, match="exp: .*signing certificate") as error:
        qr_issue_hc1(
            hcert=_vaccination(), cert_id=uvci_new(), valid_for=datetime.timedelta(days=50 * 365)
        )

    assert f"{certificate.not_valid_after_utc:%Y-%m-%d}" in str(error.value)
    assert signatures == []


def test_a_code_may_last_as_long_as_its_signing_certificate(db, signatures):
    certificate = keyring().active.certificates[-1]
    issued = datetime.datetime.now(tz=datetime.UTC).replace(microsecond=0)
    longest = certificate.not_valid_after_utc - issued

    issued_code = qr_issue_hc1(
        hcert=_vaccination(), cert_id=uvci_new(), valid_for=longest, issued_at=issued
    )

    assert qr_verify(issued_code.text).status == "valid"
    assert len(signatures) == 1


def test_a_valid_payload_is_signed_once_and_verifies(db, signatures):
    issued = qr_issue_hc1(hcert=_vaccination(), cert_id=uvci_new(), valid_for=YEAR)

    assert qr_verify(issued.text).status == "valid"
    assert len(signatures) == 1


def test_text_is_signed_nfc_normalised(db):
    hcert = hcert_build(
        family_name="Nguye\u0302\u0303n",  # NFD, as iOS keyboards type it
        given_name="Văn An",
        date_of_birth=datetime.date(1988, 3, 14),
        kind="v",
        entry=_vaccination()["v"][0],
    )

    issued = qr_issue_hc1(hcert=hcert, cert_id=uvci_new(), valid_for=YEAR)

    assert qr_verify(issued.text).claims["hcert"]["nam"]["fn"] == "Nguyễn"
