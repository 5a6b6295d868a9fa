"""Issuing and verifying signed QR codes (services), checked against the formats themselves."""

import datetime
import hashlib
import random
import zlib
import zoneinfo

import base45
import cbor2
import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone

from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.trust import cose
from khaibao.trust.certificates import certificate_kid
from khaibao.trust.hcert import icao_transliterate, uvci_new
from khaibao.trust.keys import keyring, kid_for
from khaibao.trust.models import RevokedCertificate, VerificationStatus
from khaibao.trust.services import (
    certificate_revoke,
    qr_for_person,
    qr_issue_hc1,
    qr_issue_kb1,
    qr_verify,
)
from tests.trust.conftest import add_key, lab_test_hcert, recovery_hcert, vaccination_hcert

YEAR = datetime.timedelta(days=365)
STATUSES = {choice.value for choice in VerificationStatus}


def _kb1(**overrides):
    arguments = {
        "kind": "declaration",
        "subject_id": "3f2a9c1e-5b7d-4e60-8a11-2c3d4e5f6a7b",
        "claims": {"name": "Nguyễn Văn An", "birth_date": datetime.date(1988, 3, 14)},
        "valid_for": YEAR,
    }
    return qr_issue_kb1(**{**arguments, **overrides})


def _layers(text: str):
    """(prefix, [protected, unprotected, payload, signature]) using only the libraries."""
    prefix, body = text[:4], text[4:]
    message = cbor2.loads(zlib.decompress(base45.b45decode(body)))
    return prefix, list(message.value)


def _rebuild(prefix: str, parts) -> str:
    message = cbor2.dumps(cbor2.CBORTag(18, list(parts)))
    return prefix + base45.b45encode(zlib.compress(message)).decode()


def _wrap_raw(data: bytes, prefix: str = "KB1:") -> str:
    return prefix + base45.b45encode(zlib.compress(data)).decode()


# --- Round trips --------------------------------------------------------------------------


def test_a_kb1_code_verifies_as_valid_with_what_it_states(db):
    issued = _kb1(claims={"name": "Nguyễn Văn An", "birth_date": datetime.date(1988, 3, 14)})

    verification = qr_verify(issued.text)

    assert issued.text.startswith("KB1:")
    assert verification.status == "valid"
    assert verification.kind == "KB1:declaration"
    assert verification.claims == {
        "issuer": "VN",
        "issued_at": issued.issued_at.astimezone(datetime.UTC).isoformat(),
        "expires_at": issued.expires_at.astimezone(datetime.UTC).isoformat(),
        "cert_id": issued.cert_id,
        "subject_id": "3f2a9c1e-5b7d-4e60-8a11-2c3d4e5f6a7b",
        "name": "Nguyễn Văn An",
        "birth_date": "1988-03-14",
    }


def test_extra_kb1_claims_come_back_under_their_own_names(db):
    issued = _kb1(kind="venue", claims={"name": "Chợ Bến Thành", "a": "79-26734"})

    verification = qr_verify(issued.text)

    assert verification.kind == "KB1:venue"
    assert verification.claims["a"] == "79-26734"
    assert verification.claims["name"] == "Chợ Bến Thành"


@pytest.mark.parametrize(
    ("build", "kind"),
    [
        (vaccination_hcert, "HC1:vaccination"),
        (lab_test_hcert, "HC1:test"),
        (recovery_hcert, "HC1:recovery"),
    ],
)
def test_an_hc1_code_verifies_as_valid_for_each_certificate_kind(db, build, kind):
    cert_id = uvci_new()

    issued = qr_issue_hc1(hcert=build(), cert_id=cert_id, valid_for=YEAR)
    verification = qr_verify(issued.text)

    assert issued.text.startswith("HC1:")
    assert cert_id.startswith("URN:UVCI:01:VN:")
    assert verification.status == "valid"
    assert verification.kind == kind
    assert verification.claims["cert_id"] == cert_id
    entry_key = kind.split(":")[1][0]
    assert verification.claims["hcert"][entry_key][0]["ci"] == cert_id


