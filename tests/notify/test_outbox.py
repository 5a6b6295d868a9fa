"""The outbox: a row per text, sent after commit, at most once, retried only when worth it."""

import datetime
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from khaibao.notify.backends import PermanentSmsError, TransientSmsError
from khaibao.notify.models import SmsMessage, SmsStatus
from khaibao.notify.sending import sms_mark_failed, sms_requeue_stuck, sms_send
from khaibao.notify.services import sms_queue
from khaibao.notify.tasks import retry_countdown, send_sms

PHONE = "+84912345678"


def _queue(text: str = "xin chao") -> SmsMessage:
    return sms_queue(to=PHONE, body=f"KhaiBao thu nghiem: {text}", purpose="test")


def _row(**fields) -> SmsMessage:
    """A row as some earlier moment left it, without enqueueing anything."""
    fields.setdefault("to", PHONE)
    fields.setdefault("body", "KhaiBao thu nghiem")
    fields.setdefault("purpose", "test")
    return SmsMessage.objects.create(**fields)


def _ago(seconds: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


def test_a_rolled_back_transaction_leaves_no_row_and_sends_nothing(
    db, django_capture_on_commit_callbacks, sms_outbox
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            _queue()
            raise RuntimeError("the change this text announces failed")

    assert callbacks == []
    assert not SmsMessage.objects.exists()
    assert sms_outbox == []


def test_a_committed_text_is_sent_once_after_commit(
    db, django_capture_on_commit_callbacks, sms_outbox
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = _queue("hen gap lai")
        # Nothing leaves before the transaction commits.
        assert sms_outbox == []
        assert SmsMessage.objects.get().status == SmsStatus.QUEUED

    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT
    assert message.attempts == 1
    assert message.backend == "locmem"
    assert message.provider_id == message.reference
    assert message.sent_at is not None
    assert sms_outbox == [
        {
            "to": PHONE,
            "body": "KhaiBao thu nghiem: hen gap lai",
            "purpose": "test",
            "reference": message.reference,
        }
    ]


def test_sending_a_sent_row_again_sends_nothing(db, django_capture_on_commit_callbacks, sms_outbox):
    with django_capture_on_commit_callbacks(execute=True):
        message = _queue()

    assert send_sms.delay(message.pk).get() is None
    assert sms_send(message_id=message.pk, claim="a-redelivered-task") is None

    message.refresh_from_db()
    assert message.status == SmsStatus.SENT
    assert message.attempts == 1
    assert len(sms_outbox) == 1


def test_a_failed_row_is_not_sent_again(db, sms_outbox):
    message = _row(status=SmsStatus.FAILED, attempts=1)

    assert sms_send(message_id=message.pk, claim="task-2") is None

    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED
    assert message.attempts == 1
    assert sms_outbox == []


def test_a_row_claimed_by_a_live_sender_is_skipped(db, sms_outbox):
    claimed_at = _ago(1)
    message = _row(
        status=SmsStatus.SENDING, attempts=1, claimed_by="task-alive", claimed_at=claimed_at
    )

    assert sms_send(message_id=message.pk, claim="task-other") is None

    message.refresh_from_db()
    assert (message.status, message.claimed_by, message.claimed_at, message.attempts) == (
        SmsStatus.SENDING,
        "task-alive",
        claimed_at,
        1,
    )
    assert sms_outbox == []


def test_a_row_whose_sender_lease_expired_is_claimed_and_sent(db, settings, sms_outbox):
    message = _row(
        status=SmsStatus.SENDING,
        attempts=1,
        claimed_by="task-dead",
        claimed_at=_ago(settings.SMS_SENDING_LEASE_SECONDS + 1),
    )

    assert sms_send(message_id=message.pk, claim="task-new") == SmsStatus.SENT

    message.refresh_from_db()
    assert (message.status, message.claimed_by, message.attempts) == (
        SmsStatus.SENT,
        "task-new",
        2,
    )
    assert [sms["reference"] for sms in sms_outbox] == [message.reference]


def test_the_same_task_redelivered_after_its_worker_died_sends_its_row(db, sms_outbox):
    # reject_on_worker_lost hands the message back with the same task id: the claim.
    message = _row(status=SmsStatus.SENDING, attempts=1, claimed_by="task-1", claimed_at=_ago(1))

    assert sms_send(message_id=message.pk, claim="task-1") == SmsStatus.SENT

    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.SENT, 2)
    assert len(sms_outbox) == 1


def test_a_sender_that_lost_its_claim_records_nothing(db, scripted_backend):
    message = _row()

    def sweeper_takes_over(sms):
        SmsMessage.objects.filter(pk=message.pk).update(
            status=SmsStatus.QUEUED, claimed_by="", claimed_at=None
        )
        return "late-id"

    with mock.patch.object(scripted_backend, "send", side_effect=sweeper_takes_over):
        assert sms_send(message_id=message.pk, claim="task-slow") is None

    message.refresh_from_db()
    assert (message.status, message.provider_id, message.sent_at) == (SmsStatus.QUEUED, "", None)


def test_a_permanent_error_fails_at_once_without_retry(db, scripted_backend):
    message = _row()
    scripted_backend.reset(PermanentSmsError("HTTP 400 from the SMS gateway"))

    with mock.patch.object(send_sms, "retry", wraps=send_sms.retry) as retry:
        assert send_sms.delay(message.pk).get() == SmsStatus.FAILED

    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.FAILED, 1)
    assert message.last_error == "HTTP 400 from the SMS gateway"
    assert message.sent_at is None
    assert scripted_backend.calls == [message.reference]
    retry.assert_not_called()


def test_a_transient_error_is_retried_with_the_same_reference_and_then_sent(
    db, settings, scripted_backend
):
    message = _row()
    scripted_backend.reset(TransientSmsError("HTTP 503"), TransientSmsError("timed out"))

    with mock.patch.object(send_sms, "retry", wraps=send_sms.retry) as retry:
        assert send_sms.delay(message.pk).get() == SmsStatus.SENT

    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (SmsStatus.SENT, 3, "")
    assert message.provider_id == "scripted-3"
    assert scripted_backend.calls == [message.reference] * 3
    base = settings.SMS_RETRY_BASE_SECONDS
    assert [call.kwargs["countdown"] for call in retry.call_args_list] == [base, 2 * base]


def test_transient_errors_stop_at_max_attempts_and_fail(db, settings, scripted_backend):
    settings.SMS_MAX_ATTEMPTS = 3
    message = _row()
    scripted_backend.reset(*[TransientSmsError("HTTP 503")] * 10)

    with mock.patch.object(send_sms, "retry", wraps=send_sms.retry) as retry:
        assert send_sms.delay(message.pk).get() == SmsStatus.FAILED

    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.FAILED, 3)
    assert message.last_error == "HTTP 503"
    assert len(scripted_backend.calls) == 3
    assert retry.call_count == 2


