"""EU DCCs issued abroad, as the specification makes them (tests/trust/vectors.py): each
variant a verifier MUST or SHOULD accept, and each one it must refuse, gets the verdict
hcert_spec.md implies, on the service and through the public API (never a 500)."""

import base64
import datetime
import json

import cbor2
import pytest
import time_machine
from django.urls import reverse

from khaibao.trust.models import TrustedCertificate
from khaibao.trust.services import qr_verify
from tests.trust import vectors
from tests.trust.conftest import trust
from tests.trust.vectors import (
    DAY,
    OID_RECOVERY,
    OID_SERVER_AUTH,
    OID_TEST,
    OID_VACCINATION,
    PS256,
    YEAR,
    german_test,
    german_vaccination,
    now,
)

API_URL = reverse("trust:api-verify")


@pytest.fixture
def germany(db):
    signer = vectors.issuer(country="DE")
    trust(signer)
    return signer


def _api(client, text: str) -> dict:
    response = client.post(API_URL, json.dumps({"qr": text}), content_type="application/json")
    assert response.status_code == 200
    return response.json()


# --- Signatures: ES256 and PS256 (§3.3.2) ------------------------------------------------


def test_an_es256_certificate_from_abroad_is_valid_and_names_its_country(germany, client):
    text = vectors.code(german_vaccination(), germany)

    verification = qr_verify(text)

    assert verification.status == "valid"
    assert verification.kind == "HC1:vaccination"
    assert verification.country == "DE"
    assert verification.claims["name"] == "Musterfrau Erika"
    assert verification.claims["issuer"] == "DE"
    assert verification.claims["cert_id"] == "URN:UVCI:01DE/IZ12345A/5CWLU12RNOB9RXSEOP6FG8#W"
    assert _api(client, text)["country"] == "DE"


def test_a_ps256_certificate_with_an_rsa_2048_key_is_valid(db, client):
    france = vectors.issuer(alg=PS256, country="FR")
    trust(france)
    text = vectors.code(german_vaccination(co="FR"), france, iss="FR")

    verification = qr_verify(text)

    assert france.alg == PS256
    assert verification.status == "valid"
    assert verification.country == "FR"
    assert _api(client, text)["status"] == "valid"


def test_a_ps256_signature_changed_by_one_byte_is_a_bad_signature(db):
    france = vectors.issuer(alg=PS256, country="FR")
    trust(france)
    cose = bytearray(vectors.sign1(vectors.payload(german_vaccination()), france))
    cose[-5] ^= 0x01

    assert qr_verify(vectors.qr_text(bytes(cose))).status == "bad_signature"


def test_an_es256_header_on_an_rsa_key_never_verifies(db):
    france = vectors.issuer(alg=PS256, country="FR")
    trust(france)
    # The same kid, an algorithm the key is not for: the signature cannot be checked.
    text = vectors.code(german_vaccination(), france, alg=vectors.ES256)

    assert qr_verify(text).status == "bad_signature"


# --- Where the kid is (§3.3.3) -------------------------------------------------------------


def test_a_kid_in_the_unprotected_header_is_accepted(germany):
    text = vectors.code(german_vaccination(), germany, kid_in="unprotected")

    assert qr_verify(text).status == "valid"


def test_a_kid_in_both_headers_uses_the_protected_one(germany):
    other = vectors.issuer(country="AT")
    trust(other)
    protected_wins = vectors.code(german_vaccination(), germany, unprotected_kid=other.kid)
    wrong_protected = vectors.code(
        german_vaccination(), germany, kid=other.kid, unprotected_kid=germany.kid
    )

    assert qr_verify(protected_wins).status == "valid"
    # Germany's key, but the protected kid names Austria's certificate.
    assert qr_verify(wrong_protected).status == "bad_signature"


def test_a_code_without_any_kid_has_an_unknown_key(germany):
    text = vectors.code(german_vaccination(), germany, kid_in="none")

    assert qr_verify(text).status == "unknown_key"