def test_an_hc1_code_is_an_eu_dcc_read_layer_by_layer_without_our_decoder(db):
    hcert = vaccination_hcert()
    cert_id = uvci_new()
    text = qr_issue_hc1(hcert=hcert, cert_id=cert_id, valid_for=YEAR).text

    assert text.startswith("HC1:")
    compressed = base45.b45decode(text[len("HC1:") :])
    cose_bytes = zlib.decompress(compressed)
    message = cbor2.loads(cose_bytes)
    assert isinstance(message, cbor2.CBORTag)
    assert message.tag == 18
    protected, unprotected, payload, signature = message.value
    header = cbor2.loads(protected)
    assert header[1] == -7
    assert header[4] == certificate_kid(keyring().active.certificates[-1])
    assert len(signature) == 64
    claims = cbor2.loads(payload)
    assert claims[1] == "VN"
    assert claims[4] - claims[6] == int(YEAR.total_seconds())
    dcc = claims[-260][1]
    assert dcc["ver"] == "1.3.0"
    assert dcc["nam"] == {"fn": "Nguyễn", "fnt": "NGUYEN", "gn": "Văn An", "gnt": "VAN<AN"}
    assert dcc["dob"] == "1988-03-14"
    assert "t" not in dcc and "r" not in dcc
    assert len(dcc["v"]) == 1
    assert dcc["v"][0]["ci"] == cert_id
    assert dcc["v"][0]["dn"] == 2 and dcc["v"][0]["tg"] == "840539006"


def test_an_hcert_with_missing_fields_is_refused_at_issue(db):
    hcert = vaccination_hcert()
    del hcert["v"][0]["mp"]

    with pytest.raises(ValueError, match="v\\[0\\].mp"):
        qr_issue_hc1(hcert=hcert, cert_id=uvci_new(), valid_for=YEAR)


def test_an_hcert_with_two_certificate_kinds_is_refused_at_issue(db):
    hcert = {**vaccination_hcert(), "t": lab_test_hcert()["t"]}

    with pytest.raises(ValueError, match="exactly one"):
        qr_issue_hc1(hcert=hcert, cert_id=uvci_new(), valid_for=YEAR)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Nguyễn Văn An", "NGUYEN<VAN<AN"),
        ("Đặng Thị Ánh", "DANG<THI<ANH"),
        ("Lê-Hoàng  Phương", "LE<HOANG<PHUONG"),
        ("Nguye\u0302\u0303n", "NGUYEN"),  # NFD, as iOS keyboards type it
        ("Ð", "D"),
        ("O'Neil", "ONEIL"),
    ],
)
def test_icao_transliteration_of_vietnamese_names(name, expected):
    assert icao_transliterate(name) == expected


# --- Tampering, keys, expiry, revocation ----------------------------------------------------


@pytest.mark.parametrize("part", ["signature", "payload"])
@pytest.mark.parametrize("prefix", ["HC1:", "KB1:"])
def test_one_changed_byte_in_a_signed_code_is_a_bad_signature(db, part, prefix):
    if prefix == "HC1:":
        text = qr_issue_hc1(hcert=vaccination_hcert(), cert_id=uvci_new(), valid_for=YEAR).text
    else:
        text = _kb1().text
    _, parts = _layers(text)
    protected, unprotected, payload, signature = parts
    if part == "signature":
        signature = signature[:10] + bytes([signature[10] ^ 0x01]) + signature[11:]
    else:
        # The same name, one letter changed: still a perfectly readable payload.
        assert b"Nguy" in payload
        payload = payload.replace(b"Nguy", b"Nguz", 1)
    forged = _rebuild(prefix, [protected, unprotected, payload, signature])

    verification = qr_verify(forged)

    assert qr_verify(text).status == "valid"
    assert verification.status == "bad_signature"
    assert verification.kind == prefix[:3]
    assert verification.claims == {}


