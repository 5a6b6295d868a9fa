"""Verifying a signed QR code: is it genuine, what does it state, does it still count?

`qr_verify` answers for any text, ours (KB1, HC1) or an EU DCC issued abroad (HC1), and
never raises. A foreign code is read as hcert_spec.md asks of every verifier; where the
specification says decoders SHOULD be permissive (§3.3.7: "acceptance of any reasonable
type conversion is strongly encouraged"), these leniencies apply, and no other:
1. `iat` / `exp` as a CBOR-tagged date-time (tag 0 or 1) or a float, not only an integer;
2. a CBOR-tagged date (tag 1004 or 100) or date-time in the hcert, read as its ISO text
   (a date-time in a date field as its date);
3. a float with no fraction where the schema wants an integer (a dose number 1.0);
4. text NFC-normalised before it is checked or shown (§3.3.7);
5. no `iss` claim (§3.3.1: it is optional);
6. a `ver` that is no release (a later patch, or a later minor version of 1.x) judged by
   the newest schema it extends.
Everything else a code holds must fit the schema of its own `ver` (hcert.py); byte
strings, undefined values, non-text map keys and duplicate keys are malformed.
"""

import datetime
import math
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from . import cose
from .certificates import Signer
from .claims import (
    CLAIM_CTI,
    CLAIM_EXP,
    CLAIM_HCERT,
    CLAIM_IAT,
    CLAIM_ISS,
    CLAIM_KHAIBAO,
    HCERT_EU_DCC,
    KB1_ANSWER_NAMES,
    KB1_KIND,
    KB1_KIND_PATTERN,
    KB1_LONG_NAMES,
    KB1_SUBJECT,
    MAX_CLAIM_DEPTH,
    PREFIX_HC1,
    PREFIXES,
)
from .cose import MalformedCode
from .hcert import DATE_FIELDS, ENTRY_KINDS, entry_kind, hcert_problems
from .keys import keyring
from .models import VerificationStatus
from .revocation import is_revoked, subject_revoked_before
from .trustlist import trusted_signers

# A code issued this little in the future is a clock a few minutes fast, not a forgery.
CLOCK_SKEW = datetime.timedelta(minutes=5)


@dataclass(frozen=True)
class Verification:
    """The answer to "is this QR code genuine?".

    `kind` is "HC1:vaccination" / "HC1:test" / "HC1:recovery" or "KB1:<kind>" once
    the signature checked out (only the prefix when it did not). `claims` is filled
    only for codes whose signature is good, and only with what the code states;
    `country` is the issuing country of the key that signed it (from its certificate
    in the trust list, or this portal's own).
    """

    status: str
    kind: str = ""
    claims: dict = field(default_factory=dict)
    country: str = ""

    @property
    def is_valid(self) -> bool:
        return self.status == VerificationStatus.VALID

    @property
    def status_label(self) -> str:
        return VerificationStatus(self.status).label

    def as_json(self) -> dict:
        return {
            "status": self.status,
            "kind": self.kind,
            "country": self.country,
            "claims": self.claims,
        }


@dataclass(frozen=True)
class _Contents:
    kind: str
    # The hcert kind ("v", "t", "r") that the signing certificate must be allowed to sign.
    usage: str | None
    cert_ids: tuple[str, ...]
    issued_at: datetime.datetime
    expires_at: datetime.datetime
    claims: dict
    subject: tuple[str, str] | None = None


def _text(value: str) -> str:
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


def _json_safe(value: Any, depth: int = 0, name: str = "") -> Any:
    """Decoded CBOR as plain JSON data (with the leniencies above); else malformed."""
    if depth > MAX_CLAIM_DEPTH:
        raise MalformedCode("claims nested too deeply")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise MalformedCode("integer out of range")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise MalformedCode("not a finite number")
        return int(value) if value.is_integer() and abs(value) <= 2**53 else value
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if name in DATE_FIELDS else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_safe(item, depth + 1, name) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {_text(key): _json_safe(item, depth + 1, key) for key, item in value.items()}
    raise MalformedCode(f"unexpected {type(value).__name__} in claims")