def test_a_transient_error_leaves_the_row_queued_for_the_retry(db, scripted_backend):
    message = _row()
    scripted_backend.reset(TransientSmsError("HTTP 429"))

    with pytest.raises(TransientSmsError):
        sms_send(message_id=message.pk, claim="task-1")

    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (
        SmsStatus.QUEUED,
        1,
        "HTTP 429",
    )


def test_retry_delays_grow_exponentially_up_to_the_cap(settings):
    settings.SMS_RETRY_BASE_SECONDS = 10
    settings.SMS_RETRY_MAX_SECONDS = 300

    assert [retry_countdown(n) for n in range(7)] == [10, 20, 40, 80, 160, 300, 300]


def test_an_unexpected_error_marks_the_row_failed(db, scripted_backend):
    message = _row()
    scripted_backend.reset(ValueError("a bug in a backend"))

    result = send_sms.delay(message.pk)

    assert result.failed()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.FAILED, 1)
    assert message.last_error == "ValueError: a bug in a backend"


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"status": SmsStatus.QUEUED}, id="queued: the retry was not published"),
        pytest.param(
            {"status": SmsStatus.SENDING, "claimed_by": "task-other"}, id="another sender's"
        ),
        pytest.param({"status": SmsStatus.SENT, "claimed_by": "task-1"}, id="sent"),
    ],
)
def test_the_failure_hook_only_fails_the_row_its_task_holds(db, fields):
    message = _row(attempts=1, claimed_at=timezone.now(), **fields)

    sms_mark_failed(message_id=message.pk, claim="task-1", error="OperationalError: broker down")

    message.refresh_from_db()
    assert message.status == fields["status"]
    assert message.last_error == ""


def test_each_text_gets_its_own_random_reference(db):
    first, second = _row(), _row()

    assert first.reference != second.reference
    assert first.reference.startswith("khaibao-")
    # Not derived from the primary key, which another database (staging) reuses.
    assert first.reference != f"khaibao-sms-{first.pk}"


def test_a_broker_down_at_commit_leaves_the_row_for_the_sweeper_without_an_error(
    db, settings, django_capture_on_commit_callbacks, sms_outbox, caplog
):
    down = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with (
        mock.patch.object(send_sms, "delay", side_effect=down),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        message = _queue()

    assert len(callbacks) == 1
    assert "Connection refused" in caplog.text
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.QUEUED, 0)
    assert sms_outbox == []

    SmsMessage.objects.filter(pk=message.pk).update(
        updated_at=_ago(settings.SMS_STUCK_AFTER_SECONDS + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sms_requeue_stuck(enqueue=send_sms.delay_on_commit) == 1

    message.refresh_from_db()
    assert message.status == SmsStatus.SENT
    assert len(sms_outbox) == 1
