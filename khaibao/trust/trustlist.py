"""Trust lists: foreign document signing certificates (DSC) that verify `HC1:` codes.

Read here (services.py stores them):
- a bundle of X.509 certificates: PEM (one or many) or a single DER file, the country
  taken from each certificate's subject; CA certificates (CSCAs) are skipped, they sign
  certificates, not codes;
- the JSON list of signing certificates that the EU DCC gateway's verifier service
  publishes (dgca-verifier-service, certificate look-up): {"DE": [{"kid": "...",
  "rawData": "<base64 DER>"}, ...], ...};
- the gateway's own trust-list items: [{"kid", "country", "certificateType", "rawData",
  ...}, ...] (only "DSC" items).

Each certificate's kid is computed, never believed: the first 8 bytes of the SHA-256 of
its DER (hcert_spec.md A.1). An entry whose listed kid differs is refused.
"""

import base64
import binascii
import json
import logging
from dataclasses import dataclass

from cryptography import x509
from django.db import connection
from django.db.models import Count, Max

from .certificates import (
    Signer,
    certificate_country,
    certificate_kid,
    is_ca,
    load_certificates,
    signer_from_certificate,
)
from .models import TrustedCertificate
from .snapshot import TableSnapshot

logger = logging.getLogger(__name__)

# A trust list of every EU DCC participant holds a few hundred certificates of ~1 KB.
MAX_LIST_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ListedCertificate:
    certificate: x509.Certificate
    country: str
    origin: str

    @property
    def kid(self) -> bytes:
        return certificate_kid(self.certificate)

    @property
    def kid_b64(self) -> str:
        return kid_text(self.kid)


@dataclass(frozen=True)
class ParsedList:
    entries: list[ListedCertificate]
    problems: list[str]


def kid_text(kid: bytes) -> str:
    """A kid as trust lists write it: standard base64 ("8xYtW2837bc=")."""
    return base64.b64encode(kid).decode("ascii")


def _country(value) -> str | None:
    text = str(value or "").strip().upper()
    return text if len(text) == 2 and text.isascii() and text.isalpha() else None


def _entry(certificate, *, country: str, origin: str, problems: list) -> ListedCertificate | None:
    if is_ca(certificate):
        problems.append(f"{origin}: a CA certificate (CSCA), not a signing certificate: skipped")
        return None
    country = _country(country or certificate_country(certificate))
    if country is None:
        problems.append(f"{origin}: no two-letter country in the list or the certificate")
        return None
    try:
        signer_from_certificate(certificate, country=country)
    except ValueError as exc:
        problems.append(f"{origin}: {exc}")
        return None
    return ListedCertificate(certificate=certificate, country=country, origin=origin)


def _from_raw(item: dict, *, country: str, origin: str, problems: list):
    raw = item.get("rawData") if isinstance(item, dict) else item
    try:
        der = base64.b64decode(raw or "", validate=True)
        certificate = x509.load_der_x509_certificate(der)
    except (binascii.Error, TypeError, ValueError):
        problems.append(f"{origin}: rawData is not a base64 DER certificate")
        return None
    listed_kid = item.get("kid") if isinstance(item, dict) else None
    if listed_kid and listed_kid != kid_text(certificate_kid(certificate)):
        problems.append(
            f"{origin}: the listed kid {listed_kid} is not the certificate's "
            f"({kid_text(certificate_kid(certificate))}): refused"
        )
        return None
    return _entry(certificate, country=country, origin=origin, problems=problems)


def _parse_json(document, origin: str) -> ParsedList:
    entries, problems = [], []
    if isinstance(document, dict):
        for country, items in document.items():
            if not isinstance(items, list):
                problems.append(f"{origin} [{country}]: not a list of certificates")
                continue
            for number, item in enumerate(items, start=1):
                entry = _from_raw(
                    item,
                    country=country,
                    origin=f"{origin} [{country} #{number}]",
                    problems=problems,
                )
                if entry:
                    entries.append(entry)
    elif isinstance(document, list):
        for number, item in enumerate(document, start=1):
            where = f"{origin} #{number}"
            if not isinstance(item, dict):
                problems.append(f"{where}: not a certificate entry (a list of kids only?)")
                continue
            if item.get("certificateType", "DSC") != "DSC":
                continue
            entry = _from_raw(
                item, country=item.get("country", ""), origin=where, problems=problems
            )
            if entry:
                entries.append(entry)
    else:
        problems.append(f"{origin}: JSON that is neither a list nor a map of certificates")
    return ParsedList(entries=entries, problems=problems)


def parse_trust_list(data: bytes, *, origin: str) -> ParsedList:
    """The signing certificates in one trust-list file, and what could not be taken."""
    if len(data) > MAX_LIST_BYTES:
        return ParsedList(entries=[], problems=[f"{origin}: larger than {MAX_LIST_BYTES} bytes"])
    if data.lstrip()[:1] in (b"{", b"["):
        try:
            document = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            return ParsedList(entries=[], problems=[f"{origin}: not valid JSON"])
        return _parse_json(document, origin)
    try:
        certificates = load_certificates(data)
    except ValueError:
        return ParsedList(entries=[], problems=[f"{origin}: no PEM or DER certificate"])
    entries, problems = [], []
    for number, certificate in enumerate(certificates, start=1):
        where = origin if len(certificates) == 1 else f"{origin} #{number}"
        entry = _entry(certificate, country="", origin=where, problems=problems)
        if entry:
            entries.append(entry)
    return ParsedList(entries=entries, problems=problems)


# --- The verifier's view: signers by kid ---------------------------------------------------


def _signer(row: TrustedCertificate) -> Signer | None:
    try:
        certificate = x509.load_der_x509_certificate(bytes(row.der))
        return signer_from_certificate(
            certificate, country=row.country, source=f"trust-list:{row.pk}"
        )
    except ValueError:
        # Checked at import, so only a row changed behind the portal's back gets here.
        logger.exception("Trusted certificate %s cannot be read; it verifies nothing", row.pk)
        return None


def _active_rows():
    return TrustedCertificate.objects.filter(withdrawn_at__isnull=True).only(
        "kid", "der", "country"
    )


def _stamp() -> tuple:
    totals = TrustedCertificate.objects.aggregate(count=Count("id"), changed=Max("updated_at"))
    return (totals["count"], totals["changed"])


def _load() -> dict[bytes, tuple[Signer, ...]]:
    # Keyed by the stored kid (computed from the DER at import), as the in-transaction
    # look-up filters on it: two rows with one kid are two candidates.
    signers: dict[bytes, tuple[Signer, ...]] = {}
    for row in _active_rows():
        signer = _signer(row)
        if signer is not None:
            kid = base64.b64decode(row.kid)
            signers[kid] = (*signers.get(kid, ()), signer)
    return signers


_snapshot = TableSnapshot(stamp=_stamp, load=_load)


def trusted_signers(kid: bytes) -> tuple[Signer, ...]:
    """Every foreign DSC not withdrawn whose kid is `kid` (several when kids collide)."""
    if connection.in_atomic_block:
        rows = _active_rows().filter(kid=kid_text(kid))
        return tuple(signer for signer in map(_signer, rows) if signer is not None)
    return _snapshot.get().get(kid, ())


def trust_list_changed() -> None:
    _snapshot.reset()