def _timestamp(value: Any, what: str) -> datetime.datetime:
    """A NumericDate (RFC 8392 §2): an integer, leniently a float or a tagged date-time."""
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=datetime.UTC)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedCode(f"{what} is not a timestamp")
    try:
        return datetime.datetime.fromtimestamp(value, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedCode(f"{what} out of range") from None


def _common_claims(payload: dict, *, issuer_required: bool):
    issuer = payload.get(CLAIM_ISS)
    if issuer is None and not issuer_required:
        issuer = ""
    if not isinstance(issuer, str):
        raise MalformedCode("iss missing")
    issued_at = _timestamp(payload.get(CLAIM_IAT), "iat")
    expires_at = _timestamp(payload.get(CLAIM_EXP), "exp")
    claims = {
        "issuer": _text(issuer),
        "issued_at": issued_at.isoformat(),
        "expires_at": expires_at.isoformat(),
    }
    return claims, issued_at, expires_at


def _kb1_contents(payload: dict) -> _Contents:
    claims, issued_at, expires_at = _common_claims(payload, issuer_required=True)
    cti = payload.get(CLAIM_CTI)
    private = payload.get(CLAIM_KHAIBAO)
    if not isinstance(cti, bytes) or not isinstance(private, dict):
        raise MalformedCode("KB1 needs cti and the KhaiBao claim")
    try:
        cert_id = cti.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedCode("cti is not text") from None
    private = _json_safe(private)
    kind = private.get(KB1_KIND)
    subject = private.get(KB1_SUBJECT)
    if not isinstance(kind, str) or not KB1_KIND_PATTERN.match(kind):
        raise MalformedCode("KB1 kind missing")
    if not isinstance(subject, str):
        raise MalformedCode("KB1 id missing")
    claims.update(cert_id=cert_id, subject_id=subject)
    for key, value in private.items():
        if key not in (KB1_KIND, KB1_SUBJECT) and key not in KB1_ANSWER_NAMES:
            claims[KB1_LONG_NAMES.get(key, key)] = value
    return _Contents(
        kind=f"KB1:{kind}",
        usage=None,
        cert_ids=(cert_id,),
        issued_at=issued_at,
        expires_at=expires_at,
        claims=claims,
        subject=(kind, subject),
    )


def _hc1_contents(payload: dict) -> _Contents:
    claims, issued_at, expires_at = _common_claims(payload, issuer_required=False)
    container = payload.get(CLAIM_HCERT)
    if not isinstance(container, dict) or not isinstance(container.get(HCERT_EU_DCC), dict):
        raise MalformedCode("HC1 needs claim -260 {1: hcert}")
    hcert = _json_safe(container[HCERT_EU_DCC])
    if hcert_problems(hcert):
        raise MalformedCode("hcert does not follow the DCC schema of its version")
    kind = entry_kind(hcert)
    cert_ids = tuple(entry["ci"] for entry in hcert[kind])
    name = hcert["nam"]
    full_name = " ".join(part for part in (name.get("fn"), name.get("gn")) if part)
    if not full_name:
        parts = (name.get("fnt"), name.get("gnt"))
        full_name = " ".join(part for part in parts if part).replace("<", " ")
    claims.update(cert_id=cert_ids[0], name=full_name, birth_date=hcert["dob"], hcert=hcert)
    return _Contents(
        kind=f"HC1:{ENTRY_KINDS[kind]}",
        usage=kind,
        cert_ids=cert_ids,
        issued_at=issued_at,
        expires_at=expires_at,
        claims=claims,
    )


def _candidates(prefix: str, kid: bytes) -> tuple[Signer, ...]:
    """Every key that may have signed: hcert_spec.md §3.3.3, "check all DSCs with that kid"."""
    ring = keyring()
    if prefix == PREFIX_HC1:
        return ring.hc1_signers(kid) + trusted_signers(kid)
    return ring.kb1_signers(kid)


def _accepts(signer: Signer, contents: _Contents) -> bool:
    """Whether this signer could sign these contents (hcert_spec.md A.4, §3.3.6)."""
    if contents.usage is not None and not signer.may_sign(contents.usage):
        return False
    # "The Issued At field MUST not predate the validity period of the DSC."
    return signer.not_before is None or contents.issued_at >= signer.not_before


def _status(signer: Signer, contents: _Contents, now: datetime.datetime) -> str:
    if any(is_revoked(cert_id) for cert_id in contents.cert_ids):
        return VerificationStatus.REVOKED
    if contents.subject is not None:
        revoked_before = subject_revoked_before(*contents.subject)
        if revoked_before is not None and contents.issued_at < revoked_before:
            return VerificationStatus.REVOKED
    # A signature counts no longer than the certificate of its key (§3.3.5).
    if contents.expires_at <= now or (signer.not_after is not None and signer.not_after < now):
        return VerificationStatus.EXPIRED
    if contents.issued_at > now + CLOCK_SKEW or (
        signer.not_before is not None and signer.not_before > now
    ):
        return VerificationStatus.NOT_YET_VALID
    return VerificationStatus.VALID


def qr_verify(text: str) -> Verification:
    """Check a scanned or pasted QR text. Never raises for any input text.

    1. Readable: prefix, base45, zlib, COSE_Sign1 (tag 18, untagged, or in CWT tag 61).
    2. Key known: some key or signing certificate has the code's kid.
    3. Signature: every key with that kid is tried (kids are short and may collide).
    4. Claims readable: CWT claims, and for HC1 the hcert by the schema of its version.
    5. The signing certificate may sign it: its DCC key usage covers the kind, and the
       code was not issued before the certificate's validity.
    6. Revoked, expired (the code or its signing certificate), not yet valid, valid.
    """
    try:
        prefix, data = cose.unwrap(text, PREFIXES)
        message = cose.sign1_decode(data)
    except MalformedCode:
        return Verification(status=VerificationStatus.MALFORMED)
    container = prefix.rstrip(":")
    candidates = _candidates(prefix, message.kid) if message.kid else ()
    if not candidates:
        return Verification(status=VerificationStatus.UNKNOWN_KEY, kind=container)
    # The signature is checked before anything of the contents is read (§6.3).
    signed_by = [signer for signer in candidates if cose.sign1_verify(message, signer.public_key)]
    if not signed_by:
        return Verification(status=VerificationStatus.BAD_SIGNATURE, kind=container)
    try:
        payload = cose.cbor_loads_untrusted(message.payload, "payload")
        if not isinstance(payload, dict):
            raise MalformedCode("payload is not a map")
        contents = _hc1_contents(payload) if prefix == PREFIX_HC1 else _kb1_contents(payload)
    except MalformedCode:
        return Verification(status=VerificationStatus.MALFORMED, kind=container)
    signer = next((signer for signer in signed_by if _accepts(signer, contents)), None)
    if signer is None:
        # A genuine signature by a key that may not sign this: as good as none.
        return Verification(status=VerificationStatus.BAD_SIGNATURE, kind=container)
    return Verification(
        status=_status(signer, contents, timezone.now()),
        kind=contents.kind,
        claims=contents.claims,
        country=signer.country,
    )
