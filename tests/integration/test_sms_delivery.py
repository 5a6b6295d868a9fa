"""Texts reach the gateway exactly once through real workers, crashes and a lost Redis.

The gateway is the local stub (tests/notify/sms_stub.py), which delivers a repeated
reference once: "arrives once" below means one delivery to the phone, even where the
sender had to repeat itself.
"""

import os
import signal

import pytest

from khaibao.notify.models import SmsMessage, SmsStatus
from khaibao.notify.sending import sms_requeue_stuck, sms_stuck_ids
from khaibao.notify.services import sms_queue
from khaibao.notify.tasks import send_sms
from tests.integration.conftest import (
    SMS_LEASE_SECONDS,
    celery_producer,
    sms_worker_env,
    start_celery_worker,
    wait_until,
)
from tests.notify.sms_stub import Step

pytestmark = pytest.mark.integration

PHONE = "+84912345678"


def _queue(text: str) -> SmsMessage:
    # transactional_db: autocommit, so the task is published as sms_queue returns.
    return sms_queue(to=PHONE, body=f"KhaiBao thu nghiem: {text}", purpose="test")


def _finished(message: SmsMessage) -> bool:
    message.refresh_from_db()
    return message.status in (SmsStatus.SENT, SmsStatus.FAILED)


def _wait_until_finished(message: SmsMessage, worker, *, what: str) -> None:
    """Wait for `worker` to send (or give up on) the text; its log is shown on a timeout."""
    wait_until(lambda: _finished(message), timeout=30, what=what, details=worker.log)


def _assert_delivered_once(message: SmsMessage, gateway, *, requests: int) -> None:
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT, message.last_error
    sent = gateway.requests_for(message.reference)
    assert len(sent) == requests
    assert {request.headers["idempotency-key"] for request in sent} == {message.reference}
    [delivery] = gateway.deliveries_to(PHONE)
    assert delivery.text == message.body
    assert message.provider_id == delivery.id


@pytest.fixture
def own_worker(throwaway_redis, worker_database_url, sms_gateway, tmp_path):
    """Start workers on the throw-away Redis, sending to the stub; all stopped at the end."""
    workers = []

    def start(*, pool: str = "solo"):
        worker = start_celery_worker(
            redis_url=throwaway_redis.url,
            database_url=worker_database_url,
            log_path=tmp_path / f"worker-{len(workers) + 1}.log",
            env=sms_worker_env(sms_gateway),
            pool=pool,
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def test_the_worker_retries_a_503_and_delivers_through_the_gateway(
    shared_celery_worker, sms_gateway, transactional_db
):
    sms_gateway.script(503)

    message = _queue("qua worker")

    _wait_until_finished(message, shared_celery_worker, what="the worker to send the text")
    _assert_delivered_once(message, sms_gateway, requests=2)
    assert message.attempts == 2
    assert [request.status for request in sms_gateway.requests] == [503, 200]
    request = sms_gateway.requests[-1]
    assert request.json == {
        "to": PHONE,
        "text": "KhaiBao thu nghiem: qua worker",
        "sender": "1022",
        "reference": message.reference,
    }
    assert request.headers["authorization"] == f"Bearer {sms_gateway.token}"


def test_a_worker_killed_mid_send_is_recovered_by_the_sweeper_and_the_text_arrives_once(
    transactional_db, settings, sms_gateway, throwaway_redis, own_worker
):
    settings.SMS_SENDING_LEASE_SECONDS = SMS_LEASE_SECONDS
    first = own_worker()
    # The gateway takes the text, then is slow to answer: the worker dies waiting.
    sms_gateway.script(Step(200, delay=5))

    with celery_producer(throwaway_redis.url):
        message = _queue("worker bi giet")
        wait_until(
            lambda: sms_gateway.requests_for(message.reference),
            timeout=30,
            what="the first worker's request to reach the gateway",
            details=first.log,
        )
        first.kill()
        message.refresh_from_db()
        assert (message.status, message.attempts) == (SmsStatus.SENDING, 1)

        wait_until(
            lambda: message.pk in sms_stuck_ids(),
            timeout=SMS_LEASE_SECONDS + 10,
            what="the dead worker's lease to expire",
        )
        assert sms_requeue_stuck(enqueue=send_sms.delay_on_commit) == 1

    second = own_worker()
    _wait_until_finished(message, second, what="the fresh worker to send the requeued text")
    # Sent twice, with one reference; delivered once.
    _assert_delivered_once(message, sms_gateway, requests=2)
    assert message.attempts == 2


def test_a_pool_child_killed_mid_send_is_redelivered_and_the_text_arrives_once(
    transactional_db, sms_gateway, throwaway_redis, own_worker
):
    worker = own_worker(pool="prefork")
    sms_gateway.script(Step(200, delay=5))

    with celery_producer(throwaway_redis.url):
        message = _queue("tien trinh con bi giet")
        wait_until(
            lambda: sms_gateway.requests_for(message.reference),
            timeout=30,
            what="the pool child's request to reach the gateway",
            details=worker.log,
        )
        [child] = worker.pool_children()
        os.kill(child, signal.SIGKILL)

        # reject_on_worker_lost: the message goes back to the queue, with no sweeper.
        _wait_until_finished(message, worker, what="the redelivered task to send the text")

    assert worker.process.poll() is None
    assert "WorkerLostError" in worker.log()
    _assert_delivered_once(message, sms_gateway, requests=2)
    assert message.attempts == 2


def test_a_task_lost_in_a_redis_restart_is_requeued_and_the_text_arrives_once(
    transactional_db, settings, sms_gateway, throwaway_redis, own_worker
):
    settings.SMS_STUCK_AFTER_SECONDS = 1

    with celery_producer(throwaway_redis.url):
        # No worker is running: the task waits in Redis, and only there.
        message = _queue("redis khoi dong lai")
        assert throwaway_redis.client().llen("sms") == 1

        throwaway_redis.kill()
        throwaway_redis.start()
        assert throwaway_redis.client().llen("sms") == 0
        message.refresh_from_db()
        assert (message.status, message.attempts) == (SmsStatus.QUEUED, 0)

        wait_until(
            lambda: message.pk in sms_stuck_ids(),
            timeout=10,
            what="the queued text to count as stuck",
        )
        assert sms_requeue_stuck(enqueue=send_sms.delay_on_commit) == 1
        assert throwaway_redis.client().llen("sms") == 1

    worker = own_worker()
    _wait_until_finished(message, worker, what="the worker to send the requeued text")
    _assert_delivered_once(message, sms_gateway, requests=1)
    assert message.attempts == 1
    assert sms_stuck_ids() == []


def test_a_text_queued_while_redis_is_down_is_sent_once_it_is_back(
    transactional_db, settings, sms_gateway, throwaway_redis, own_worker
):
    settings.SMS_STUCK_AFTER_SECONDS = 1

    with celery_producer(throwaway_redis.url):
        throwaway_redis.kill()
        # The change commits and the caller gets no error; only the publish failed.
        message = _queue("redis dang tat")
        message.refresh_from_db()
        assert (message.status, message.attempts) == (SmsStatus.QUEUED, 0)

        throwaway_redis.start()
        wait_until(
            lambda: message.pk in sms_stuck_ids(),
            timeout=10,
            what="the queued text to count as stuck",
        )
        assert sms_requeue_stuck(enqueue=send_sms.delay_on_commit) == 1

    worker = own_worker()
    _wait_until_finished(message, worker, what="the worker to send the requeued text")
    _assert_delivered_once(message, sms_gateway, requests=1)
    assert message.attempts == 1
