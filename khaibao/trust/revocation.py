"""Is a code revoked? By its certificate id, or as one of a subject's codes issued before
a revocation (a person's QR). Answered from a per-process snapshot (snapshot.py), which
also gives the revocation list published for offline verifiers (`revocation_list`)."""

import base64
import datetime
import functools
import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max

from .models import RevokedCertificate, SubjectRevocation
from .snapshot import TableSnapshot

#: The certificate ids that are UVCIs: those of HC1 codes (EU DCC), which the list holds.
UVCI_SCHEME = "URN:UVCI:"
#: EU DCC revocation: hashes are cut to their first 128 bits.
REVOCATION_HASH_BYTES = 16
REVOCATION_LIST_VERSION = 1


# eq=False: a snapshot is hashed by identity, so the published list is cached per snapshot.
@dataclass(frozen=True, eq=False)
class _Revocations:
    cert_ids: frozenset[str]
    # (kind, subject id) → the latest "revoked before" moment.
    subjects: dict[tuple[str, str], datetime.datetime]
    # The revoked UVCIs, and when the latest of them was revoked (None: none is).
    uvcis: tuple[str, ...] = ()
    uvcis_updated: datetime.datetime | None = None


def _stamp() -> tuple:
    certificates = RevokedCertificate.objects.aggregate(count=Count("id"), last=Max("id"))
    subjects = SubjectRevocation.objects.aggregate(count=Count("id"), last=Max("id"))
    return (certificates["count"], certificates["last"], subjects["count"], subjects["last"])


def _load() -> _Revocations:
    subjects: dict[tuple[str, str], datetime.datetime] = {}
    rows = SubjectRevocation.objects.values_list("kind", "subject_id", "revoked_before")
    for kind, subject_id, revoked_before in rows:
        key = (kind, subject_id)
        if key not in subjects or revoked_before > subjects[key]:
            subjects[key] = revoked_before
    certificates = list(RevokedCertificate.objects.values_list("cert_id", "revoked_at"))
    uvcis = [(cert_id, at) for cert_id, at in certificates if cert_id.startswith(UVCI_SCHEME)]
    return _Revocations(
        cert_ids=frozenset(cert_id for cert_id, _at in certificates),
        subjects=subjects,
        uvcis=tuple(cert_id for cert_id, _at in uvcis),
        uvcis_updated=max((at for _cert_id, at in uvcis), default=None),
    )


_snapshot = TableSnapshot(stamp=_stamp, load=_load)


def is_revoked(cert_id: str) -> bool:
    if connection.in_atomic_block:
        return RevokedCertificate.objects.filter(cert_id=cert_id).exists()
    return cert_id in _snapshot.get().cert_ids


def subject_revoked_before(kind: str, subject_id: str) -> datetime.datetime | None:
    """The moment before which every code of this subject is revoked (None: never)."""
    if connection.in_atomic_block:
        return SubjectRevocation.objects.filter(kind=kind, subject_id=subject_id).aggregate(
            last=Max("revoked_before")
        )["last"]
    return _snapshot.get().subjects.get((kind, subject_id))


def revocations_changed() -> None:
    """Drop the snapshot: the next check reads the tables again."""
    _snapshot.reset()


# --- The list for offline verifiers ----------------------------------------------------------


def uci_hash(uci: str) -> str:
    """The EU DCC revocation hash of type UCI of a certificate identifier (`ci`).

    The rule of the DCC revocation lists exchanged through the EU gateway (added to the
    trust framework by Commission Implementing Decision (EU) 2022/483), as verifier apps
    implement it: the SHA-256 of the UCI's UTF-8 bytes, exactly as `ci` carries them, cut
    to its first 128 bits (16 bytes), in base64. See the Corona-Warn-App's
    RevocationCalculation (`uniqueCertificateIdentifier.hash256(endIndex = 16)`) and the
    dcc-info reader's `--hashes` (`b64encode(sha256(ci).digest()[:16])`). The portal's
    UVCIs are upper case by construction (hcert.uvci_new): no case folding arises.
    """
    digest = hashlib.sha256(uci.encode("utf-8")).digest()[:REVOCATION_HASH_BYTES]
    return base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True)
class RevocationList:
    body: bytes
    etag: str


def revocation_list_document(revocations: _Revocations) -> dict:
    """The published list: the UCI hash of every revoked HC1 certificate the portal issued.

    Shaped after a revocation batch of the EU DCC gateway ({country, hashType, entries of
    hashes}) without its `kid`: a UCI hash does not depend on the signing key, so one list
    covers the certificates of every key of `country`. `updated` is when the latest listed
    certificate was revoked, not when the list was built, so every process serves the
    same bytes (and ETag) for the same revocations. Entries are never removed: a
    revocation is never undone, and a verifier drops an entry when it likes, since an
    expired certificate fails on its own.
    """
    updated = revocations.uvcis_updated
    return {
        "version": REVOCATION_LIST_VERSION,
        "country": settings.QR_ISSUER,
        "hash_type": "UCI",
        "updated": updated.astimezone(datetime.UTC).isoformat() if updated else None,
        "hashes": sorted(uci_hash(uvci) for uvci in revocations.uvcis),
    }


def _revocation_list_build(revocations: _Revocations) -> RevocationList:
    body = json.dumps(revocation_list_document(revocations), separators=(",", ":")).encode()
    return RevocationList(body=body, etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"')


@functools.lru_cache(maxsize=1)
def _published(revocations: _Revocations) -> RevocationList:
    # Built once per snapshot: the hashes and the JSON are redone only when it reloads.
    return _revocation_list_build(revocations)


def revocation_list() -> RevocationList:
    """The revocation list's JSON and ETag, from the snapshot (the tables, in a transaction)."""
    if connection.in_atomic_block:
        return _revocation_list_build(_load())
    return _published(_snapshot.get())
