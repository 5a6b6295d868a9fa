"""/healthz against a real Redis server that the test starts and then stops."""

import time

import pytest
from django.urls import reverse

from khaibao.core.health import HEARTBEAT_KEY, record_worker_heartbeat

pytestmark = pytest.mark.integration


def test_healthz_answers_503_when_configured_redis_is_stopped(
    throwaway_redis, settings, client, db
):
    settings.REDIS_URL = throwaway_redis.url
    record_worker_heartbeat("worker@test")  # a worker that beats into this Redis

    up = client.get(reverse("healthz"))
    assert up.status_code == 200
    assert up.json()["redis"] == "ok"

    throwaway_redis.kill()
    down = client.get(reverse("healthz"))

    assert down.status_code == 503
    assert down.json() == {
        "status": "degraded",
        "database": "ok",
        "redis": "down",
        "worker": "unknown",
    }


def test_healthz_answers_503_when_no_worker_beats(throwaway_redis, settings, client, db):
    settings.REDIS_URL = throwaway_redis.url

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["worker"] == "down"


@pytest.mark.smoke
def test_healthz_without_redis_reports_in_process_tasks(settings, client, db):
    settings.REDIS_URL = ""

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "redis": "not_configured",
        "worker": "not_configured",
    }
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_worker_that_stopped_beating_is_reported_down(throwaway_redis, settings, client, db):
    settings.REDIS_URL = throwaway_redis.url
    stale = time.time() - 4 * settings.WORKER_HEARTBEAT_SECONDS
    throwaway_redis.client().zadd(HEARTBEAT_KEY, {"worker@gone": stale})

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["worker"] == "down"
