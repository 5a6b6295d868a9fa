"""Signed QR codes: issue (HC1 = EU DCC, KB1 = KhaiBao's own), revoke; trust lists.

Claims hold no ID number and no health detail beyond what the certificate states
(claims.py describes the layout). Verifying is in verification.py (`qr_verify`).
"""

import datetime
import hashlib
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from khaibao.accounts.models import User
from khaibao.audit.services import AuditAction, log_action

from . import cose
from .certificates import (
    certificate_der,
    certificate_kid,
    certificate_sha256,
    certificate_usages,
)
from .claims import (
    CLAIM_CTI,
    CLAIM_EXP,
    CLAIM_HCERT,
    CLAIM_IAT,
    CLAIM_ISS,
    CLAIM_KHAIBAO,
    HCERT_EU_DCC,
    KB1_KIND,
    KB1_KIND_PATTERN,
    KB1_RESERVED,
    KB1_SHORT_NAMES,
    KB1_SUBJECT,
    MAX_CERT_ID,
    MAX_CLAIM_DEPTH,
    PREFIX_HC1,
    PREFIX_KB1,
)
from .hcert import DCC_SCHEMA_VERSION, entry_kind, hcert_issue_problems, icao_transliterate
from .image_requests import qr_image_request
from .keys import keyring, signing_key
from .models import RevokedCertificate, SubjectKind, SubjectRevocation, TrustedCertificate
from .revocation import revocations_changed, subject_revoked_before
from .trustlist import ListedCertificate, trust_list_changed
from .verification import Verification, qr_verify

__all__ = [
    "IssuedCode",
    "TrustListImport",
    "Verification",
    "certificate_revoke",
    "person_qr_revoke",
    "qr_for_person",
    "qr_image_request",
    "qr_issue_hc1",
    "qr_issue_kb1",
    "qr_verify",
    "trust_list_import",
    "trusted_certificate_withdraw",
]


@dataclass(frozen=True)
class IssuedCode:
    text: str
    cert_id: str
    issued_at: datetime.datetime
    expires_at: datetime.datetime


# --- Issuing ----------------------------------------------------------------------------


def _validity(
    issued_at: datetime.datetime | None, valid_for: datetime.timedelta
) -> tuple[datetime.datetime, datetime.datetime]:
    if valid_for <= datetime.timedelta(0):
        raise ValueError("valid_for must be positive")
    issued = (issued_at or timezone.now()).replace(microsecond=0)
    return issued, issued + valid_for


def _sign(prefix: str, claims: dict, *, kid: bytes, private_key: ec.EllipticCurvePrivateKey):
    message = cose.sign1_encode(cbor2.dumps(claims), kid=kid, private_key=private_key)
    return cose.wrap(prefix, message)


def _claim_value(value: Any, depth: int = 0) -> Any:
    """A claim value as it goes into the code: JSON-like data, NFC text, dates as ISO text."""
    if depth > MAX_CLAIM_DEPTH:
        raise ValueError("claims nested too deeply")
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, str):
        # hcert_spec.md §3.3.7: strings SHOULD be NFC; iOS keyboards type NFD.
        return unicodedata.normalize("NFC", value)
    if value is None or isinstance(value, bool | int):
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
    if not KB1_KIND_PATTERN.match(kind):
        raise ValueError(f"KB1 kind {kind!r} must be a short lower-case word")
    cert_id = cert_id or kb1_cert_id_new(kind)
    if len(cert_id) > MAX_CERT_ID:
        raise ValueError("cert_id too long")
    private = {KB1_KIND: kind, KB1_SUBJECT: str(subject_id)}
    for name, value in claims.items():
        short = KB1_SHORT_NAMES.get(name, name)
        if short in private or (name not in KB1_SHORT_NAMES and name in KB1_RESERVED):
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
    key = signing_key()
    text = _sign(PREFIX_KB1, payload, kid=key.kid, private_key=key.private_key)
    return IssuedCode(text=text, cert_id=cert_id, issued_at=issued, expires_at=expires)


def _hc1_document(hcert: dict, cert_id: str) -> dict:
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
    document = {"ver": DCC_SCHEMA_VERSION, **hcert, "nam": name, kind: [{**entry, "ci": cert_id}]}
    return _claim_value(document)


