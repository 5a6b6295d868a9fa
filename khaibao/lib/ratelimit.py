"""Fixed-window counters in the cache (Redis in production, shared by every web process).

`hit("otp:ip:1.2.3.4:2026112208", window=3600)` counts one request and returns how
many the key has seen in its window; `allow()` adds the limit check.
"""

from django.core.cache import cache


def hit(key: str, *, window: int) -> int:
    """Count one hit on `key`; the window starts with the key's first hit."""
    count_hit = getattr(cache, "count_hit", None)
    if count_hit is not None:
        # Redis (khaibao.lib.cache.RedisCache): INCR and EXPIRE NX in one round trip.
        return count_hit(key, window)
    # add() then incr(): atomic on Redis and on the local-memory cache alike.
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between the two calls
        cache.set(key, 1, window)
        return 1


def allow(key: str, *, limit: int, window: int) -> bool:
    """Count one hit; False once the key has had more than `limit` in its window."""
    return hit(key, window=window) <= limit


def hits(key: str) -> int:
    return cache.get(key) or 0
