"""The sweeper re-enqueues texts whose task was lost, and nothing else."""

import datetime

from django.utils import timezone

from khaibao.notify.models import SmsMessage, SmsStatus
from khaibao.notify.sending import sms_requeue_stuck, sms_stuck_ids
from khaibao.notify.tasks import requeue_stuck_sms, send_sms


def _ago(seconds: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


def _row(*, updated_at: datetime.datetime, **fields) -> SmsMessage:
    message = SmsMessage.objects.create(to="+84912345678", body="x", purpose="test", **fields)
    # auto_now: only an update() can date a row in the past.
    SmsMessage.objects.filter(pk=message.pk).update(updated_at=updated_at)
    return message


def _rows(settings):
    stuck_after = settings.SMS_STUCK_AFTER_SECONDS
    lease = settings.SMS_SENDING_LEASE_SECONDS
    old, long_ago = _ago(stuck_after + 5), _ago(stuck_after + 60)
    return {
        "old queued": _row(updated_at=old),
        "fresh queued": _row(updated_at=_ago(stuck_after - 30)),
        "expired lease": _row(
            updated_at=long_ago,
            status=SmsStatus.SENDING,
            attempts=1,
            claimed_by="task-dead",
            claimed_at=_ago(lease + 1),
        ),
        "live lease": _row(
            updated_at=old,
            status=SmsStatus.SENDING,
            attempts=1,
            claimed_by="task-alive",
            claimed_at=_ago(lease - 30),
        ),
        "old sent": _row(updated_at=long_ago, status=SmsStatus.SENT, attempts=1),
        "old failed": _row(updated_at=long_ago, status=SmsStatus.FAILED, attempts=5),
    }


def test_stuck_rows_are_old_queued_ones_and_sending_ones_past_their_lease(db, settings):
    rows = _rows(settings)

    assert sms_stuck_ids() == [rows["expired lease"].pk, rows["old queued"].pk]


def test_the_sweeper_sends_the_stuck_rows_and_leaves_the_rest(
    db, settings, django_capture_on_commit_callbacks, sms_outbox
):
    rows = _rows(settings)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert sms_requeue_stuck(enqueue=send_sms.delay_on_commit) == 2

    assert len(callbacks) == 2
    status = {name: SmsMessage.objects.get(pk=row.pk).status for name, row in rows.items()}
    assert status == {
        "old queued": SmsStatus.SENT,
        "fresh queued": SmsStatus.QUEUED,
        "expired lease": SmsStatus.SENT,
        "live lease": SmsStatus.SENDING,
        "old sent": SmsStatus.SENT,
        "old failed": SmsStatus.FAILED,
    }
    assert sorted(sms["reference"] for sms in sms_outbox) == sorted(
        [rows["old queued"].reference, rows["expired lease"].reference]
    )
    assert SmsMessage.objects.get(pk=rows["expired lease"].pk).attempts == 2


def test_a_requeued_row_is_not_enqueued_again_by_the_next_sweep(
    db, settings, django_capture_on_commit_callbacks
):
    # The worker is down: the first sweep's tasks wait in the broker.
    rows = _rows(settings)

    with django_capture_on_commit_callbacks(execute=False) as first:
        assert sms_requeue_stuck(enqueue=send_sms.delay_on_commit) == 2
    with django_capture_on_commit_callbacks(execute=False) as second:
        assert sms_requeue_stuck(enqueue=send_sms.delay_on_commit) == 0

    assert (len(first), len(second)) == (2, 0)
    expired = SmsMessage.objects.get(pk=rows["expired lease"].pk)
    # Back in the queue: the dead sender can no longer record a result over the new one.
    assert (expired.status, expired.claimed_by, expired.claimed_at) == (SmsStatus.QUEUED, "", None)


def test_a_stuck_row_without_attempts_left_fails_instead_of_looping(
    db, settings, django_capture_on_commit_callbacks, sms_outbox
):
    settings.SMS_MAX_ATTEMPTS = 3
    # Its sender died on every attempt (say, the text crashes the worker).
    message = _row(
        updated_at=_ago(3600),
        status=SmsStatus.SENDING,
        attempts=3,
        claimed_by="task-dead",
        claimed_at=_ago(settings.SMS_SENDING_LEASE_SECONDS + 1),
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert sms_requeue_stuck(enqueue=send_sms.delay_on_commit) == 0

    assert callbacks == []
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED
    assert "3 attempts" in message.last_error
    assert sms_outbox == []


def test_the_beat_runs_the_sweeper_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["requeue-stuck-sms"]

    assert entry["task"] == requeue_stuck_sms.name
    assert entry["schedule"] == 60.0
    # The beat task sends nothing itself and is safe to repeat.
    assert requeue_stuck_sms.acks_late


def test_the_sweeper_task_runs_the_service(db, settings, django_capture_on_commit_callbacks):
    rows = _rows(settings)

    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stuck_sms.delay().get() == 2

    assert SmsMessage.objects.get(pk=rows["old queued"].pk).status == SmsStatus.SENT
