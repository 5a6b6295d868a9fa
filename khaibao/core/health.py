"""Liveness of the parts the portal depends on, for /healthz and the worker heartbeat."""

import logging
import time

import redis
from django.conf import settings
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

# Sorted set: member = worker hostname, score = time of its last beat.
HEARTBEAT_KEY = "khaibao:worker-heartbeats"
# Short timeouts: a health check that hangs is worse than one that says "down".
REDIS_TIMEOUT_SECONDS = 0.5


def redis_client(url: str | None = None) -> redis.Redis:
    return redis.Redis.from_url(
        url or settings.REDIS_URL,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )


def record_worker_heartbeat(hostname: str) -> None:
    """Called from the Celery worker's timer every WORKER_HEARTBEAT_SECONDS."""
    now = time.time()
    try:
        client = redis_client()
        pipe = client.pipeline()
        pipe.zadd(HEARTBEAT_KEY, {hostname: now})
        pipe.zremrangebyscore(HEARTBEAT_KEY, "-inf", now - 3600)
        pipe.execute()
        client.close()
    except redis.RedisError:
        logger.exception("Could not record the worker heartbeat")


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: database down")
        return "down"
    return "ok"


def check_redis_and_worker() -> tuple[str, str]:
    """Return (redis, worker) status; both 'not_configured' when tasks run in-process."""
    if not settings.REDIS_URL:
        return "not_configured", "not_configured"
    client = redis_client()
    try:
        client.ping()
        # A worker counts as alive if it beat within the last three intervals.
        since = time.time() - 3 * settings.WORKER_HEARTBEAT_SECONDS
        live_workers = client.zcount(HEARTBEAT_KEY, since, "+inf")
    except redis.RedisError:
        return "down", "unknown"
    finally:
        client.close()
    return "ok", ("ok" if live_workers else "down")


def health_report() -> tuple[bool, dict[str, str]]:
    redis_status, worker_status = check_redis_and_worker()
    report = {"database": check_database(), "redis": redis_status, "worker": worker_status}
    healthy = all(status in ("ok", "not_configured") for status in report.values())
    return healthy, report
