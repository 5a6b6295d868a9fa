"""COSE_Sign1 (RFC 9052) and the QR text wrapping: prefix + base45(zlib(...)).

What the EU DCC specification (hcert_spec.md §3.3) asks of a verifier, and no more:
- the signature is ES256 (ECDSA P-256 with SHA-256, the primary algorithm) or PS256
  (RSASSA-PSS with SHA-256, RSA of 2048 bits or more, the secondary one): verifiers
  MUST implement both;
- the `kid` is in the protected header or, as the specification allows, in the
  unprotected one; the protected one wins when both are there;
- the message is a COSE_Sign1 with its tag 18, without it, or inside the CWT tag 61
  (RFC 8392 §6).

This portal signs ES256 only, with the kid in the protected header and tag 18.
Everything read from outside goes through `unwrap` and `sign1_decode`, which raise
MalformedCode (and nothing else) for any input they cannot take apart.
"""

import io
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from . import b45

COSE_SIGN1_TAG = 18
CWT_TAG = 61
HEADER_ALG = 1
HEADER_KID = 4
ALG_ES256 = -7
ALG_PS256 = -37
# hcert_spec.md §3.3.2: RSASSA-PSS "with a modulus of 2048 bits".
MIN_RSA_BITS = 2048
# A QR code holds at most 4,296 alphanumeric characters; anything longer is not one.
MAX_TEXT_CHARS = 4400
# Bound on the inflated size: a few hundred bytes of zlib must not become gigabytes.
MAX_CBOR_BYTES = 32 * 1024
_COORDINATE_BYTES = 32
# Codes nest a few levels (claims → hcert → v → entry); deeper input is not a code.
_MAX_DEPTH = 16
# RFC 8230 §2 fixes the PSS salt at the hash length (32 bytes); some signers use the
# longest salt the key allows. Any salt length is equally secure, so the verifier reads
# it from the signature instead of refusing those certificates.
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


class MalformedCode(ValueError):
    """The text is not a QR code this module can read (never about the signature)."""


@dataclass(frozen=True)
class Sign1:
    protected: bytes
    headers: Mapping
    unprotected: Mapping
    payload: bytes
    signature: bytes

    @property
    def alg(self):
        # Only a protected algorithm counts: the unprotected header is not signed.
        return self.headers.get(HEADER_ALG)

    @property
    def kid(self) -> bytes | None:
        kid = self.headers.get(HEADER_KID)
        if isinstance(kid, bytes):
            return kid
        # hcert_spec.md §3.3.3: the kid MAY be unprotected; it is not security-critical
        # (it only picks the keys to try), and verifiers MUST accept both places.
        kid = self.unprotected.get(HEADER_KID)
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


def _untag(message):
    """The COSE_Sign1 array inside tag 61 (CWT) and / or tag 18, or untagged."""
    if isinstance(message, cbor2.CBORTag) and message.tag == CWT_TAG:
        message = message.value
    if isinstance(message, cbor2.CBORTag):
        if message.tag != COSE_SIGN1_TAG:
            raise MalformedCode(f"CBOR tag {message.tag} is not COSE_Sign1")
        message = message.value
    return message


def sign1_decode(data: bytes) -> Sign1:
    message = _untag(cbor_loads_untrusted(data, "COSE_Sign1"))
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
    return Sign1(
        protected=protected,
        headers=headers,
        unprotected=unprotected,
        payload=payload,
        signature=signature,
    )


def key_algorithm(public_key) -> int | None:
    """The COSE algorithm a public key verifies (ES256 or PS256), None for any other key."""
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return ALG_ES256 if isinstance(public_key.curve, ec.SECP256R1) else None
    if isinstance(public_key, rsa.RSAPublicKey):
        return ALG_PS256 if public_key.key_size >= MIN_RSA_BITS else None
    return None


def sign1_verify(message: Sign1, public_key: PublicKey) -> bool:
    """Whether `public_key` signed `message` with the algorithm its protected header names.

    The algorithm must fit the key: an RSA key never verifies an ES256 header and the
    other way round, so no header can make a key verify with an algorithm it is not for.
    """
    alg = message.alg
    if alg is None or alg != key_algorithm(public_key):
        return False
    signed = sig_structure(message.protected, message.payload)
    try:
        if alg == ALG_ES256:
            if len(message.signature) != 2 * _COORDINATE_BYTES:
                return False
            r = int.from_bytes(message.signature[:_COORDINATE_BYTES], "big")
            s = int.from_bytes(message.signature[_COORDINATE_BYTES:], "big")
            public_key.verify(encode_dss_signature(r, s), signed, ec.ECDSA(hashes.SHA256()))
        else:
            public_key.verify(message.signature, signed, _PSS, hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def wrap(prefix: str, cose: bytes) -> str:
    return prefix + b45.encode(zlib.compress(cose, 9))


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
        compressed = b45.decode(text[len(prefix) :])
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
