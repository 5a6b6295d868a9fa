"""Test vectors: EU DCCs as another country would issue them, built from hcert_spec.md
with cryptography, cbor2, zlib and the base45 library only (none of the portal's code).

- a CSCA and a DSC (X.509), ES256 (P-256) or PS256 (RSA 2048), with optional DCC
  extended-key-usage OIDs and any validity period (hcert_spec.md §5, A.4);
- a CWT payload {1: iss, 4: exp, 6: iat, -260: {1: hcert}} (§3.3);
- a COSE_Sign1 with the kid in the protected or unprotected header, tagged 18, untagged
  or inside the CWT tag 61 (§3.3.3, RFC 8392 §6);
- prefix "HC1:" + base45(zlib(COSE)) (§4.2).
"""

import datetime
import functools
import hashlib
import zlib
from dataclasses import dataclass

import base45
import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID, ObjectIdentifier

ES256, PS256 = -7, -37
OID_TEST = ObjectIdentifier("1.3.6.1.4.1.1847.2021.1.1")
OID_VACCINATION = ObjectIdentifier("1.3.6.1.4.1.1847.2021.1.2")
OID_RECOVERY = ObjectIdentifier("1.3.6.1.4.1.1847.2021.1.3")
OID_SERVER_AUTH = ObjectIdentifier("1.3.6.1.5.5.7.3.1")
YEAR = datetime.timedelta(days=365)
DAY = datetime.timedelta(days=1)


def now() -> datetime.datetime:
    return datetime.datetime.now(tz=datetime.UTC)


@functools.cache
def _rsa_key(bits: int, number: int) -> rsa.RSAPrivateKey:
    # RSA keys take a while to make: one per size and number for the whole run.
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@dataclass(frozen=True)
class Issuer:
    """A foreign DSC and its private key."""

    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    certificate: x509.Certificate
    csca: x509.Certificate

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def kid(self) -> bytes:
        """hcert_spec.md A.1: the first 8 bytes of the SHA-256 of the DSC's DER."""
        return hashlib.sha256(self.der).digest()[:8]

    @property
    def alg(self) -> int:
        return PS256 if isinstance(self.key, rsa.RSAPrivateKey) else ES256


def _name(country: str | None, common_name: str) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if country:
        attributes.insert(0, x509.NameAttribute(NameOID.COUNTRY_NAME, country))
    return x509.Name(attributes)


def _csca(country: str | None) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(country, f"CSCA {country}")
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now() - 5 * YEAR)
        .not_valid_after(now() + 10 * YEAR)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def issuer(
    *,
    alg: int = ES256,
    country: str | None = "DE",
    not_before: datetime.datetime | None = None,
    not_after: datetime.datetime | None = None,
    usages: list[ObjectIdentifier] | None = None,
    rsa_bits: int = 2048,
    rsa_number: int = 0,
) -> Issuer:
    """A DSC of `country`, issued by a fresh CSCA; `usages` None = no EKU extension."""
    if alg == PS256:
        key = _rsa_key(rsa_bits, rsa_number)
    else:
        key = ec.generate_private_key(ec.SECP256R1())
    csca_key, csca = _csca(country)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(country, f"DSC {country}"))
        .issuer_name(csca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now() - YEAR)
        .not_valid_after(not_after or now() + 2 * YEAR)
    )
    if usages is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    return Issuer(key=key, certificate=builder.sign(csca_key, hashes.SHA256()), csca=csca)


def payload(
    hcert: dict,
    *,
    iss="DE",
    iat=None,
    exp=None,
    extra: dict | None = None,
) -> bytes:
    """The CWT claims; `iat` / `exp` default to a day ago / in a year, as integers."""
    claims = {
        4: exp if exp is not None else int((now() + YEAR).timestamp()),
        6: iat if iat is not None else int((now() - DAY).timestamp()),
        -260: {1: hcert},
    }
    if iss is not None:
        claims[1] = iss
    claims.update(extra or {})
    return cbor2.dumps(claims)


