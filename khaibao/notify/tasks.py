from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.conf import settings

from .backends import TransientSmsError
from .sending import sms_mark_failed, sms_requeue_stuck, sms_send


def _claim(task_id: str | None, message_id: int) -> str:
    return task_id or f"inline-{message_id}"


def retry_countdown(retries: int) -> int:
    """Seconds before retry number `retries + 1`: exponential, capped."""
    return min(settings.SMS_RETRY_MAX_SECONDS, settings.SMS_RETRY_BASE_SECONDS * 2**retries)


class SmsTask(DjangoTask):
    """DjangoTask for delay_on_commit (the app's task_cls does not apply to a custom base)."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        message_id = args[0] if args else kwargs.get("message_id")
        if message_id is not None:
            sms_mark_failed(
                message_id=message_id,
                claim=_claim(task_id, message_id),
                error=f"{type(exc).__name__}: {exc}",
            )


@shared_task(
    bind=True,
    base=SmsTask,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
    time_limit=60,
    soft_time_limit=45,
)
def send_sms(self, message_id: int) -> str | None:
    """Send one outbox row. Idempotent: a repeated or redelivered task sends nothing more.

    Retries keep the task id, which is the row's claim (see sms_send).
    """
    try:
        return sms_send(message_id=message_id, claim=_claim(self.request.id, message_id))
    except TransientSmsError as exc:
        # Bounded: sms_send marks the row FAILED once SMS_MAX_ATTEMPTS are used up.
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from None


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=120, soft_time_limit=100)
def requeue_stuck_sms() -> int:
    """Periodic (beat): a Redis restart or a killed worker loses no text."""
    return sms_requeue_stuck(enqueue=send_sms.delay_on_commit)