@pytest.mark.parametrize("order", ["listed first", "listed second"])
def test_every_certificate_with_a_colliding_kid_is_tried(db, order):
    """Two DSCs on the list share a kid (8 bytes collide): the one that verifies counts."""
    austria, poland = vectors.issuer(country="AT"), vectors.issuer(country="PL")
    trust(austria, poland)
    row = TrustedCertificate.objects.get(country="PL")
    shared = TrustedCertificate.objects.get(country="AT").kid
    if order == "listed first":
        TrustedCertificate.objects.filter(country="AT").update(kid=row.kid)
        shared = row.kid
    else:
        TrustedCertificate.objects.filter(pk=row.pk).update(kid=shared)
    kid = base64.b64decode(shared)

    by_austria = qr_verify(vectors.code(german_vaccination(co="AT"), austria, kid=kid))
    by_poland = qr_verify(vectors.code(german_vaccination(co="PL"), poland, kid=kid))

    assert (by_austria.status, by_austria.country) == ("valid", "AT")
    assert (by_poland.status, by_poland.country) == ("valid", "PL")


# --- The COSE structure (RFC 9052, RFC 8392 §6) -----------------------------------------------


@pytest.mark.parametrize("tag", ["18", "none", "61", "61-untagged"])
def test_cose_sign1_tagged_untagged_or_inside_the_cwt_tag_is_read(germany, client, tag):
    text = vectors.code(german_vaccination(), germany, tag=tag)

    assert qr_verify(text).status == "valid"
    assert _api(client, text)["status"] == "valid"


def test_a_cwt_tag_around_another_cose_structure_is_malformed(germany):
    message = cbor2.loads(vectors.sign1(vectors.payload(german_vaccination()), germany))
    # COSE_Mac0 (tag 17) is not a signature.
    wrapped = cbor2.dumps(cbor2.CBORTag(61, cbor2.CBORTag(17, list(message.value))))

    assert qr_verify(vectors.qr_text(wrapped)).status == "malformed"


# --- Schema versions ------------------------------------------------------------------------


def test_a_1_0_0_payload_with_a_time_in_the_birth_date_is_valid(germany, client):
    hcert = {**german_vaccination(), "ver": "1.0.0", "dob": "1964-08-12T00:00:00"}
    text = vectors.code(hcert, germany)

    verification = qr_verify(text)
    page = client.post(reverse("trust:verify"), {"qr": text}).content.decode()

    assert verification.status == "valid"
    assert verification.claims["birth_date"] == "1964-08-12T00:00:00"
    assert 'data-status="valid"' in page and "12/08/1964" in page


def test_a_birth_date_with_a_time_is_malformed_under_1_3_0(germany):
    hcert = {**german_vaccination(), "dob": "1964-08-12T00:00:00"}

    assert qr_verify(vectors.code(hcert, germany)).status == "malformed"


def test_each_payload_is_judged_by_the_schema_of_its_own_version(germany):
    # 1.0.0 limited dose numbers to 1-9; 1.3.0 takes any positive number.
    tenth_dose = german_vaccination(dn=10, sd=10)

    assert qr_verify(vectors.code(tenth_dose, germany)).status == "valid"
    assert qr_verify(vectors.code({**tenth_dose, "ver": "1.0.0"}, germany)).status == "malformed"


@pytest.mark.parametrize(
    ("ver", "status"),
    [
        ("1.3.3", "valid"),
        ("1.3.9", "valid"),  # an unreleased patch: the newest 1.3 schema
        ("1.4.0", "valid"),  # a newer minor version only adds: the newest 1.x schema
        ("2.0.0", "malformed"),
        ("1.3", "malformed"),
        ("", "malformed"),
    ],
)
def test_versions_without_a_schema_of_their_own(germany, ver, status):
    assert qr_verify(vectors.code({**german_vaccination(), "ver": ver}, germany)).status == status


