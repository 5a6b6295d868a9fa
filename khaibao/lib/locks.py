"""Serialising work on a key that no row holds yet (a form's one-time submission key)."""

from django.db import connection


def lock_for_transaction(namespace: str, key: str) -> None:
    """Hold a lock on (namespace, key) until the current transaction ends.

    On PostgreSQL a transaction-scoped advisory lock: a second request with the same key
    waits here, then sees what the first committed. SQLite runs one writer at a time, so
    it needs nothing.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{namespace}:{key}"]
        )
