"""A code whose protected header names an algorithm its key is not for is refused, even
when the signature itself is sound: no header can choose how a key is checked."""

import datetime

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from khaibao.trust import cose
from khaibao.trust.keys import signing_key
from khaibao.trust.services import qr_issue_kb1, qr_verify


def _resigned(text: str, *, alg: int) -> str:
    """The same code re-signed by the same key, with `alg` in its protected header."""
    _prefix, data = cose.unwrap(text, ("KB1:",))
    message = cose.sign1_decode(data)
    headers = {**message.headers, cose.HEADER_ALG: alg}
    protected = cbor2.dumps(headers)
    der = signing_key().private_key.sign(
        cose.sig_structure(protected, message.payload), cose._ecdsa()
    )
    r, s = decode_dss_signature(der)
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    body = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, message.payload, signature]))
    return cose.wrap("KB1:", body)


@pytest.fixture
def kb1(db):
    return qr_issue_kb1(
        kind="personal",
        subject_id="0b7a0d8c-5f7c-4d0e-9f55-4a2b5d6c7e8f",
        claims={"name": "Nguyễn Văn An", "birth_date": "1988-03-14"},
        valid_for=datetime.timedelta(days=30),
    ).text


def test_the_same_signature_under_its_own_algorithm_is_valid(kb1):
    assert qr_verify(_resigned(kb1, alg=cose.ALG_ES256)).status == "valid"


@pytest.mark.parametrize("alg", [cose.ALG_PS256, -35, 0, "ES256"])
def test_an_algorithm_the_key_is_not_for_is_a_bad_signature(kb1, alg):
    assert qr_verify(_resigned(kb1, alg=alg)).status == "bad_signature"