def qr_issue_hc1(
    *,
    hcert: dict,
    cert_id: str,
    valid_for: datetime.timedelta,
    issued_at: datetime.datetime | None = None,
) -> IssuedCode:
    """An HC1 (EU DCC) code for `hcert` (see hcert.hcert_build), certificate id `cert_id`.

    1. `ci` of the entry is set to `cert_id`; `fnt` / `gnt` are filled in when missing;
       text is NFC-normalised.
    2. The document must pass the official 1.3.0 schema, its date formats and value sets:
       otherwise a ValueError names each field at fault, and nothing is signed.
    3. The code's validity must lie within the signing certificate's (hcert_spec.md
       §3.3.5-6): a ValueError names `iat` or `exp` otherwise.
    4. Signed with the active key; the kid is that of its signing certificate (A.1).
    """
    document = _hc1_document(hcert, cert_id)
    problems = hcert_issue_problems(document)
    if problems:
        raise ValueError(f"hcert is not a valid DCC {DCC_SCHEMA_VERSION}: {'; '.join(problems)}")
    issued, expires = _validity(issued_at, valid_for)
    key, certificate = keyring().hc1_signing(issued)
    if expires > certificate.not_valid_after_utc:
        raise ValueError(
            f"exp: the code would be valid until {expires:%Y-%m-%d}, after its signing "
            f"certificate ({certificate.not_valid_after_utc:%Y-%m-%d})"
        )
    payload = {
        CLAIM_ISS: settings.QR_ISSUER,
        CLAIM_IAT: int(issued.timestamp()),
        CLAIM_EXP: int(expires.timestamp()),
        CLAIM_HCERT: {HCERT_EU_DCC: document},
    }
    text = _sign(PREFIX_HC1, payload, kid=certificate_kid(certificate), private_key=key.private_key)
    return IssuedCode(text=text, cert_id=cert_id, issued_at=issued, expires_at=expires)


def _whole_second_after(moment: datetime.datetime) -> datetime.datetime:
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + datetime.timedelta(seconds=1)


def qr_for_person(person) -> str:
    """The signed personal QR ("My QR") of a Person: KB1 "person".

    Carries the opaque public id, name, birth date, issued-at and expiry; never the ID
    number. Issued at the start of the local day with a deterministic signature, so a
    day's page loads give the same text and reuse one cached image; after the person's
    QR was revoked (person_qr_revoke), at the revocation instead, so that the new code
    is not one of the revoked ones.
    """
    subject_id = str(person.public_id)
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    issued_at = datetime.datetime.combine(
        today, datetime.time.min, tzinfo=timezone.get_default_timezone()
    )
    revoked_before = subject_revoked_before(SubjectKind.PERSON, subject_id)
    seed = f"{subject_id}|{today.isoformat()}"
    if revoked_before is not None and revoked_before > issued_at:
        issued_at = revoked_before
        seed += f"|{int(revoked_before.timestamp())}"
    day_hash = hashlib.sha256(seed.encode()).hexdigest()
    return qr_issue_kb1(
        kind="person",
        subject_id=subject_id,
        claims={"name": person.full_name, "birth_date": person.date_of_birth},
        valid_for=datetime.timedelta(days=settings.PERSONAL_QR_VALID_DAYS),
        cert_id=f"URN:KB:{settings.QR_ISSUER}:PERSON:{day_hash[:20].upper()}",
        issued_at=issued_at,
    ).text


# --- Revoking ---------------------------------------------------------------------------


@transaction.atomic
def certificate_revoke(
    *, cert_id: str, reason: str, by: User | None = None, person=None, ip: str | None = None
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
            ip=ip,
            detail={"decision": "revoke", "cert_id": cert_id, "reason": reason},
        )
    return revocation


@transaction.atomic
def person_qr_revoke(*, person, reason: str, by: User, ip: str | None = None) -> SubjectRevocation:
    """Revoke every personal QR of `person` issued until now (a lost or misused phone).

    The person's QR gets a new certificate id every day, so this revokes by subject: every
    KB1 "person" code of theirs with an issued-at before the revocation stops verifying,
    however old; the next My QR page shows a new code issued after it. Audited.
    """
    now = timezone.now()
    revocation = SubjectRevocation(
        kind=SubjectKind.PERSON,
        subject_id=str(person.public_id),
        # Codes carry whole seconds: every code issued up to now has an issued-at before
        # the next whole second, and the new code is issued at that second.
        revoked_before=_whole_second_after(now),
        revoked_at=now,
        reason=reason,
        revoked_by=by,
    )
    revocation.full_clean()
    revocation.save()
    transaction.on_commit(revocations_changed)
    log_action(
        actor=by,
        action=AuditAction.DECIDE,
        obj=revocation,
        person=person,
        area=getattr(person, "area", None),
        ip=ip,
        detail={
            "decision": "revoke_personal_qr",
            "subject_id": revocation.subject_id,
            "revoked_before": revocation.revoked_before.isoformat(),
            "reason": reason,
        },
    )
    return revocation


