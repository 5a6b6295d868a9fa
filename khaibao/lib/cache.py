"""Django's Redis cache, with one redis client per connection pool and a counter in one
round trip.

Django's RedisCacheClient makes a new `redis.Redis` for every operation; redis-py 8 builds
its table of response callbacks in each (about 270 µs, more than the operation itself),
and every rate-limited request (ratelimit.hit: add + incr = 3 commands, 2 clients) paid
it twice. The client is thread-safe and its pool is made after the fork, per process.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(index)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client

    def count_hit(self, key, window: int) -> int:
        # EXPIRE NX (Redis 7) sets the window only on the first hit: a fixed window, as
        # add() + incr() made it, without a moment where the key has no expiry.
        pipeline = self.get_client(key, write=True).pipeline(transaction=False)
        pipeline.incr(key)
        pipeline.expire(key, window, nx=True)
        return pipeline.execute()[0]


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def count_hit(self, key: str, window: int, version=None) -> int:
        """Add one to `key` (created at 1 with a `window`-second expiry); its new value."""
        return self._cache.count_hit(self.make_and_validate_key(key, version=version), window)
