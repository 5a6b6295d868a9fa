"""Is a code revoked? By its certificate id, or as one of a subject's codes issued before
a revocation (a person's QR). Answered from a per-process snapshot (snapshot.py)."""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Max

from .models import RevokedCertificate, SubjectRevocation
from .snapshot import TableSnapshot


@dataclass(frozen=True)
class _Revocations:
    cert_ids: frozenset[str]
    # (kind, subject id) → the latest "revoked before" moment.
    subjects: dict[tuple[str, str], datetime.datetime]


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
    return _Revocations(
        cert_ids=frozenset(RevokedCertificate.objects.values_list("cert_id", flat=True)),
        subjects=subjects,
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