# --- Trust lists --------------------------------------------------------------------------


_ALGORITHM_NAMES = {cose.ALG_ES256: "ES256", cose.ALG_PS256: "PS256"}


@dataclass
class TrustListImport:
    """What an import did: kids added, how many were already there, kids withdrawn."""

    source: str
    added: list[str] = field(default_factory=list)
    unchanged: int = 0
    withdrawn: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.withdrawn)


def _new_trusted(entry: ListedCertificate, *, source: str, by: User) -> TrustedCertificate:
    certificate = entry.certificate
    usages = sorted(certificate_usages(certificate) or ())
    row = TrustedCertificate(
        kid=entry.kid_b64,
        sha256=certificate_sha256(certificate),
        country=entry.country,
        der=certificate_der(certificate),
        subject=certificate.subject.rfc4514_string()[:500],
        issuer=certificate.issuer.rfc4514_string()[:500],
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        algorithm=_ALGORITHM_NAMES[cose.key_algorithm(certificate.public_key())],
        usages=",".join(usages),
        source=source[:200],
        imported_by=by,
    )
    row.full_clean()
    return row


@transaction.atomic
def trust_list_import(
    *,
    entries: Iterable[ListedCertificate],
    source: str,
    problems: Iterable[str] = (),
    by: User | None = None,
    ip: str | None = None,
    withdraw_missing: bool = False,
) -> TrustListImport:
    """Add the listed signing certificates to the trust list; audited, idempotent.

    A certificate already on the list (same DER) is left as it is, withdrawn or not: a
    withdrawal is a decision an import does not undo. With `withdraw_missing` the file is
    the complete list of its countries (as the gateway's is: hcert_spec.md §5.1, "the
    primary validity mechanism is the presence of the certificate on the most recent
    version of that certificate list"): a certificate of those countries missing from it
    is withdrawn.
    """
    report = TrustListImport(source=source, problems=list(problems))
    listed = {certificate_sha256(entry.certificate): entry for entry in entries}
    existing = set(
        TrustedCertificate.objects.filter(sha256__in=listed).values_list("sha256", flat=True)
    )
    for sha256, entry in listed.items():
        if sha256 in existing:
            report.unchanged += 1
            continue
        row = _new_trusted(entry, source=source, by=by)
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:  # the same certificate imported at the same moment
            report.unchanged += 1
            continue
        report.added.append(f"{entry.country} {entry.kid_b64}")
    if withdraw_missing and listed:
        countries = {entry.country for entry in listed.values()}
        missing = TrustedCertificate.objects.filter(
            country__in=countries, withdrawn_at__isnull=True
        ).exclude(sha256__in=listed)
        for row in missing:
            _withdraw(row, by=by, reason=f"Không còn trong danh sách {source}"[:500])
            report.withdrawn.append(f"{row.country} {row.kid}")
    if report.changed:
        transaction.on_commit(trust_list_changed)
    log_action(
        actor=by,
        action=AuditAction.CREATE,
        object_type=TrustedCertificate._meta.label_lower,
        ip=ip,
        detail={
            "import": source[:200],
            "added": report.added,
            "unchanged": report.unchanged,
            "withdrawn": report.withdrawn,
            "problems": report.problems[:50],
        },
    )
    return report


def _withdraw(row: TrustedCertificate, *, by: User, reason: str) -> None:
    row.withdrawn_at = timezone.now()
    row.withdrawn_by = by
    row.withdrawn_reason = reason
    row.full_clean()
    row.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason", "updated_at"])


@transaction.atomic
def trusted_certificate_withdraw(
    *, certificate: TrustedCertificate, reason: str, by: User, ip: str | None = None
) -> TrustedCertificate:
    """Stop trusting a foreign signing certificate: its codes answer "unknown key".

    Idempotent: withdrawing a withdrawn certificate changes nothing. Audited.
    """
    row = TrustedCertificate.objects.select_for_update().get(pk=certificate.pk)
    if row.withdrawn_at is not None:
        return row
    _withdraw(row, by=by, reason=reason)
    transaction.on_commit(trust_list_changed)
    log_action(
        actor=by,
        action=AuditAction.DECIDE,
        obj=row,
        ip=ip,
        detail={"decision": "withdraw", "kid": row.kid, "country": row.country, "reason": reason},
    )
    return row
