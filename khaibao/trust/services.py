"""Signed QR codes: issue (HC1 = EU DCC, KB1 = KhaiBao's own), verify, revoke.

A code is prefix + base45(zlib(COSE_Sign1)) whose payload is a CWT claims map:
{1: iss, 4: exp, 6: iat, ...}. HC1 carries the DCC in claim -260 {1: hcert};
KB1 carries the certificate id in `cti` (7) and KhaiBao's claims in a private claim.
Claims hold no ID number and no health detail beyond what the certificate states.
"""

import datetime
import hashlib
import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import cbor2
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from khaibao.audit.services import AuditAction, log_action

from . import cose
from .cose import MalformedCode
from .hcert import (
    DCC_SCHEMA_VERSION,
    ENTRY_KINDS,
    entry_kind,
    hcert_problems,
    icao_transliterate,
)
from .images import qr_image_request
from .keys import keyring, signing_key
from .models import RevokedCertificate, VerificationStatus
from .revocation import is_revoked, revocations_changed

__all__ = [
    "IssuedCode",
    "Verification",
    "certificate_revoke",
    "qr_for_person",
    "qr_image_request",
    "qr_issue_hc1",
    "qr_issue_kb1",
    "qr_verify",
]

PREFIX_HC1 = "HC1:"
PREFIX_KB1 = "KB1:"
PREFIXES = (PREFIX_HC1, PREFIX_KB1)

CLAIM_ISS = 1
CLAIM_EXP = 4
CLAIM_IAT = 6
CLAIM_CTI = 7
CLAIM_HCERT = -260
HCERT_EU_DCC = 1
# A private-use claim key (below -65536, RFC 8392 / IANA CWT registry).
CLAIM_KHAIBAO = -70001

# KB1 claim names in the code (short: every byte makes the QR denser) and in the API.
KB1_KIND, KB1_SUBJECT, KB1_NAME, KB1_BIRTH_DATE = "k", "id", "n", "b"
KB1_LONG_NAMES = {KB1_NAME: "name", KB1_BIRTH_DATE: "birth_date"}
KB1_SHORT_NAMES = {long: short for short, long in KB1_LONG_NAMES.items()}
# Names the verifier adds to every answer: a claim must not shadow them.
_ANSWER_NAMES = {"cert_id", "subject_id", "issuer", "issued_at", "expires_at", "hcert"}
_KB1_RESERVED = {KB1_KIND, KB1_SUBJECT, KB1_NAME, KB1_BIRTH_DATE} | _ANSWER_NAMES
_KB1_KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_MAX_CLAIM_DEPTH = 6
_MAX_CERT_ID = 128


@dataclass(frozen=True)
class IssuedCode:
    text: str
    cert_id: str
    issued_at: datetime.datetime
    expires_at: datetime.datetime


@dataclass(frozen=True)
class Verification:
    """The answer to "is this QR code genuine?".

    `kind` is "HC1:vaccination" / "HC1:test" / "HC1:recovery" or "KB1:<kind>" once
    the signature checked out (only the prefix when it did not). `claims` is filled
    only for codes whose signature is good, and only with what the code states.
    """

    status: str
    kind: str = ""
    claims: dict = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return self.status == VerificationStatus.VALID

    @property
    def status_label(self) -> str:
        return VerificationStatus(self.status).label

    def as_json(self) -> dict:
        return {"status": self.status, "kind": self.kind, "claims": self.claims}


# --- Issuing ----------------------------------------------------------------------------


def _validity(
    issued_at: datetime.datetime | None, valid_for: datetime.timedelta
) -> tuple[datetime.datetime, datetime.datetime]:
    if valid_for <= datetime.timedelta(0):
        raise ValueError("valid_for must be positive")
    issued = (issued_at or timezone.now()).replace(microsecond=0)
    return issued, issued + valid_for


def _sign(prefix: str, claims: dict) -> str:
    key = signing_key()
    message = cose.sign1_encode(cbor2.dumps(claims), kid=key.kid, private_key=key.private_key)
    return cose.wrap(prefix, message)


def _claim_value(value: Any, depth: int = 0) -> Any:
    """A claim value as it goes into the code: JSON-like data, dates as ISO strings."""
    if depth > _MAX_CLAIM_DEPTH:
        raise ValueError("claims nested too deeply")
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, list | tuple):
        return [_claim_value(item, depth + 1) for item in value]
    if isinstance(value, Mapping) and all(isinstance(key, str) for key in value):
        return {key: _claim_value(item, depth + 1) for key, item in value.items()}
    raise ValueError(f"a claim cannot hold {type(value).__name__}")


def kb1_cert_id_new(kind: str) -> str:
    return f"URN:KB:{settings.QR_ISSUER}:{kind.upper()}:{secrets.token_hex(10).upper()}"


