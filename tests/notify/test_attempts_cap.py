"""A text whose sender keeps dying is tried a bounded number of times, then FAILED:
neither the redelivered task nor the sweeper sends it for ever."""

import datetime

import pytest
import time_machine

from khaibao.notify.models import SmsMessage, SmsStatus
from khaibao.notify.sending import sms_requeue_stuck, sms_send, sms_stuck_ids
from khaibao.notify.tasks import send_sms
from tests.notify.dying_backend import DyingBackend, WorkerDied


@pytest.fixture
def dying_gateway(settings):
    settings.SMS_BACKEND = "tests.notify.dying_backend.DyingBackend"
    DyingBackend.sends = 0
    return DyingBackend


def test_a_task_redelivered_after_every_worker_death_gives_up_and_the_row_fails(
    db, dying_gateway, settings, django_capture_on_commit_callbacks
):
    message = SmsMessage.objects.create(
        to="+84912345678", body="KhaiBao thu nghiem", purpose="test"
    )

    # The broker hands the same task (same id, the row's claim) to worker after worker.
    results = []
    for _ in range(settings.SMS_MAX_ATTEMPTS + 3):
        try:
            results.append(sms_send(message_id=message.pk, claim="task-1"))
        except WorkerDied:
            results.append("died")

    message.refresh_from_db()
    assert dying_gateway.sends == settings.SMS_MAX_ATTEMPTS
    assert results == ["died"] * settings.SMS_MAX_ATTEMPTS + [None] * 3
    assert (message.status, message.attempts) == (SmsStatus.SENDING, settings.SMS_MAX_ATTEMPTS)

    # Past the lease the sweeper finds it, and fails it instead of sending it again.
    later = datetime.timedelta(seconds=settings.SMS_SENDING_LEASE_SECONDS + 1)
    with time_machine.travel(message.claimed_at + later, tick=False):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            requeued = sms_requeue_stuck(enqueue=send_sms.delay_on_commit)
        message.refresh_from_db()
        assert requeued == 0 and callbacks == []
        assert message.status == SmsStatus.FAILED
        assert "Gave up after" in message.last_error
        assert sms_stuck_ids() == []
        assert sms_send(message_id=message.pk, claim="task-2") is None
    assert dying_gateway.sends == settings.SMS_MAX_ATTEMPTS
