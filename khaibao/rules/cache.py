"""Cache entries of rule timelines: one per (kind, province code or "VN")."""

from django.core.cache import cache

NATIONAL = "VN"
CACHE_SECONDS = 6 * 3600


def timeline_key(kind: str, scope: str) -> str:
    return f"rules:v1:{kind}:{scope}"


def timeline_clear(kind: str, scope: str) -> None:
    cache.delete(timeline_key(kind, scope))
