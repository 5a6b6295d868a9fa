"""A real worker, started by the test run, executes tasks against PostgreSQL."""

import datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from khaibao.accounts.tasks import clear_expired_sessions
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.integration


def _session(*, expires_in: datetime.timedelta) -> str:
    store = SessionStore()
    store["note"] = "x"
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() + expires_in
    )
    return store.session_key


def test_worker_runs_the_session_sweeper_against_postgresql(
    celery_worker_process, transactional_db
):
    expired = _session(expires_in=-datetime.timedelta(minutes=1))
    live = _session(expires_in=datetime.timedelta(hours=1))

    clear_expired_sessions.delay()

    wait_until(
        lambda: not Session.objects.filter(session_key=expired).exists(),
        timeout=30,
        what="the worker to delete the expired session",
    )
    assert Session.objects.filter(session_key=live).exists()


def test_beat_schedules_the_session_sweeper(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["clear-expired-sessions"]
    assert entry["task"] == clear_expired_sessions.name


def test_healthz_reports_the_running_worker(celery_worker_process, transactional_db, client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok", "worker": "ok"}