def test_a_code_signed_by_a_key_outside_the_directory_has_an_unknown_key(db, tmp_path):
    outsider = ec.generate_private_key(ec.SECP256R1())
    payload = cbor2.dumps(
        {1: "VN", 6: 1_700_000_000, 4: 4_000_000_000, 7: b"URN:X", -70001: {"k": "person"}}
    )
    message = cose.sign1_encode(payload, kid=kid_for(outsider.public_key()), private_key=outsider)

    verification = qr_verify(cose.wrap("KB1:", message))

    assert verification.status == "unknown_key"
    assert verification.claims == {}


def test_a_code_without_a_kid_has_an_unknown_key(db):
    _, parts = _layers(_kb1().text)
    parts[0] = cbor2.dumps({1: -7})

    assert qr_verify(_rebuild("KB1:", parts)).status == "unknown_key"


def test_a_code_past_its_expiry_is_expired_and_still_says_whose_it_is(db):
    issued = _kb1(valid_for=datetime.timedelta(days=30))

    with time_machine.travel(issued.expires_at - datetime.timedelta(seconds=1), tick=False):
        assert qr_verify(issued.text).status == "valid"
    with time_machine.travel(issued.expires_at + datetime.timedelta(seconds=1), tick=False):
        verification = qr_verify(issued.text)

    assert verification.status == "expired"
    assert verification.claims["name"] == "Nguyễn Văn An"


def test_a_revoked_certificate_is_revoked_and_the_revocation_is_audited(db, ward1_staff):
    issued = qr_issue_hc1(hcert=vaccination_hcert(), cert_id=uvci_new(), valid_for=YEAR)
    other = qr_issue_hc1(hcert=vaccination_hcert(), cert_id=uvci_new(), valid_for=YEAR)

    revocation = certificate_revoke(
        cert_id=issued.cert_id, reason="Cấp lại sau khi sửa mũi 2", by=ward1_staff
    )
    again = certificate_revoke(cert_id=issued.cert_id, reason="lần hai", by=ward1_staff)

    assert qr_verify(issued.text).status == "revoked"
    assert qr_verify(issued.text).claims["cert_id"] == issued.cert_id
    assert qr_verify(other.text).status == "valid"
    revocation.refresh_from_db()
    assert again.pk == revocation.pk
    assert revocation.reason == "Cấp lại sau khi sửa mũi 2"
    assert RevokedCertificate.objects.count() == 1
    event = AuditEvent.objects.get(object_type="trust.revokedcertificate")
    assert event.actor == ward1_staff
    assert event.action == AuditAction.DECIDE
    assert event.object_id == str(revocation.pk)
    assert event.detail == {
        "decision": "revoke",
        "cert_id": issued.cert_id,
        "reason": "Cấp lại sau khi sửa mũi 2",
    }


def test_a_revocation_without_a_deciding_user_writes_no_audit_event(db):
    issued = _kb1()

    certificate_revoke(cert_id=issued.cert_id, reason="Tờ khai bị huỷ")

    assert qr_verify(issued.text).status == "revoked"
    assert not AuditEvent.objects.filter(object_type="trust.revokedcertificate").exists()


def test_revoked_wins_over_expired(db):
    issued = _kb1(valid_for=datetime.timedelta(days=1))
    certificate_revoke(cert_id=issued.cert_id, reason="huỷ")

    with time_machine.travel(issued.expires_at + datetime.timedelta(days=1), tick=False):
        assert qr_verify(issued.text).status == "revoked"


# --- Malformed input ------------------------------------------------------------------------


def _signed_by_us(prefix: str, payload: bytes) -> str:
    key = keyring().active
    kid = certificate_kid(key.certificates[-1]) if prefix == "HC1:" else key.kid
    return cose.wrap(prefix, cose.sign1_encode(payload, kid=kid, private_key=key.private_key))


