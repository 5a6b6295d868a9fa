"""Cache entries of rule timelines: one per (kind, province code or "VN")."""

from django.core.cache import cache

NATIONAL = "VN"
CACHE_SECONDS = 6 * 3600
#: Part of every key: changing it (a new release, a test) leaves old entries unread.
NAMESPACE = "v1"


def timeline_key(kind: str, scope: str) -> str:
    return f"rules:{NAMESPACE}:{kind}:{scope}"


def timeline_clear(kind: str, scope: str) -> None:
    cache.delete(timeline_key(kind, scope))
