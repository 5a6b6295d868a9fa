"""Signing keys: ES256 (ECDSA P-256) keys and their signing certificates, from SIGNING_KEYS_DIR.

The directory holds:
- `<name>.pem`: a private key (it signs and verifies);
- `<name>.pub.pem`: a public key (it only verifies: a key retired from signing, or
  another issuer's key);
- `*.crt`: PEM certificates. A document signing certificate (DSC) belongs to the key
  with the same public key, whatever the file names; a DSC whose key is not in the
  directory still verifies the `HC1:` codes it signed (a retired key). The CA
  certificate (`csca.crt`) is the portal's CSCA, published for verifiers; its private
  key is never here (see certificates.py).

Several keys are valid at once, so a key can be rotated without making the codes it
signed unreadable: put the new key in the directory, make it active, and keep the old
one until its last code has expired.

Two kids name a key. `KB1:` codes carry the first 8 bytes of the SHA-256 of the key's DER
SubjectPublicKeyInfo (the JWK document at /.well-known/khaibao/keys.json lists them);
`HC1:` codes carry the EU DCC kid, the first 8 bytes of the SHA-256 of the key's DSC in
DER (hcert_spec.md A.1), so foreign verifiers find the key in their trust lists.
Kids are short and may collide: every key or certificate with a kid is kept and tried.
"""

import base64
import contextlib
import datetime
import fcntl
import hashlib
import logging
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .certificates import (
    ALL_USAGES,
    CERT_SUFFIX,
    CSCA_CERT_FILE,
    CSCA_KEY_FILE,
    DEFAULT_DSC_DAYS,
    Signer,
    certificate_der,
    certificate_kid,
    check_apart,
    csca_create,
    csca_load,
    dsc_issue,
    is_ca,
    load_certificates,
    signer_from_certificate,
)

logger = logging.getLogger(__name__)

PUBLIC_SUFFIX = ".pub.pem"
PRIVATE_SUFFIX = ".pem"
_LOCK_NAME = ".generate.lock"


@dataclass(frozen=True)
class TrustKey:
    kid: bytes
    name: str
    public_key: ec.EllipticCurvePublicKey
    private_key: ec.EllipticCurvePrivateKey | None
    # Modification time of the file: "newest" when SIGNING_KEY_ACTIVE_KID is empty.
    mtime: float
    # The key's signing certificates (DSCs), oldest first.
    certificates: tuple[x509.Certificate, ...] = ()

    @property
    def kid_b64(self) -> str:
        return base64.b64encode(self.kid).decode("ascii")

    @property
    def can_sign(self) -> bool:
        return self.private_key is not None

    def matches(self, label: str) -> bool:
        """SIGNING_KEY_ACTIVE_KID may name a key by file name, kid in hex or in base64."""
        return label in {
            self.name,
            self.kid.hex(),
            self.kid_b64,
            base64.urlsafe_b64encode(self.kid).decode("ascii").rstrip("="),
        }

    def signer(self) -> Signer:
        """The key as a KB1 signer: no certificate, so no validity period or usage limit."""
        return Signer(kid=self.kid, public_key=self.public_key, country=settings.QR_ISSUER)

    def certificate_at(self, moment: datetime.datetime) -> x509.Certificate | None:
        """The newest of the key's DSCs valid at `moment`."""
        valid = [
            certificate
            for certificate in self.certificates
            if certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc
        ]
        return max(valid, key=lambda c: c.not_valid_before_utc, default=None)

    def jwk(self) -> dict:
        numbers = self.public_key.public_numbers()
        return {
            "kid": self.kid_b64,
            "kty": "EC",
            "crv": "P-256",
            "alg": "ES256",
            "use": "sig",
            "x": _b64url(numbers.x.to_bytes(32, "big")),
            "y": _b64url(numbers.y.to_bytes(32, "big")),
        }