MALFORMED = {
    "empty": "",
    "spaces": "   \n",
    "garbage": "xin chào, đây không phải mã QR",
    "url": "https://example.com/?q=HC1:",
    "wrong prefix": "HC2:" + base45.b45encode(zlib.compress(b"\x84")).decode(),
    "prefix only": "HC1:",
    "bad base45 character": "KB1:ABC!DEF",
    "bad base45 length": "KB1:ABCD",
    "bad base45 value": "KB1:GGW",
    "bad zlib": "KB1:" + base45.b45encode(b"definitely not zlib").decode(),
    "truncated zlib": "KB1:" + base45.b45encode(zlib.compress(b"x" * 100)[:-4]).decode(),
    "zlib then garbage": "KB1:" + base45.b45encode(zlib.compress(b"\x80") + b"tail").decode(),
    "zlib bomb": "KB1:" + base45.b45encode(zlib.compress(b"\0" * 5_000_000, 9)).decode(),
    "not CBOR": _wrap_raw(b"\xff\xfe\xfd"),
    "CBOR map, not COSE": _wrap_raw(cbor2.dumps({"qr": "hello"})),
    "CBOR text": _wrap_raw(cbor2.dumps("HC1:")),
    "wrong tag": _wrap_raw(cbor2.dumps(cbor2.CBORTag(17, [b"", {}, b"", b""]))),
    "three parts": _wrap_raw(cbor2.dumps(cbor2.CBORTag(18, [b"", {}, b""]))),
    "parts of wrong types": _wrap_raw(cbor2.dumps(cbor2.CBORTag(18, ["a", {}, 1, None]))),
    "protected not CBOR": _wrap_raw(cbor2.dumps(cbor2.CBORTag(18, [b"\xff", {}, b"", b""]))),
    "deeply nested": _wrap_raw(b"\x81" * 5000 + b"\x00"),
    "duplicate keys": _wrap_raw(bytes.fromhex("d28443a10126a2040104024040")),
    "COSE then garbage": _wrap_raw(bytes.fromhex("d28443a10126a0404000")),
    "too long": "KB1:" + "A" * 5000,
}


@pytest.mark.parametrize("text", MALFORMED.values(), ids=MALFORMED.keys())
def test_undecodable_input_is_malformed_never_an_exception(db, text):
    verification = qr_verify(text)

    assert verification.status == "malformed"
    assert verification.claims == {}


@pytest.mark.parametrize("value", [None, 42, b"HC1:", ["HC1:"]])
def test_non_text_is_malformed(db, value):
    assert qr_verify(value).status == "malformed"


@pytest.mark.parametrize(
    "payload",
    [
        cbor2.dumps([1, 2, 3]),
        cbor2.dumps({1: "VN", 6: 1, 4: 4_000_000_000}),
        cbor2.dumps({1: "VN", 6: 1, 4: 4_000_000_000, -260: {1: {"ver": "1.3.0"}}}),
        cbor2.dumps({1: "VN", 6: "yesterday", 4: 4_000_000_000, -260: {1: {}}}),
        cbor2.dumps({1: "VN", 6: 1, 4: 10**30, -260: {1: vaccination_hcert()}}),
    ],
    ids=["not a map", "no hcert", "hcert without fields", "iat not a number", "exp too far"],
)
def test_a_well_signed_payload_that_is_not_a_certificate_is_malformed(db, payload):
    verification = qr_verify(_signed_by_us("HC1:", payload))

    assert verification.status == "malformed"
    assert verification.kind == "HC1"


def test_a_kb1_payload_with_bytes_in_the_claims_is_malformed(db):
    payload = cbor2.dumps(
        {1: "VN", 6: 1, 4: 4_000_000_000, 7: b"URN:X", -70001: {"k": "person", "id": b"\x00"}}
    )

    assert qr_verify(_signed_by_us("KB1:", payload)).status == "malformed"


