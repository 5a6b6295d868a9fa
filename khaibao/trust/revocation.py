"""Is a certificate id revoked? Answered from a per-process snapshot, without a query.

Verification is the hot path (checkpoint scanners; the target is 3,000 codes per second
per core), and one database round trip costs more than the whole signature check.
Revocations are few and never deleted, so each process keeps the set of revoked ids and
re-reads it when the table's (count, max id) changes, looked at no more than once every
REFRESH_SECONDS. A revocation reaches this process when it commits, other processes
within REFRESH_SECONDS.

Inside a transaction the database is asked directly: it sees the transaction's own,
not yet committed revocations, and a rollback cannot leave a phantom in the snapshot.
"""

import time
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Max

from .models import RevokedCertificate

REFRESH_SECONDS = 2.0


@dataclass(frozen=True)
class _Snapshot:
    cert_ids: frozenset[str]
    stamp: tuple
    checked_at: float


_snapshot: _Snapshot | None = None


def is_revoked(cert_id: str) -> bool:
    if connection.in_atomic_block:
        return RevokedCertificate.objects.filter(cert_id=cert_id).exists()
    return cert_id in _revoked_ids()


def _revoked_ids() -> frozenset[str]:
    global _snapshot
    now = time.monotonic()
    snapshot = _snapshot
    if snapshot is not None and now - snapshot.checked_at < REFRESH_SECONDS:
        return snapshot.cert_ids
    totals = RevokedCertificate.objects.aggregate(count=Count("id"), last=Max("id"))
    stamp = (totals["count"], totals["last"])
    if snapshot is not None and snapshot.stamp == stamp:
        cert_ids = snapshot.cert_ids
    else:
        # A row committed between the two queries only makes the next check reload.
        cert_ids = frozenset(RevokedCertificate.objects.values_list("cert_id", flat=True))
    _snapshot = _Snapshot(cert_ids=cert_ids, stamp=stamp, checked_at=now)
    return cert_ids


def revocations_changed() -> None:
    """Drop the snapshot: the next check reads the table again."""
    global _snapshot
    _snapshot = None