def _signature(signer: Issuer, to_be_signed: bytes) -> bytes:
    if isinstance(signer.key, rsa.RSAPrivateKey):
        # RFC 8230: PSS with SHA-256, MGF1 with SHA-256, a salt as long as the hash.
        return signer.key.sign(
            to_be_signed,
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
            hashes.SHA256(),
        )
    r, s = decode_dss_signature(signer.key.sign(to_be_signed, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def sign1(
    data: bytes,
    signer: Issuer,
    *,
    kid_in: str = "protected",
    kid: bytes | None = None,
    unprotected_kid: bytes | None = None,
    tag: str = "18",
    alg: int | None = None,
) -> bytes:
    """A COSE_Sign1 over `data`; kid_in "protected", "unprotected" or "none"; tag "18",
    "none", "61" (CWT tag around the tagged COSE_Sign1) or "61-untagged"."""
    kid = signer.kid if kid is None else kid
    protected_map = {1: alg if alg is not None else signer.alg}
    unprotected = {}
    if kid_in == "protected":
        protected_map[4] = kid
    elif kid_in == "unprotected":
        unprotected[4] = kid
    if unprotected_kid is not None:
        unprotected[4] = unprotected_kid
    protected = cbor2.dumps(protected_map)
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", data])
    message = [protected, unprotected, data, _signature(signer, to_be_signed)]
    if tag == "18":
        return cbor2.dumps(cbor2.CBORTag(18, message))
    if tag == "61":
        return cbor2.dumps(cbor2.CBORTag(61, cbor2.CBORTag(18, message)))
    if tag == "61-untagged":
        return cbor2.dumps(cbor2.CBORTag(61, message))
    return cbor2.dumps(message)


def qr_text(cose: bytes) -> str:
    return "HC1:" + base45.b45encode(zlib.compress(cose, 9)).decode("ascii")


def code(hcert: dict, signer: Issuer, **options) -> str:
    """The QR text of `hcert` signed by `signer` (payload options: iss, iat, exp)."""
    payload_options = {k: options.pop(k) for k in ("iss", "iat", "exp", "extra") if k in options}
    return qr_text(sign1(payload(hcert, **payload_options), signer, **options))


def german_vaccination(**entry) -> dict:
    """A DCC 1.3.0 vaccination certificate as Germany issued them."""
    return {
        "ver": "1.3.0",
        "nam": {"fn": "Musterfrau", "fnt": "MUSTERFRAU", "gn": "Erika", "gnt": "ERIKA"},
        "dob": "1964-08-12",
        "v": [
            {
                "tg": "840539006",
                "vp": "1119349007",
                "mp": "EU/1/20/1528",
                "ma": "ORG-100030215",
                "dn": 2,
                "sd": 2,
                "dt": "2021-06-11",
                "co": "DE",
                "is": "Robert Koch-Institut",
                "ci": "URN:UVCI:01DE/IZ12345A/5CWLU12RNOB9RXSEOP6FG8#W",
                **entry,
            }
        ],
    }


def german_test(**entry) -> dict:
    return {
        "ver": "1.3.0",
        "nam": {"fn": "Musterfrau", "fnt": "MUSTERFRAU", "gn": "Erika", "gnt": "ERIKA"},
        "dob": "1964-08-12",
        "t": [
            {
                "tg": "840539006",
                "tt": "LP6464-4",
                "nm": "Roche LightCycler qPCR",
                "sc": "2021-05-30T10:12:22Z",
                "tr": "260415000",
                "tc": "Testzentrum Köln Hbf",
                "co": "DE",
                "is": "Robert Koch-Institut",
                "ci": "URN:UVCI:01DE/IBMT102/18Q12HTUJ7C1TSBFFDF1WZ9G#P",
                **entry,
            }
        ],
    }
