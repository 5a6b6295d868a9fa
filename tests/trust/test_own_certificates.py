"""The portal's own signing certificates: issued by a local CSCA kept out of the key folder,
published for verifiers, and named by the kid of every HC1 code the portal signs."""

import base64
import datetime
import hashlib
import stat
import zlib

import cbor2
import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.management import CommandError, call_command
from django.urls import reverse

from khaibao.trust.hcert import uvci_new
from khaibao.trust.keys import generate_key, keyring, keyring_reset, signing_key
from khaibao.trust.services import qr_issue_hc1, qr_verify
from tests.trust.conftest import add_key, vaccination_hcert

YEAR = datetime.timedelta(days=365)
DCC_USAGE_OIDS = {
    "1.3.6.1.4.1.1847.2021.1.1",
    "1.3.6.1.4.1.1847.2021.1.2",
    "1.3.6.1.4.1.1847.2021.1.3",
}
_BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def _base45_decode(text: str) -> bytes:
    """RFC 9285 §4.2, written out here so that no code of the portal's is involved."""
    out = bytearray()
    for start in range(0, len(text), 3):
        chunk = [_BASE45.index(char) for char in text[start : start + 3]]
        value = sum(digit * 45**power for power, digit in enumerate(chunk))
        out += value.to_bytes(2 if len(chunk) == 3 else 1, "big")
    return bytes(out)


def _published_certificates(client) -> list[x509.Certificate]:
    response = client.get(reverse("trust:signing-certificates"))
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    (country,) = response.json()
    assert country == "VN"
    entries = response.json()["VN"]
    for entry in entries:
        der = base64.b64decode(entry["rawData"])
        assert entry["kid"] == base64.b64encode(hashlib.sha256(der).digest()[:8]).decode()
    return [x509.load_der_x509_certificate(base64.b64decode(e["rawData"])) for e in entries]


def test_an_hc1_codes_kid_is_the_first_8_bytes_of_the_sha256_of_the_published_certificate(
    db, client
):
    text = qr_issue_hc1(hcert=vaccination_hcert(), cert_id=uvci_new(), valid_for=YEAR).text
    (certificate,) = _published_certificates(client)
    csca_pem = client.get(reverse("trust:csca"))

    # Step by step, with cryptography, cbor2 and zlib alone.
    assert text.startswith("HC1:")
    cose = cbor2.loads(zlib.decompress(_base45_decode(text[4:])))
    assert cose.tag == 18
    protected, unprotected, payload, signature = cose.value
    header = cbor2.loads(protected)
    der = certificate.public_bytes(Encoding.DER)
    assert header == {1: -7, 4: hashlib.sha256(der).digest()[:8]}
    assert unprotected == {}
    public_key = certificate.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    public_key.verify(
        encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        ),
        cbor2.dumps(["Signature1", protected, b"", payload]),
        ec.ECDSA(hashes.SHA256()),
    )
    claims = cbor2.loads(payload)
    assert claims[1] == "VN" and claims[-260][1]["ver"] == "1.3.0"
    # The certificate: signs every DCC kind, lasts the code's lifetime, issued by the CSCA.
    usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert {oid.dotted_string for oid in usages} == DCC_USAGE_OIDS
    assert certificate.not_valid_before_utc.timestamp() <= claims[6]
    assert claims[4] <= certificate.not_valid_after_utc.timestamp()
    (csca,) = x509.load_pem_x509_certificates(csca_pem.content)
    certificate.verify_directly_issued_by(csca)
    assert csca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert certificate.subject.get_attributes_for_oid(x509.NameOID.COUNTRY_NAME)[0].value == "VN"


def test_the_csca_key_is_never_in_the_web_servers_key_folder(db, signing_keys, csca_dir):
    assert (csca_dir / "csca.key.pem").exists()
    assert stat.S_IMODE((csca_dir / "csca.key.pem").stat().st_mode) == 0o600
    assert not list(signing_keys.glob("csca.key*"))
    assert (signing_keys / "csca.crt").exists()  # the public certificate, for /csca.pem
    assert signing_keys not in csca_dir.parents and csca_dir != signing_keys


def test_kb1_codes_keep_the_public_key_kid_of_the_jwk_document(db, client, citizen_person):
    from khaibao.trust.services import qr_for_person

    text = qr_for_person(citizen_person)
    protected = cbor2.loads(zlib.decompress(_base45_decode(text[4:]))).value[0]

    jwk_kids = [key["kid"] for key in client.get(reverse("trust:keys")).json()["keys"]]
    assert base64.b64encode(cbor2.loads(protected)[4]).decode() in jwk_kids
    assert cbor2.loads(protected)[4] == signing_key().kid