@dataclass(frozen=True)
class KeyRing:
    #: KB1 keys by their SubjectPublicKeyInfo kid; several when kids collide.
    keys: dict[bytes, tuple[TrustKey, ...]]
    active: TrustKey | None
    directory: Path
    #: The portal's own DSCs as HC1 signers, by certificate kid.
    certificates: dict[bytes, tuple[Signer, ...]] = field(default_factory=dict)
    #: DSCs in DER, for the published list (signing-certificates.json).
    certificate_ders: tuple[bytes, ...] = ()
    csca: tuple[x509.Certificate, ...] = ()

    def get(self, kid: bytes) -> TrustKey | None:
        keys = self.keys.get(kid)
        return keys[0] if keys else None

    def kb1_signers(self, kid: bytes) -> tuple[Signer, ...]:
        return tuple(key.signer() for key in self.keys.get(kid, ()))

    def hc1_signers(self, kid: bytes) -> tuple[Signer, ...]:
        return self.certificates.get(kid, ())

    def signing_key(self) -> TrustKey:
        if self.active is None:
            raise ImproperlyConfigured(
                f"No private signing key in SIGNING_KEYS_DIR ({self.directory}): add an ES256 "
                "(P-256) key as <name>.pem, e.g. `openssl ecparam -name prime256v1 -genkey "
                "-noout | openssl pkcs8 -topk8 -nocrypt -out <name>.pem`."
            )
        return self.active

    def hc1_signing(self, moment: datetime.datetime) -> tuple[TrustKey, x509.Certificate]:
        """The active key and its DSC valid at `moment`: what signs HC1 codes."""
        key = self.signing_key()
        certificate = key.certificate_at(moment)
        if certificate is None:
            raise ImproperlyConfigured(
                f"The signing key {key.name} has no signing certificate valid now in "
                f"SIGNING_KEYS_DIR ({self.directory}): HC1 codes cannot be issued. Issue one "
                "with `manage.py trust_dsc_issue`."
            )
        return key, certificate


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def kid_for(public_key) -> bytes:
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).digest()[:8]


def _check_curve(key, path: Path) -> None:
    if not isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) or not (
        isinstance(key.curve, ec.SECP256R1)
    ):
        raise ImproperlyConfigured(f"{path} is not an ECDSA P-256 (ES256) key.")


def _load_file(path: Path) -> TrustKey:
    data = path.read_bytes()
    public_only = path.name.endswith(PUBLIC_SUFFIX)
    try:
        if public_only:
            public_key = serialization.load_pem_public_key(data)
            private_key = None
        else:
            private_key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        kind = "public" if public_only else "unencrypted private"
        raise ImproperlyConfigured(f"{path} is not a readable {kind} PEM key: {exc}") from None
    if private_key is not None:
        _check_curve(private_key, path)
        public_key = private_key.public_key()
    _check_curve(public_key, path)
    suffix = PUBLIC_SUFFIX if public_only else PRIVATE_SUFFIX
    return TrustKey(
        kid=kid_for(public_key),
        name=path.name.removesuffix(suffix),
        public_key=public_key,
        private_key=private_key,
        mtime=path.stat().st_mtime,
    )


def _load_certificates(directory: Path) -> list[x509.Certificate]:
    certificates = []
    for path in sorted(directory.glob(f"*{CERT_SUFFIX}")):
        try:
            certificates += load_certificates(path.read_bytes())
        except ValueError as exc:
            raise ImproperlyConfigured(f"{path} is not a readable certificate: {exc}") from None
    return certificates


def _spki(public_key) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _own_signers(certificates: list[x509.Certificate], directory: Path):
    signers: dict[bytes, tuple[Signer, ...]] = {}
    for certificate in certificates:
        try:
            signer = signer_from_certificate(certificate, source="own")
        except ValueError as exc:
            raise ImproperlyConfigured(f"A certificate in {directory}: {exc}") from None
        signers[signer.kid] = (*signers.get(signer.kid, ()), signer)
    return signers


