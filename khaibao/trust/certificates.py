"""X.509 in the EU DCC trust model: document signing certificates (DSC) and their CSCA.

hcert_spec.md Appendix A: each country's Country Signing Certificate Authority (CSCA)
issues Document Signing Certificates; a DSC's key signs the `HC1:` codes, and a code's
`kid` is the first 8 bytes of the SHA-256 of the DSC in DER. A DSC may carry DCC
extended-key-usage OIDs that limit which kinds of certificate it signs (A.4).

The portal's own CSCA key is made by `manage.py trust_csca_create` into a directory of
its own (SIGNING_CSCA_DIR), never the web server's key folder: the web server needs the
DSCs and their private keys, never the key that could make new DSCs.
"""

import datetime
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier
from django.core.exceptions import ImproperlyConfigured

from .cose import PublicKey, key_algorithm

EKU_TEST = ObjectIdentifier("1.3.6.1.4.1.1847.2021.1.1")
EKU_VACCINATION = ObjectIdentifier("1.3.6.1.4.1.1847.2021.1.2")
EKU_RECOVERY = ObjectIdentifier("1.3.6.1.4.1.1847.2021.1.3")
#: hcert entry key ("t", "v", "r") of each DCC extended-key-usage OID.
USAGE_OF_OID = {EKU_TEST: "t", EKU_VACCINATION: "v", EKU_RECOVERY: "r"}
OID_OF_USAGE = {usage: oid for oid, usage in USAGE_OF_OID.items()}
ALL_USAGES = frozenset(OID_OF_USAGE)

CSCA_KEY_FILE = "csca.key.pem"
CSCA_CERT_FILE = "csca.crt"
CERT_SUFFIX = ".crt"
DEFAULT_CSCA_DAYS = 10 * 365
DEFAULT_DSC_DAYS = 2 * 365
# A certificate starts a little in the past: a verifier whose clock is a few minutes
# behind still accepts a code signed the moment the certificate was made.
_BACKDATE = datetime.timedelta(minutes=10)


def certificate_der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def certificate_kid(certificate: x509.Certificate) -> bytes:
    """hcert_spec.md A.1: the first 8 bytes of the SHA-256 of the certificate in DER."""
    return hashlib.sha256(certificate_der(certificate)).digest()[:8]


def certificate_sha256(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate_der(certificate)).hexdigest()


def certificate_usages(certificate: x509.Certificate) -> frozenset[str] | None:
    """The kinds ("t", "v", "r") the certificate may sign, or None for every kind.

    hcert_spec.md A.4: without any DCC key-usage identifier (no extended key usage, or
    one naming other purposes only) a DSC signs every kind of HCERT.
    """
    try:
        extension = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        return None
    usages = frozenset(USAGE_OF_OID[oid] for oid in extension.value if oid in USAGE_OF_OID)
    return usages or None


def certificate_country(certificate: x509.Certificate) -> str:
    """The Country attribute of the subject, upper case ("" when it has none)."""
    values = certificate.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)
    return str(values[0].value).strip().upper() if values else ""


def is_ca(certificate: x509.Certificate) -> bool:
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle, or the one certificate of a DER file.

    Raises ValueError when the data holds no readable certificate.
    """
    if b"-----BEGIN CERTIFICATE-----" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


@dataclass(frozen=True)
class Signer:
    """A public key trusted to sign codes, with what limits it.

    `usages` None means every kind; `not_before` / `not_after` None means no limit
    (a KB1 key, which has no certificate).
    """

    kid: bytes
    public_key: PublicKey
    country: str
    not_before: datetime.datetime | None = None
    not_after: datetime.datetime | None = None
    usages: frozenset[str] | None = None
    source: str = ""

    def may_sign(self, usage: str) -> bool:
        return self.usages is None or usage in self.usages


def signer_from_certificate(certificate: x509.Certificate, *, country: str = "", source=""):
    """A Signer for a DSC; ValueError when its key is neither ES256 nor PS256."""
    public_key = certificate.public_key()
    if key_algorithm(public_key) is None:
        raise ValueError("the key is neither ECDSA P-256 (ES256) nor RSA of 2048 bits (PS256)")
    return Signer(
        kid=certificate_kid(certificate),
        public_key=public_key,
        country=country or certificate_country(certificate),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        usages=certificate_usages(certificate),
        source=source,
    )


# --- The portal's own CSCA and DSCs (management commands, development) -------------------


def check_apart(csca_dir: Path, keys_dir: Path) -> None:
    """The CSCA key never lives in (or under) the web server's key folder."""
    csca, keys = csca_dir.resolve(), keys_dir.resolve()
    if csca == keys or keys in csca.parents:
        raise ImproperlyConfigured(
            f"The CSCA directory ({csca_dir}) must not be SIGNING_KEYS_DIR ({keys_dir}) or "
            "inside it: the web server must never read the key that makes signing certificates."
        )


def _write_private(path: Path, data: bytes) -> None:
    # O_EXCL + mode at creation: the key is never readable by others, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _name(country: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def csca_create(
    directory: Path, *, country: str, common_name: str, days: int = DEFAULT_CSCA_DAYS
) -> x509.Certificate:
    """A new CSCA: a P-256 key (mode 0600) and its self-signed CA certificate."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if (directory / CSCA_KEY_FILE).exists():
        raise FileExistsError(f"{directory / CSCA_KEY_FILE} already exists")
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(tz=datetime.UTC)
    name = _name(country, common_name)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(
        directory / CSCA_KEY_FILE,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    (directory / CSCA_CERT_FILE).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return certificate


def csca_load(directory: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    try:
        key = serialization.load_pem_private_key(
            (directory / CSCA_KEY_FILE).read_bytes(), password=None
        )
        certificate = x509.load_pem_x509_certificate((directory / CSCA_CERT_FILE).read_bytes())
    except FileNotFoundError:
        raise ImproperlyConfigured(
            f"No CSCA in {directory}: create one with `manage.py trust_csca_create`."
        ) from None
    return key, certificate


def dsc_issue(
    *,
    csca_dir: Path,
    public_key: ec.EllipticCurvePublicKey,
    common_name: str,
    days: int = DEFAULT_DSC_DAYS,
    usages: frozenset[str] = ALL_USAGES,
    not_before: datetime.datetime | None = None,
) -> x509.Certificate:
    """A DSC for `public_key`, issued by the CSCA in `csca_dir`.

    It carries the DCC extended-key-usage OIDs of `usages`, an authority key identifier
    matching the CSCA's subject key identifier (hcert_spec.md §5), and never outlives
    the CSCA.
    """
    if not usages or not usages <= ALL_USAGES:
        raise ValueError(f"usages must be a non-empty subset of {sorted(ALL_USAGES)}")
    csca_key, csca = csca_load(csca_dir)
    start = not_before or datetime.datetime.now(tz=datetime.UTC) - _BACKDATE
    end = min(start + _BACKDATE + datetime.timedelta(days=days), csca.not_valid_after_utc)
    csca_ski = csca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(certificate_country(csca), common_name))
        .issuer_name(csca.subject)
        .public_key(public_key)
        # 159 random bits: unique, positive, within the 20 octets RFC 5280 allows.
        .serial_number(secrets.randbits(159) | 1)
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([OID_OF_USAGE[usage] for usage in sorted(usages)]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(csca_ski),
            critical=False,
        )
    )
    return builder.sign(csca_key, hashes.SHA256())


def dsc_verify_issuer(certificate: x509.Certificate, csca: x509.Certificate) -> bool:
    """Whether `csca` signed `certificate` (and names it as its issuer)."""
    try:
        certificate.verify_directly_issued_by(csca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
