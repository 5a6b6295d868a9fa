"""The rate-limit counter on real Redis: one round trip counts a hit and starts the window
on the first one; later hits never stretch the window."""

import uuid

import pytest
from django.core.cache import cache

from khaibao.lib import ratelimit


@pytest.fixture
def redis_cache(postgres_and_redis):
    return cache


def test_hits_count_up_and_the_window_starts_with_the_first(redis_cache):
    key = f"test:counter:{uuid.uuid4().hex}"
    assert [ratelimit.hit(key, window=60) for _ in range(3)] == [1, 2, 3]
    client = redis_cache._cache.get_client(write=True)
    full_key = redis_cache.make_and_validate_key(key)
    ttl = client.ttl(full_key)
    assert 0 < ttl <= 60
    client.expire(full_key, 5)  # as if 55 seconds had passed
    assert ratelimit.hit(key, window=60) == 4
    assert client.ttl(full_key) <= 5  # a later hit does not start the window again


def test_a_limit_refuses_once_it_is_passed(redis_cache):
    key = f"test:limit:{uuid.uuid4().hex}"
    assert [ratelimit.allow(key, limit=2, window=60) for _ in range(3)] == [True, True, False]
    assert ratelimit.hits(key) == 3