def read_keyring(directory: Path, active_label: str = "") -> KeyRing:
    """Every key and certificate in `directory`, generating nothing.

    Raises ImproperlyConfigured for a file it cannot use.
    """
    if not directory.is_dir():
        raise ImproperlyConfigured(f"SIGNING_KEYS_DIR ({directory}) is not a directory.")
    by_public_key: dict[bytes, TrustKey] = {}
    for path in sorted(directory.glob(f"*{PRIVATE_SUFFIX}")):
        key = _load_file(path)
        spki = _spki(key.public_key)
        # The same key as a private and a public file: the private one can also sign.
        if spki not in by_public_key or key.can_sign:
            by_public_key[spki] = key
    all_certificates = _load_certificates(directory)
    csca = tuple(certificate for certificate in all_certificates if is_ca(certificate))
    dscs = [certificate for certificate in all_certificates if not is_ca(certificate)]
    dscs.sort(key=lambda certificate: certificate.not_valid_before_utc)
    for spki, key in by_public_key.items():
        own = tuple(c for c in dscs if _spki(c.public_key()) == spki)
        by_public_key[spki] = replace(key, certificates=own)
    keys: dict[bytes, tuple[TrustKey, ...]] = {}
    for key in by_public_key.values():
        keys[key.kid] = (*keys.get(key.kid, ()), key)
    signers = [key for key in by_public_key.values() if key.can_sign]
    if active_label:
        matching = [key for key in signers if key.matches(active_label)]
        if not matching:
            raise ImproperlyConfigured(
                f"SIGNING_KEY_ACTIVE_KID={active_label!r} names no private key in {directory}."
            )
        active = matching[0]
    else:
        active = max(signers, key=lambda key: (key.mtime, key.name), default=None)
    return KeyRing(
        keys=keys,
        active=active,
        directory=directory,
        certificates=_own_signers(dscs, directory),
        certificate_ders=tuple(certificate_der(certificate) for certificate in dscs),
        csca=csca,
    )


