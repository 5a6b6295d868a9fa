"""Signing keys: ES256 (ECDSA P-256) keys read from SIGNING_KEYS_DIR.

The directory holds one PEM file per key: `<name>.pem` is a private key (it signs and
verifies), `<name>.pub.pem` a public key (it only verifies: a key retired from signing,
or another issuer's key). Several keys are valid at once, so a key can be rotated
without making the codes it signed unreadable: put the new key in the directory,
make it active, and keep the old one until its last code has expired.

A key's `kid` is the first 8 bytes of the SHA-256 of its DER SubjectPublicKeyInfo,
as in the EU Digital COVID Certificate; the file name is only a label.
"""

import base64
import contextlib
import fcntl
import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

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
    keys: dict[bytes, TrustKey]
    active: TrustKey | None
    directory: Path

    def get(self, kid: bytes) -> TrustKey | None:
        return self.keys.get(kid)

    def signing_key(self) -> TrustKey:
        if self.active is None:
            raise ImproperlyConfigured(
                f"No private signing key in SIGNING_KEYS_DIR ({self.directory}): add an ES256 "
                "(P-256) key as <name>.pem, e.g. `openssl ecparam -name prime256v1 -genkey "
                "-noout | openssl pkcs8 -topk8 -nocrypt -out <name>.pem`."
            )
        return self.active


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def kid_for(public_key: ec.EllipticCurvePublicKey) -> bytes:
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


def read_keyring(directory: Path, active_label: str = "") -> KeyRing:
    """Every key in `directory`, without generating one. Raises ImproperlyConfigured."""
    if not directory.is_dir():
        raise ImproperlyConfigured(f"SIGNING_KEYS_DIR ({directory}) is not a directory.")
    keys: dict[bytes, TrustKey] = {}
    for path in sorted(directory.glob("*.pem")):
        key = _load_file(path)
        # The same key as a private and a public file: the private one can also sign.
        if key.kid not in keys or key.can_sign:
            keys[key.kid] = key
    signers = [key for key in keys.values() if key.can_sign]
    if active_label:
        matching = [key for key in signers if key.matches(active_label)]
        if not matching:
            raise ImproperlyConfigured(
                f"SIGNING_KEY_ACTIVE_KID={active_label!r} names no private key in {directory}."
            )
        active = matching[0]
    else:
        active = max(signers, key=lambda key: (key.mtime, key.name), default=None)
    return KeyRing(keys=keys, active=active, directory=directory)


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
    if _has_private_key(directory):
        return
    with _generation_lock(directory):
        if not _has_private_key(directory):
            path = generate_key(directory)
            logger.warning("Generated a development signing key: %s", path)


def _has_private_key(directory: Path) -> bool:
    return any(not path.name.endswith(PUBLIC_SUFFIX) for path in directory.glob("*.pem"))


_cache: tuple[tuple, KeyRing] | None = None


def keyring() -> KeyRing:
    """The keys in SIGNING_KEYS_DIR, reloaded when the directory changes.

    In development (DEBUG) a key is generated on first use if the directory has none;
    in production a missing or empty directory raises ImproperlyConfigured.
    """
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
    if not ring.keys:
        raise ImproperlyConfigured(
            f"SIGNING_KEYS_DIR ({directory}) holds no key: signed QR codes cannot be "
            "issued or verified."
        )
    _cache = (cache_key, ring)
    return ring


def keyring_reset() -> None:
    """Forget the loaded keys (tests that change files within one clock tick)."""
    global _cache
    _cache = None


def signing_key() -> TrustKey:
    return keyring().signing_key()


def public_keys_document() -> dict:
    """The public keys as a JWK set, the active one marked, for offline verifiers."""
    ring = keyring()
    active_kid = ring.active.kid if ring.active else None
    return {
        "issuer": settings.QR_ISSUER,
        "keys": [
            {**key.jwk(), "active": key.kid == active_kid}
            for key in sorted(ring.keys.values(), key=lambda key: (-key.mtime, key.name))
        ],
    }