def test_random_damage_never_raises(db):
    """A cheap fuzzer: every layer of a real code, randomly damaged, gives a status."""
    rng = random.Random(20260101)
    text = qr_issue_hc1(hcert=vaccination_hcert(), cert_id=uvci_new(), valid_for=YEAR).text
    cose_bytes = zlib.decompress(base45.b45decode(text[4:]))
    seen = set()
    for _ in range(400):
        damaged = bytearray(cose_bytes)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        seen.add(qr_verify(_wrap_raw(bytes(damaged), "HC1:")).status)
        chars = list(text)
        chars[rng.randrange(4, len(chars))] = rng.choice(base45.BASE45_CHARSET)
        seen.add(qr_verify("".join(chars)).status)
        seen.add(qr_verify(text[: rng.randrange(len(text))]).status)
    assert seen <= STATUSES
    assert {"malformed", "bad_signature"} <= seen


def test_scanner_noise_around_a_code_is_tolerated(db):
    text = _kb1().text

    assert qr_verify(f"  {text}\r\n").status == "valid"
    # A USB scanner typing with Caps Lock on swaps the case of every letter.
    assert qr_verify(text.swapcase()).status == "valid"


# --- The personal QR ------------------------------------------------------------------------


def test_the_personal_qr_carries_the_public_id_name_and_birth_date_and_no_id_number(
    db, citizen_person
):
    text = qr_for_person(citizen_person)

    verification = qr_verify(text)
    _, parts = _layers(text)
    payload = cbor2.loads(parts[2])

    assert verification.status == "valid"
    assert verification.kind == "KB1:person"
    assert verification.claims["subject_id"] == str(citizen_person.public_id)
    assert verification.claims["name"] == "Nguyễn Văn An"
    assert verification.claims["birth_date"] == "1988-03-14"
    assert set(payload) == {1, 4, 6, 7, -70001}
    assert set(payload[-70001]) == {"k", "id", "n", "b"}
    assert citizen_person.id_number
    assert citizen_person.id_number.encode() not in zlib.decompress(base45.b45decode(text[4:]))
    assert citizen_person.phone[-9:].encode() not in parts[2]


def test_the_personal_qr_lasts_the_configured_days_and_is_the_same_all_day(
    db, citizen_person, settings
):
    settings.PERSONAL_QR_VALID_DAYS = 30
    hanoi = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
    morning = datetime.datetime(2026, 11, 20, 7, 5, tzinfo=hanoi)
    evening = datetime.datetime(2026, 11, 20, 22, 40, tzinfo=hanoi)

    with time_machine.travel(morning, tick=False):
        first = qr_for_person(citizen_person)
    with time_machine.travel(evening, tick=False):
        second = qr_for_person(citizen_person)
        claims = qr_verify(second).claims

    assert first == second
    issued = datetime.datetime.fromisoformat(claims["issued_at"])
    expires = datetime.datetime.fromisoformat(claims["expires_at"])
    assert issued == datetime.datetime(2026, 11, 20, tzinfo=hanoi)
    assert expires - issued == datetime.timedelta(days=30)


def test_the_kid_is_the_first_8_bytes_of_the_sha256_of_the_public_key(db, signing_keys):
    (path,) = signing_keys.glob("*.pem")
    private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    _, parts = _layers(_kb1().text)

    assert cbor2.loads(parts[0])[4] == hashlib.sha256(der).digest()[:8]


def test_signing_the_same_claims_twice_gives_the_same_text(db):
    issued_at = timezone.now()

    first = _kb1(cert_id="URN:KB:VN:TEST:1", issued_at=issued_at)
    second = _kb1(cert_id="URN:KB:VN:TEST:1", issued_at=issued_at)

    assert first.text == second.text


def test_a_new_key_generated_into_the_directory_is_used_for_new_codes(db, signing_keys):
    old_kid = keyring().active.kid
    old = _kb1()

    add_key(signing_keys)
    new = _kb1()

    assert keyring().active.kid != old_kid
    assert cbor2.loads(_layers(new.text)[1][0])[4] == keyring().active.kid
    assert qr_verify(old.text).status == "valid"
    assert qr_verify(new.text).status == "valid"