def generate_key(directory: Path) -> Path:
    """Write a new P-256 private key as <kid hex>.pem, readable by its owner only."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_key = ec.generate_private_key(ec.SECP256R1())
    path = directory / f"{kid_for(private_key.public_key()).hex()}{PRIVATE_SUFFIX}"
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # O_EXCL + mode at creation: the key is never readable by others, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return path


def csca_directory() -> Path:
    """Where the portal's CSCA key lives: SIGNING_CSCA_DIR, by default `var/csca`.

    Read by the certificate commands (and, in development, when a certificate is
    generated), never by a production web server.
    """
    return Path(settings.SIGNING_CSCA_DIR)


def certificate_write(
    directory: Path, key: TrustKey, certificate: x509.Certificate, csca: x509.Certificate
) -> Path:
    """Store a DSC as <key name>.<certificate kid hex>.crt, with the CSCA certificate."""
    path = directory / f"{key.name}.{certificate_kid(certificate).hex()}{CERT_SUFFIX}"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / CSCA_CERT_FILE).write_bytes(csca.public_bytes(serialization.Encoding.PEM))
    return path


def certificates_issue_missing(
    directory: Path, csca_dir: Path, *, days: int, usages, moment: datetime.datetime
) -> list[Path]:
    """A DSC for every private key in `directory` without one valid at `moment`."""
    check_apart(csca_dir, directory)
    _, csca = csca_load(csca_dir)
    written = []
    for keys in read_keyring(directory).keys.values():
        for key in keys:
            if key.can_sign and key.certificate_at(moment) is None:
                certificate = dsc_issue(
                    csca_dir=csca_dir,
                    public_key=key.public_key,
                    common_name=f"KhaiBao DSC {key.name}",
                    days=days,
                    usages=usages,
                )
                written.append(certificate_write(directory, key, certificate, csca))
    return written


@contextlib.contextmanager
def _generation_lock(directory: Path):
    # Two development processes (runserver and a worker) starting together must not
    # both generate a key.
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / _LOCK_NAME, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _ensure_development_key(directory: Path) -> None:
    """A key, a development CSCA and a DSC, so that `make run` issues every kind of code."""
    with _generation_lock(directory):
        if not _has_private_key(directory):
            path = generate_key(directory)
            logger.warning("Generated a development signing key: %s", path)
        csca_dir = csca_directory()
        now = datetime.datetime.now(tz=datetime.UTC)
        if not any(k.can_sign and k.certificate_at(now) is None for k in _all(directory)):
            return
        if not (csca_dir / CSCA_KEY_FILE).exists():
            csca_create(
                csca_dir, country=settings.QR_ISSUER, common_name="KhaiBao development CSCA"
            )
            logger.warning("Generated a development CSCA: %s", csca_dir)
        for path in certificates_issue_missing(
            directory, csca_dir, days=DEFAULT_DSC_DAYS, usages=ALL_USAGES, moment=now
        ):
            logger.warning("Issued a development signing certificate: %s", path)


def _all(directory: Path) -> list[TrustKey]:
    return [key for keys in read_keyring(directory).keys.values() for key in keys]


def _has_private_key(directory: Path) -> bool:
    return any(not path.name.endswith(PUBLIC_SUFFIX) for path in directory.glob("*.pem"))


# The directory is looked at no more than this often: every verification asks for the
# key ring, and a stat() costs a tenth of the signature check. A key put in or taken out
# is seen within this time (keyring_reset() at once).
RECHECK_SECONDS = 1.0
_cache: tuple[tuple, KeyRing] | None = None
_checked: tuple[str, str, float] | None = None


def keyring() -> KeyRing:
    """The keys in SIGNING_KEYS_DIR, reloaded when the directory changes.

    In development (DEBUG) a key and its certificate are generated on first use if the
    directory has none; in production a missing or empty directory raises
    ImproperlyConfigured.
    """
    global _cache, _checked
    where = (str(settings.SIGNING_KEYS_DIR), settings.SIGNING_KEY_ACTIVE_KID)
    now = time.monotonic()
    checked, cached = _checked, _cache
    if (
        checked is not None
        and cached is not None
        and checked[:2] == where
        and now - checked[2] < RECHECK_SECONDS
    ):
        return cached[1]
    ring = _keyring_load()
    _checked = (*where, now)
    return ring


def _keyring_load() -> KeyRing:
    global _cache
    directory = Path(settings.SIGNING_KEYS_DIR)
    active_label = settings.SIGNING_KEY_ACTIVE_KID
    try:
        stamp = directory.stat().st_mtime_ns
    except FileNotFoundError:
        stamp = None
    cache_key = (str(directory), active_label, stamp)
    cached = _cache
    if cached is not None and cached[0] == cache_key:
        return cached[1]
    if settings.DEBUG:
        _ensure_development_key(directory)
        stamp = directory.stat().st_mtime_ns
        cache_key = (str(directory), active_label, stamp)
    ring = read_keyring(directory, active_label)
    if not ring.keys and not ring.certificates:
        raise ImproperlyConfigured(
            f"SIGNING_KEYS_DIR ({directory}) holds no key: signed QR codes cannot be "
            "issued or verified."
        )
    _cache = (cache_key, ring)
    return ring


def keyring_reset() -> None:
    """Forget the loaded keys: the next use reads the directory (after changing files)."""
    global _cache, _checked
    _cache = None
    _checked = None


def signing_key() -> TrustKey:
    return keyring().signing_key()


def public_keys_document() -> dict:
    """The KB1 public keys as a JWK set, the active one marked, for offline verifiers."""
    ring = keyring()
    keys = [key for group in ring.keys.values() for key in group]
    return {
        "issuer": settings.QR_ISSUER,
        "keys": [
            {**key.jwk(), "active": key is ring.active}
            for key in sorted(keys, key=lambda key: (-key.mtime, key.name))
        ],
    }


def signing_certificates_document() -> dict:
    """The portal's DSCs in the EU DCC verifier service's format (for HC1 verifiers).

    {"VN": [{"kid": base64 kid, "rawData": base64 DER}, ...]}: the answer of the
    verifier service's certificate look-up (dgca-verifier-service), which
    `manage.py trust_list_import` reads back.
    """
    ring = keyring()
    entries = [
        {
            "kid": base64.b64encode(hashlib.sha256(der).digest()[:8]).decode("ascii"),
            "rawData": base64.b64encode(der).decode("ascii"),
        }
        for der in ring.certificate_ders
    ]
    return {settings.QR_ISSUER: entries}


def csca_pem() -> bytes:
    """The portal's CSCA certificate(s) in PEM, as verifiers add them to their trust lists."""
    return b"".join(
        certificate.public_bytes(serialization.Encoding.PEM) for certificate in keyring().csca
    )