def test_several_vaccination_entries_under_1_0_0_are_read_and_each_can_be_revoked(germany):
    from khaibao.trust.services import certificate_revoke

    first, second = german_vaccination()["v"][0], {**german_vaccination()["v"][0], "dn": 1}
    second["ci"] = "URN:UVCI:01DE/IZ12345A/OTHER#X"
    text = vectors.code({**german_vaccination(), "ver": "1.0.0", "v": [first, second]}, germany)

    assert qr_verify(text).status == "valid"
    certificate_revoke(cert_id=second["ci"], reason="thu hồi")
    assert qr_verify(text).status == "revoked"


# --- Time (§3.3.5, §3.3.6) ------------------------------------------------------------------


def test_an_issued_at_in_the_future_is_not_yet_valid(germany, client):
    text = vectors.code(german_vaccination(), germany, iat=int((now() + DAY).timestamp()))

    verification = qr_verify(text)
    page = client.post(reverse("trust:verify"), {"qr": text}).content.decode()

    assert verification.status == "not_yet_valid"
    assert verification.claims["name"] == "Musterfrau Erika"
    assert 'data-status="not_yet_valid"' in page and "Chưa có hiệu lực" in page


def test_an_issued_at_a_minute_ahead_is_a_clock_and_still_valid(germany):
    ahead = now() + datetime.timedelta(minutes=1)
    text = vectors.code(german_vaccination(), germany, iat=int(ahead.timestamp()))

    assert qr_verify(text).status == "valid"


def test_an_expired_code_is_expired(germany):
    text = vectors.code(
        german_vaccination(),
        germany,
        iat=int((now() - 200 * DAY).timestamp()),
        exp=int((now() - DAY).timestamp()),
    )

    assert qr_verify(text).status == "expired"


def test_a_code_whose_signing_certificate_has_expired_is_expired(db):
    old = vectors.issuer(not_before=now() - 3 * YEAR, not_after=now() - DAY)
    trust(old)
    # The code itself would run another year: the certificate of its key does not.
    text = vectors.code(german_vaccination(), old, iat=int((now() - 2 * YEAR).timestamp()))

    verification = qr_verify(text)

    assert verification.status == "expired"
    assert verification.claims["expires_at"] > now().isoformat()


def test_a_code_issued_before_its_signing_certificate_was_valid_is_refused(db):
    late = vectors.issuer(not_before=now() - DAY)
    trust(late)
    # "The Issued At field MUST not predate the validity period of the DSC."
    text = vectors.code(german_vaccination(), late, iat=int((now() - 30 * DAY).timestamp()))

    assert qr_verify(text).status == "bad_signature"


def test_a_signing_certificate_not_yet_valid_makes_its_codes_not_yet_valid(db):
    future = vectors.issuer(not_before=now() + DAY, not_after=now() + YEAR)
    trust(future)
    text = vectors.code(german_vaccination(), future, iat=int((now() + 2 * DAY).timestamp()))

    assert qr_verify(text).status == "not_yet_valid"
    with time_machine.travel(now() + 3 * DAY, tick=False):
        assert qr_verify(text).status == "valid"


# --- What the certificate may sign (A.4) ---------------------------------------------------------


def test_a_test_certificate_signed_by_a_certificate_limited_to_vaccination_is_refused(db):
    vaccinations_only = vectors.issuer(usages=[OID_VACCINATION])
    trust(vaccinations_only)

    test_result = qr_verify(vectors.code(german_test(), vaccinations_only))
    vaccination = qr_verify(vectors.code(german_vaccination(), vaccinations_only))

    assert test_result.status == "bad_signature"
    assert test_result.claims == {}
    assert vaccination.status == "valid"


@pytest.mark.parametrize(
    ("usages", "allowed"),
    [
        (None, {"v", "t"}),  # no extended key usage: every kind
        ([OID_SERVER_AUTH], {"v", "t"}),  # no DCC identifier among them: every kind
        ([OID_TEST, OID_RECOVERY], {"t"}),
        ([OID_TEST, OID_VACCINATION, OID_RECOVERY], {"v", "t"}),
    ],
)
def test_the_dcc_key_usage_decides_which_kinds_a_certificate_signs(db, usages, allowed):
    signer = vectors.issuer(usages=usages)
    trust(signer)

    seen = {
        kind
        for kind, hcert in (("v", german_vaccination()), ("t", german_test()))
        if qr_verify(vectors.code(hcert, signer)).status == "valid"
    }

    assert seen == allowed