def test_codes_of_a_rotated_key_keep_verifying_by_their_own_certificate(db, client, signing_keys):
    old = qr_issue_hc1(hcert=vaccination_hcert(), cert_id=uvci_new(), valid_for=YEAR).text

    add_key(signing_keys)
    new = qr_issue_hc1(hcert=vaccination_hcert(), cert_id=uvci_new(), valid_for=YEAR).text

    assert len(_published_certificates(client)) == 2
    assert qr_verify(old).status == "valid" and qr_verify(new).status == "valid"
    assert (
        cbor2.loads(zlib.decompress(_base45_decode(old[4:]))).value[0]
        != cbor2.loads(zlib.decompress(_base45_decode(new[4:]))).value[0]
    )


def test_hc1_codes_cannot_be_issued_without_a_signing_certificate(db, signing_keys, settings):
    for path in signing_keys.glob("*.crt"):
        path.unlink()
    keyring_reset()

    with pytest.raises(Exception, match="trust_dsc_issue"):
        qr_issue_hc1(hcert=vaccination_hcert(), cert_id=uvci_new(), valid_for=YEAR)


def test_the_verdict_follows_the_portals_own_certificate_validity(db, signing_keys):
    certificate = keyring().active.certificates[-1]
    text = qr_issue_hc1(
        hcert=vaccination_hcert(), cert_id=uvci_new(), valid_for=datetime.timedelta(days=30)
    ).text

    with time_machine.travel(certificate.not_valid_after_utc + datetime.timedelta(days=1)):
        assert qr_verify(text).status == "expired"


# --- Management commands ------------------------------------------------------------------


def test_the_csca_command_refuses_the_key_folder_and_an_existing_csca(
    db, tmp_path, signing_keys, csca_dir
):
    with pytest.raises(CommandError, match="must not be SIGNING_KEYS_DIR"):
        call_command("trust_csca_create", "--dir", str(signing_keys))
    with pytest.raises(CommandError, match="must not be SIGNING_KEYS_DIR"):
        call_command("trust_csca_create", "--dir", str(signing_keys / "inside"))
    with pytest.raises(CommandError, match="already exists"):
        call_command("trust_csca_create", "--dir", str(csca_dir))


def test_the_commands_make_a_csca_and_certify_a_new_key(db, tmp_path, settings, capsys):
    keys = tmp_path / "production-keys"
    settings.SIGNING_KEYS_DIR = keys
    settings.SIGNING_CSCA_DIR = tmp_path / "offline-csca"
    generate_key(keys)
    keyring_reset()

    call_command("trust_csca_create", "--name", "Sở Y tế TP.HCM CSCA")
    call_command("trust_dsc_issue", "--usage", "vaccination", "--days", "400")
    call_command("trust_dsc_issue")
    keyring_reset()

    output = capsys.readouterr().out
    assert "CSCA created in" in output and "HC1 kid" in output
    assert "has a valid certificate (use --renew)" in output
    (certificate,) = keyring().active.certificates
    usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert [oid.dotted_string for oid in usages] == ["1.3.6.1.4.1.1847.2021.1.2"]
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert datetime.timedelta(days=400) <= lifetime <= datetime.timedelta(days=401)
    assert not list(keys.glob("csca.key*"))
    # This key signs vaccinations only: a test certificate it signed would not verify.
    text = qr_issue_hc1(hcert=vaccination_hcert(), cert_id=uvci_new(), valid_for=YEAR).text
    assert qr_verify(text).status == "valid"


def test_the_certificate_command_without_a_csca_says_how_to_make_one(db, tmp_path, settings):
    settings.SIGNING_CSCA_DIR = tmp_path / "nothing"

    with pytest.raises(CommandError, match="trust_csca_create"):
        call_command("trust_dsc_issue", "--renew")


def test_development_makes_a_csca_and_a_certificate_outside_the_key_folder(db, tmp_path, settings):
    settings.DEBUG = True
    settings.SIGNING_KEYS_DIR = tmp_path / "var" / "keys"
    settings.SIGNING_CSCA_DIR = tmp_path / "var" / "csca"
    keyring_reset()

    text = qr_issue_hc1(hcert=vaccination_hcert(), cert_id=uvci_new(), valid_for=YEAR).text

    assert qr_verify(text).status == "valid"
    assert (tmp_path / "var" / "csca" / "csca.key.pem").exists()
    assert len(list((tmp_path / "var" / "keys").glob("*.crt"))) == 2  # the DSC and csca.crt
    assert not list((tmp_path / "var" / "keys").glob("csca.key*"))
