"""A per-process copy of a small table that the verifier reads without a query.

Verification is the hot path (checkpoint scanners; the target is 3,000 codes per second
per core), and one database round trip costs more than the whole signature check.
Revocations and trust-list certificates are few and change rarely, so each process
keeps a copy and re-reads it when the table's stamp changes (a cheap aggregate such as
count and latest id), looked at no more than once every REFRESH_SECONDS. A change made
by this process is seen when it commits (`reset` on commit), a change made by another
process within REFRESH_SECONDS.

Callers ask the database directly inside a transaction: it sees the transaction's own,
not yet committed rows, and a rollback cannot leave a phantom in the copy.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

REFRESH_SECONDS = 2.0

T = TypeVar("T")


@dataclass(frozen=True)
class _Copy(Generic[T]):
    value: T
    stamp: tuple
    checked_at: float


class TableSnapshot(Generic[T]):
    def __init__(self, *, stamp: Callable[[], tuple], load: Callable[[], T]):
        self._stamp = stamp
        self._load = load
        self._copy: _Copy[T] | None = None

    def get(self) -> T:
        now = time.monotonic()
        copy = self._copy
        if copy is not None and now - copy.checked_at < REFRESH_SECONDS:
            return copy.value
        stamp = self._stamp()
        # A row committed between the two queries only makes the next check reload.
        value = copy.value if copy is not None and copy.stamp == stamp else self._load()
        self._copy = _Copy(value=value, stamp=stamp, checked_at=now)
        return value

    def reset(self) -> None:
        """Drop the copy: the next read loads the table again."""
        self._copy = None