def qr_issue_kb1(
    *,
    kind: str,
    subject_id: str,
    claims: Mapping[str, Any],
    valid_for: datetime.timedelta,
    cert_id: str | None = None,
    issued_at: datetime.datetime | None = None,
) -> IssuedCode:
    """A KB1 code: "person", "declaration", "venue", "completion", ...

    `claims` use long names for the common fields ("name", "birth_date") and any other
    short key for the rest; `cert_id` (default: a fresh one) is what revocation names.
    """
    if not _KB1_KIND_PATTERN.match(kind):
        raise ValueError(f"KB1 kind {kind!r} must be a short lower-case word")
    cert_id = cert_id or kb1_cert_id_new(kind)
    if len(cert_id) > _MAX_CERT_ID:
        raise ValueError("cert_id too long")
    private = {KB1_KIND: kind, KB1_SUBJECT: str(subject_id)}
    for name, value in claims.items():
        short = KB1_SHORT_NAMES.get(name, name)
        if short in private or (name not in KB1_SHORT_NAMES and name in _KB1_RESERVED):
            raise ValueError(f"claim {name!r} is reserved or repeated")
        private[short] = _claim_value(value)
    issued, expires = _validity(issued_at, valid_for)
    payload = {
        CLAIM_ISS: settings.QR_ISSUER,
        CLAIM_IAT: int(issued.timestamp()),
        CLAIM_EXP: int(expires.timestamp()),
        CLAIM_CTI: cert_id.encode("utf-8"),
        CLAIM_KHAIBAO: private,
    }
    return IssuedCode(
        text=_sign(PREFIX_KB1, payload), cert_id=cert_id, issued_at=issued, expires_at=expires
    )


def qr_issue_hc1(
    *,
    hcert: dict,
    cert_id: str,
    valid_for: datetime.timedelta,
    issued_at: datetime.datetime | None = None,
) -> IssuedCode:
    """An HC1 (EU DCC) code for `hcert` (see hcert.hcert_build), certificate id `cert_id`.

    `ci` of the entry is set to `cert_id`; `fnt` / `gnt` are filled in when missing.
    Raises ValueError when the hcert misses a field the DCC schema requires.
    """
    kind = entry_kind(hcert) if isinstance(hcert, dict) else None
    if kind is None:
        raise ValueError("hcert must hold exactly one of v, t, r")
    entries = hcert[kind]
    if not isinstance(entries, list) or len(entries) != 1 or not isinstance(entries[0], dict):
        raise ValueError(f"hcert {kind} must be a list of one entry")
    entry = entries[0]
    if entry.get("ci", cert_id) != cert_id:
        raise ValueError("hcert entry ci differs from cert_id")
    name = dict(hcert.get("nam") or {})
    for source, target in (("fn", "fnt"), ("gn", "gnt")):
        if not name.get(target) and name.get(source):
            name[target] = icao_transliterate(name[source])
    document = {**hcert, "nam": name, kind: [{**entry, "ci": cert_id}]}
    document.setdefault("ver", DCC_SCHEMA_VERSION)
    problems = hcert_problems(document)
    if problems:
        raise ValueError(f"hcert is not a valid DCC: {', '.join(problems)}")
    document = _claim_value(document)
    issued, expires = _validity(issued_at, valid_for)
    payload = {
        CLAIM_ISS: settings.QR_ISSUER,
        CLAIM_IAT: int(issued.timestamp()),
        CLAIM_EXP: int(expires.timestamp()),
        CLAIM_HCERT: {HCERT_EU_DCC: document},
    }
    return IssuedCode(
        text=_sign(PREFIX_HC1, payload), cert_id=cert_id, issued_at=issued, expires_at=expires
    )


def qr_for_person(person) -> str:
    """The signed personal QR ("My QR") of a Person: KB1 "person".

    Carries the opaque public id, name, birth date, issued-at and expiry; never the ID
    number. Issued at the start of the local day with a deterministic signature, so a
    day's page loads give the same text and reuse one cached image.
    """
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    issued_at = datetime.datetime.combine(
        today, datetime.time.min, tzinfo=timezone.get_default_timezone()
    )
    day_hash = hashlib.sha256(f"{person.public_id}|{today.isoformat()}".encode()).hexdigest()
    return qr_issue_kb1(
        kind="person",
        subject_id=str(person.public_id),
        claims={"name": person.full_name, "birth_date": person.date_of_birth},
        valid_for=datetime.timedelta(days=settings.PERSONAL_QR_VALID_DAYS),
        cert_id=f"URN:KB:{settings.QR_ISSUER}:PERSON:{day_hash[:20].upper()}",
        issued_at=issued_at,
    ).text


# --- Verifying --------------------------------------------------------------------------


def _json_safe(value: Any, depth: int = 0) -> Any:
    """Decoded CBOR as plain JSON data; anything else (bytes, tags, cycles) is malformed."""
    if depth > _MAX_CLAIM_DEPTH:
        raise MalformedCode("claims nested too deeply")
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise MalformedCode("integer out of range")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise MalformedCode("not a finite number")
        return value
    if isinstance(value, list):
        return [_json_safe(item, depth + 1) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: _json_safe(item, depth + 1) for key, item in value.items()}
    raise MalformedCode(f"unexpected {type(value).__name__} in claims")


