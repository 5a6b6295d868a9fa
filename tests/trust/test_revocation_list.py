"""/.well-known/khaibao/revocations.json: the UCI hashes of revoked HC1 certificates, for
verifiers that check offline, served from the per-process revocation snapshot.

Outside a test transaction (transaction=True), as a web request runs: the snapshot is
loaded, kept, and dropped when a revocation commits."""

import base64
import datetime
import hashlib
import zlib

import base45
import cbor2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.urls import reverse

from khaibao.trust import snapshot
from khaibao.trust.services import certificate_revoke, qr_issue_kb1, qr_verify
from tests.vaccination.factories import give_dose, make_unit
from vaccination.certificates import certificate_text
from vaccination.models import CertificateStatus, VaccinationCertificate

LIST_URL = reverse("trust:revocations")
CERTIFICATES_URL = reverse("trust:signing-certificates")

pytestmark = pytest.mark.django_db(transaction=True)


def expected_hash(uvci: str) -> str:
    """Computed here as the EU DCC revocation lists do: SHA-256 of the UCI, 128 bits."""
    return base64.b64encode(hashlib.sha256(uvci.encode("utf-8")).digest()[:16]).decode()


@pytest.fixture
def unit(superuser, ward1):
    return make_unit(by=superuser, area=ward1)


def reissued(person, unit):
    """Two doses: the first dose's certificate (revoked) and the second's (current)."""
    give_dose(person, unit, vaccine="pfizer", given_on=datetime.date(2021, 8, 2))
    first = VaccinationCertificate.objects.get(person=person)
    give_dose(person, unit, number=2, vaccine="pfizer", given_on=datetime.date(2021, 9, 6))
    first.refresh_from_db()
    current = VaccinationCertificate.objects.get(person=person, status=CertificateStatus.CURRENT)
    return first, current


def test_the_list_holds_the_revoked_certificates_uci_hash_and_not_the_current_one(
    client, citizen_person, unit
):
    first, current = reissued(citizen_person, unit)
    # A revoked KB1 code has no UVCI: it is no entry of an EU DCC list.
    kb1 = qr_issue_kb1(
        kind="completion", subject_id="case-1", claims={}, valid_for=datetime.timedelta(days=1)
    )
    certificate_revoke(cert_id=kb1.cert_id, reason="Huỷ hoàn thành cách ly")

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["Access-Control-Allow-Origin"] == "*"
    document = response.json()
    assert first.status == CertificateStatus.REVOKED
    assert document["hashes"] == [expected_hash(first.uvci)]
    assert expected_hash(current.uvci) not in document["hashes"]
    assert {k: document[k] for k in ("version", "country", "hash_type")} == {
        "version": 1,
        "country": "VN",
        "hash_type": "UCI",
    }
    updated = datetime.datetime.fromisoformat(document["updated"])
    assert abs(updated - first.revoked_at) < datetime.timedelta(seconds=1)


def test_an_empty_list_is_still_a_list(client):
    document = client.get(LIST_URL).json()

    assert document["hashes"] == [] and document["updated"] is None


def test_if_none_match_gets_304_until_another_revocation_changes_the_etag(
    client, citizen_person, unit
):
    first, current = reissued(citizen_person, unit)
    response = client.get(LIST_URL)
    etag = response["ETag"]
    assert etag == f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'

    not_modified = client.get(LIST_URL, headers={"If-None-Match": etag})

    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    assert not_modified["Cache-Control"] == "public, max-age=300"

    give_dose(citizen_person, unit, number=3, vaccine="pfizer", given_on=datetime.date(2022, 1, 10))
    changed = client.get(LIST_URL, headers={"If-None-Match": etag})

    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert sorted(changed.json()["hashes"]) == sorted(
        [expected_hash(first.uvci), expected_hash(current.uvci)]
    )
    assert client.get(LIST_URL, headers={"If-None-Match": changed["ETag"]}).status_code == 304


def test_a_warm_list_costs_no_query_and_a_stale_one_only_the_stamp(
    client, citizen_person, unit, django_assert_num_queries, monkeypatch
):
    reissued(citizen_person, unit)
    clock = [1000.0]
    monkeypatch.setattr(snapshot.time, "monotonic", lambda: clock[0])
    body = client.get(LIST_URL).content  # loads the snapshot

    with django_assert_num_queries(0):
        warm = client.get(LIST_URL)
    clock[0] += snapshot.REFRESH_SECONDS + 1
    # Past the refresh interval: the two stamp aggregates, and no reload when unchanged.
    with django_assert_num_queries(2):
        rechecked = client.get(LIST_URL)

    assert warm.content == body and rechecked.content == body


# --- An offline verifier: the two published documents and the libraries, nothing of ours ---


def offline_status(text: str, signing_certificates: dict, revocations: dict) -> str:
    """ "valid" or "revoked" for an HC1 text, from the JSON documents only (a signature
    that does not verify raises InvalidSignature)."""
    assert text.startswith("HC1:")
    message = cbor2.loads(zlib.decompress(base45.b45decode(text[4:])))
    protected, _unprotected, payload, signature = message.value
    kid = cbor2.loads(protected)[4]
    ders = [
        base64.b64decode(entry["rawData"])
        for entries in signing_certificates.values()
        for entry in entries
        if base64.b64decode(entry["kid"]) == kid
    ]
    assert ders, "no published signing certificate has the code's kid"
    public_key = x509.load_der_x509_certificate(ders[0]).public_key()
    signed = cbor2.dumps(["Signature1", protected, b"", payload])
    der_signature = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    public_key.verify(der_signature, signed, ec.ECDSA(hashes.SHA256()))
    (entry,) = cbor2.loads(payload)[-260][1]["v"]
    return "revoked" if expected_hash(entry["ci"]) in set(revocations["hashes"]) else "valid"


def test_an_offline_verifier_tells_the_old_qr_from_the_new_with_the_published_json(
    client, citizen_person, unit, django_assert_num_queries
):
    first, current = reissued(citizen_person, unit)
    old_text, new_text = certificate_text(first), certificate_text(current)
    signing_certificates = client.get(CERTIFICATES_URL).json()
    revocations = client.get(LIST_URL).json()

    with django_assert_num_queries(0):
        old_status = offline_status(old_text, signing_certificates, revocations)
        new_status = offline_status(new_text, signing_certificates, revocations)

    assert (old_status, new_status) == ("revoked", "valid")
    # The portal's own verifier agrees.
    assert qr_verify(old_text).status == "revoked"
    assert qr_verify(new_text).status == "valid"
