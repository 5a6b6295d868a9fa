"""COSE_Sign1 (RFC 9052) with ES256, and the QR text wrapping: prefix + base45(zlib(...)).

Only what the codes need: one signer, the algorithm and kid in the protected header,
an attached payload. Everything read from outside goes through `unwrap` and
`sign1_decode`, which raise MalformedCode (and nothing else) for any input they
cannot take apart.
"""

import io
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

import base45
import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

COSE_SIGN1_TAG = 18
HEADER_ALG = 1
HEADER_KID = 4
ALG_ES256 = -7
# A QR code holds at most 4,296 alphanumeric characters; anything longer is not one.
MAX_TEXT_CHARS = 4400
# Bound on the inflated size: a few hundred bytes of zlib must not become gigabytes.
MAX_CBOR_BYTES = 32 * 1024
_COORDINATE_BYTES = 32
# Codes nest a few levels (claims → hcert → v → entry); deeper input is not a code.
_MAX_DEPTH = 16


class MalformedCode(ValueError):
    """The text is not a QR code this module can read (never about the signature)."""


@dataclass(frozen=True)
class Sign1:
    protected: bytes
    headers: Mapping
    payload: bytes
    signature: bytes

    @property
    def alg(self):
        return self.headers.get(HEADER_ALG)

    @property
    def kid(self) -> bytes | None:
        kid = self.headers.get(HEADER_KID)
        return kid if isinstance(kid, bytes) else None


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """The bytes that are signed: ["Signature1", protected, external_aad = b"", payload]."""
    return cbor2.dumps(["Signature1", protected, b"", payload])


def _ecdsa():
    # RFC 6979 deterministic signatures: the same claims give the same QR text (so an
    # image cache can serve a repeated request), and no nonce depends on the RNG.
    return ec.ECDSA(hashes.SHA256(), deterministic_signing=True)


def sign1_encode(payload: bytes, *, kid: bytes, private_key: ec.EllipticCurvePrivateKey) -> bytes:
    protected = cbor2.dumps({HEADER_ALG: ALG_ES256, HEADER_KID: kid})
    der = private_key.sign(sig_structure(protected, payload), _ecdsa())
    r, s = decode_dss_signature(der)
    # COSE carries ECDSA signatures as raw r || s, not DER.
    signature = r.to_bytes(_COORDINATE_BYTES, "big") + s.to_bytes(_COORDINATE_BYTES, "big")
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


def cbor_loads_untrusted(data: bytes, what: str):
    """One CBOR item from outside, and nothing after it; any failure is MalformedCode.

    Duplicate map keys are refused: two readers could each pick a different value.
    """
    stream = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(stream, max_depth=_MAX_DEPTH, allow_duplicate_keys=False).decode()
    except (cbor2.CBORError, ValueError, TypeError, OverflowError, RecursionError):
        raise MalformedCode(f"{what} is not CBOR") from None
    if stream.tell() != len(data):
        raise MalformedCode(f"{what} is followed by other data")
    return value


def sign1_decode(data: bytes) -> Sign1:
    message = cbor_loads_untrusted(data, "COSE_Sign1")
    if isinstance(message, cbor2.CBORTag):
        if message.tag != COSE_SIGN1_TAG:
            raise MalformedCode(f"CBOR tag {message.tag} is not COSE_Sign1")
        message = message.value
    # cbor2 decodes the contents of a tag as immutable: a tuple rather than a list.
    if not isinstance(message, list | tuple) or len(message) != 4:
        raise MalformedCode("COSE_Sign1 is an array of four items")
    protected, unprotected, payload, signature = message
    if not all(isinstance(part, bytes) for part in (protected, payload, signature)):
        raise MalformedCode("COSE_Sign1 parts have the wrong types")
    if not isinstance(unprotected, Mapping):
        raise MalformedCode("COSE unprotected header is not a map")
    headers = cbor_loads_untrusted(protected, "protected header") if protected else {}
    if not isinstance(headers, Mapping):
        raise MalformedCode("protected header is not a map")
    # The EU DCC allows the kid in the unprotected header; the protected one wins.
    if HEADER_KID not in headers and isinstance(unprotected.get(HEADER_KID), bytes):
        headers = {**headers, HEADER_KID: unprotected[HEADER_KID]}
    return Sign1(protected=protected, headers=headers, payload=payload, signature=signature)


def sign1_verify(message: Sign1, public_key: ec.EllipticCurvePublicKey) -> bool:
    if message.alg != ALG_ES256 or len(message.signature) != 2 * _COORDINATE_BYTES:
        return False
    r = int.from_bytes(message.signature[:_COORDINATE_BYTES], "big")
    s = int.from_bytes(message.signature[_COORDINATE_BYTES:], "big")
    try:
        public_key.verify(
            encode_dss_signature(r, s),
            sig_structure(message.protected, message.payload),
            ec.ECDSA(hashes.SHA256()),
        )
    except InvalidSignature:
        return False
    return True


def wrap(prefix: str, cose: bytes) -> str:
    return prefix + base45.b45encode(zlib.compress(cose, 9)).decode("ascii")


def unwrap(text: str, prefixes: tuple[str, ...]) -> tuple[str, bytes]:
    """(prefix, COSE bytes) of a QR text.

    Lenient only where scanners are clumsy: surrounding white space, and lower case
    (a USB scanner typing with Caps Lock on); base45 has no lower-case letters. (A
    base45 text never ends with its space digit, so stripping loses nothing.)
    """
    if not isinstance(text, str):
        raise MalformedCode("not text")
    text = text.strip().upper()
    if len(text) > MAX_TEXT_CHARS:
        raise MalformedCode("too long for a QR code")
    prefix = next((p for p in prefixes if text.startswith(p)), None)
    if prefix is None:
        raise MalformedCode("unknown prefix")
    try:
        compressed = base45.b45decode(text[len(prefix) :])
    except ValueError:
        raise MalformedCode("not base45") from None
    inflater = zlib.decompressobj()
    try:
        cose = inflater.decompress(compressed, MAX_CBOR_BYTES)
    except zlib.error:
        raise MalformedCode("not zlib") from None
    if inflater.unconsumed_tail or not inflater.eof or inflater.unused_data:
        raise MalformedCode("zlib stream truncated, too large or followed by other data")
    return prefix, cose