def _timestamp(value: Any, what: str) -> datetime.datetime:
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedCode(f"{what} is not a timestamp")
    try:
        return datetime.datetime.fromtimestamp(value, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedCode(f"{what} out of range") from None


@dataclass(frozen=True)
class _Contents:
    kind: str
    cert_id: str
    expires_at: datetime.datetime
    claims: dict


def _common_claims(payload: dict) -> tuple[dict, datetime.datetime]:
    issuer = payload.get(CLAIM_ISS)
    if not isinstance(issuer, str):
        raise MalformedCode("iss missing")
    issued_at = _timestamp(payload.get(CLAIM_IAT), "iat")
    expires_at = _timestamp(payload.get(CLAIM_EXP), "exp")
    claims = {
        "issuer": issuer,
        "issued_at": issued_at.isoformat(),
        "expires_at": expires_at.isoformat(),
    }
    return claims, expires_at


def _kb1_contents(payload: dict) -> _Contents:
    claims, expires_at = _common_claims(payload)
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
    if not isinstance(kind, str) or not _KB1_KIND_PATTERN.match(kind):
        raise MalformedCode("KB1 kind missing")
    if not isinstance(subject, str):
        raise MalformedCode("KB1 id missing")
    claims.update(cert_id=cert_id, subject_id=subject)
    for key, value in private.items():
        if key not in (KB1_KIND, KB1_SUBJECT) and key not in _ANSWER_NAMES:
            claims[KB1_LONG_NAMES.get(key, key)] = value
    return _Contents(kind=f"KB1:{kind}", cert_id=cert_id, expires_at=expires_at, claims=claims)


def _hc1_contents(payload: dict) -> _Contents:
    claims, expires_at = _common_claims(payload)
    container = payload.get(CLAIM_HCERT)
    if not isinstance(container, dict) or not isinstance(container.get(HCERT_EU_DCC), dict):
        raise MalformedCode("HC1 needs claim -260 {1: hcert}")
    hcert = _json_safe(container[HCERT_EU_DCC])
    if hcert_problems(hcert):
        raise MalformedCode("hcert does not follow the DCC schema")
    kind = entry_kind(hcert)
    cert_id = hcert[kind][0]["ci"]
    name = hcert["nam"]
    full_name = " ".join(part for part in (name.get("fn"), name.get("gn")) if part)
    if not full_name:
        full_name = " ".join(p for p in (name["fnt"], name.get("gnt")) if p).replace("<", " ")
    claims.update(cert_id=cert_id, name=full_name, birth_date=hcert["dob"], hcert=hcert)
    return _Contents(
        kind=f"HC1:{ENTRY_KINDS[kind]}", cert_id=cert_id, expires_at=expires_at, claims=claims
    )


def qr_verify(text: str) -> Verification:
    """Check a scanned or pasted QR text. Never raises for any input text.

    Order: readable → key known → signature → claims readable → revoked → expired.
    """
    try:
        prefix, data = cose.unwrap(text, PREFIXES)
        message = cose.sign1_decode(data)
    except MalformedCode:
        return Verification(status=VerificationStatus.MALFORMED)
    container = prefix.rstrip(":")
    key = keyring().get(message.kid) if message.kid else None
    if key is None:
        return Verification(status=VerificationStatus.UNKNOWN_KEY, kind=container)
    if not cose.sign1_verify(message, key.public_key):
        return Verification(status=VerificationStatus.BAD_SIGNATURE, kind=container)
    try:
        payload = cose.cbor_loads_untrusted(message.payload, "payload")
        if not isinstance(payload, dict):
            raise MalformedCode("payload is not a map")
        contents = _hc1_contents(payload) if prefix == PREFIX_HC1 else _kb1_contents(payload)
    except MalformedCode:
        return Verification(status=VerificationStatus.MALFORMED, kind=container)
    if is_revoked(contents.cert_id):
        status = VerificationStatus.REVOKED
    elif contents.expires_at <= timezone.now():
        status = VerificationStatus.EXPIRED
    else:
        status = VerificationStatus.VALID
    return Verification(status=status, kind=contents.kind, claims=contents.claims)


# --- Revoking ---------------------------------------------------------------------------


@transaction.atomic
def certificate_revoke(
    *, cert_id: str, reason: str, by=None, person=None, request=None
) -> RevokedCertificate:
    """Revoke every code carrying `cert_id`. Idempotent: a second call changes nothing.

    Audited when `by` (the staff user deciding) is given; a system revocation (a
    reissue done by a service on a citizen's request) passes by=None.
    """
    cert_id = cert_id.strip()
    existing = RevokedCertificate.objects.filter(cert_id=cert_id).first()
    if existing is not None:
        return existing
    revocation = RevokedCertificate(cert_id=cert_id, reason=reason)
    revocation.full_clean()
    try:
        # A savepoint: a concurrent revocation of the same id wins without breaking
        # the caller's transaction.
        with transaction.atomic():
            revocation.save()
    except IntegrityError:
        return RevokedCertificate.objects.get(cert_id=cert_id)
    transaction.on_commit(revocations_changed)
    if by is not None:
        log_action(
            actor=by,
            action=AuditAction.DECIDE,
            obj=revocation,
            person=person,
            request=request,
            detail={"decision": "revoke", "cert_id": cert_id, "reason": reason},
        )
    return revocation