# --- Tampering ------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["signature", "payload"])
def test_one_changed_byte_is_a_bad_signature(germany, client, where):
    message = list(cbor2.loads(vectors.sign1(vectors.payload(german_vaccination()), germany)).value)
    if where == "signature":
        message[3] = message[3][:7] + bytes([message[3][7] ^ 0x40]) + message[3][8:]
    else:
        assert b"Musterfrau" in message[2]
        message[2] = message[2].replace(b"Musterfrau", b"Musterfrax")
    text = vectors.qr_text(cbor2.dumps(cbor2.CBORTag(18, message)))

    assert qr_verify(text).status == "bad_signature"
    assert _api(client, text) == {
        "status": "bad_signature",
        "kind": "HC1",
        "country": "",
        "claims": {},
    }


def test_a_changed_kid_is_an_unknown_key(germany):
    kid = bytes([germany.kid[0] ^ 0x01]) + germany.kid[1:]

    assert qr_verify(vectors.code(german_vaccination(), germany, kid=kid)).status == "unknown_key"


def test_a_certificate_not_on_the_trust_list_is_an_unknown_key(db):
    stranger = vectors.issuer(country="XK")

    assert qr_verify(vectors.code(german_vaccination(), stranger)).status == "unknown_key"


# --- Permissive decoding (§3.3.7) ----------------------------------------------------------------


def test_tagged_dates_and_a_float_timestamp_are_read(germany, client):
    hcert = german_vaccination(dt=cbor2.CBORTag(1004, "2021-06-11"))
    hcert["dob"] = cbor2.CBORTag(0, "1964-08-12T00:00:00Z")
    issued = (now() - DAY).replace(microsecond=0)
    text = vectors.code(
        hcert,
        germany,
        iat=issued.timestamp() + 0.25,  # a float NumericDate
        exp=cbor2.CBORTag(1, int((now() + YEAR).timestamp())),  # a tagged epoch date-time
    )

    verification = qr_verify(text)

    assert verification.status == "valid"
    assert verification.claims["birth_date"] == "1964-08-12"
    assert verification.claims["hcert"]["v"][0]["dt"] == "2021-06-11"
    quarter = datetime.timedelta(milliseconds=250)
    assert verification.claims["issued_at"] == (issued + quarter).isoformat()
    assert _api(client, text)["status"] == "valid"


def test_a_float_dose_number_without_fraction_and_nfd_text_are_read(germany):
    hcert = german_vaccination(dn=2.0, sd=2.0)
    hcert["nam"] = {**hcert["nam"], "fn": "Mu\u0308ller"}  # NFD "Müller"

    verification = qr_verify(vectors.code(hcert, germany))

    assert verification.status == "valid"
    assert verification.claims["hcert"]["v"][0]["dn"] == 2
    assert verification.claims["name"] == "Müller Erika"


def test_a_code_without_the_optional_iss_claim_is_valid(germany):
    verification = qr_verify(vectors.code(german_vaccination(), germany, iss=None))

    assert verification.status == "valid"
    assert verification.country == "DE"


@pytest.mark.parametrize(
    "change",
    [
        {"dob": b"1964-08-12"},  # a byte string: no reasonable conversion
        {"dob": cbor2.CBORTag(1004, "12.08.1964")},  # a tag 1004 that is no date
        {"nam": {1: "MUSTERFRAU"}},  # a map with a number as key
    ],
    ids=["bytes", "bad tagged date", "integer key"],
)
def test_what_no_reasonable_conversion_reads_is_malformed(germany, client, change):
    text = vectors.code({**german_vaccination(), **change}, germany)

    assert qr_verify(text).status == "malformed"
    assert _api(client, text)["status"] == "malformed"
