"""Sending SMS, the worker side: claim an outbox row, send it at most once, record the
outcome; the sweeper for rows whose task was lost. Called by the tasks in tasks.py."""

import datetime
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .backends import PermanentSmsError, TransientSmsError, get_backend
from .models import SmsMessage, SmsStatus

logger = logging.getLogger(__name__)

# Rows re-enqueued per sweep; the beat runs every minute, so a backlog drains over a few.
SWEEP_BATCH = 1000


def _finish(message_id: int, claim: str, **fields) -> bool:
    """Record an outcome, unless the sweeper took the row away meanwhile (lease expired)."""
    finished = SmsMessage.objects.filter(
        pk=message_id, status=SmsStatus.SENDING, claimed_by=claim
    ).update(updated_at=timezone.now(), **fields)
    if not finished:
        logger.warning("SMS %s: lost its claim while sending; the new sender decides", message_id)
    return bool(finished)


def sms_send(*, message_id: int, claim: str) -> str | None:
    """Send one outbox row at most once; return its final status, or None if skipped.

    1. Claim the row: QUEUED, or SENDING under this same claim (a task redelivered
       after its worker died), or SENDING with an expired lease (a crashed sender);
       and only while attempts are left. Anything else (SENT, FAILED, another live
       sender) is left alone.
    2. Send through the backend, outside any transaction (the gateway may be slow).
    3. Record SENT, or FAILED for a permanent error or the last attempt; a transient
       error puts the row back to QUEUED and is raised so the task retries.
    """
    now = timezone.now()
    lease_expired = now - datetime.timedelta(seconds=settings.SMS_SENDING_LEASE_SECONDS)
    claimed = (
        SmsMessage.objects.filter(pk=message_id, attempts__lt=settings.SMS_MAX_ATTEMPTS)
        .filter(
            Q(status=SmsStatus.QUEUED)
            | Q(status=SmsStatus.SENDING, claimed_by=claim)
            | Q(status=SmsStatus.SENDING, claimed_at__lt=lease_expired)
        )
        .update(
            status=SmsStatus.SENDING,
            claimed_by=claim,
            claimed_at=now,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )
    if not claimed:
        return None
    message = SmsMessage.objects.get(pk=message_id)
    backend = get_backend()

    def record(**fields) -> bool:
        return _finish(message_id, claim, backend=backend.name, **fields)

    try:
        provider_id = backend.send(message)
    except PermanentSmsError as exc:
        record(status=SmsStatus.FAILED, last_error=str(exc)[:500])
        logger.warning("SMS %s failed permanently: %s", message_id, exc)
        return SmsStatus.FAILED
    except TransientSmsError as exc:
        if message.attempts >= settings.SMS_MAX_ATTEMPTS:
            record(status=SmsStatus.FAILED, last_error=str(exc)[:500])
            logger.warning("SMS %s failed after %s attempts: %s", message_id, message.attempts, exc)
            return SmsStatus.FAILED
        if not record(status=SmsStatus.QUEUED, last_error=str(exc)[:500]):
            return None  # another sender owns the row now: this task does not retry
        raise
    sent = record(
        status=SmsStatus.SENT, provider_id=provider_id or "", sent_at=timezone.now(), last_error=""
    )
    return SmsStatus.SENT if sent else None


def sms_mark_failed(*, message_id: int, claim: str, error: str) -> None:
    """The task's failure hook: an unexpected error must not leave the row SENDING.

    Only a row this task holds: a row back in QUEUED (the retry could not be
    published) or claimed by another sender is the sweeper's to pick up.
    """
    SmsMessage.objects.filter(pk=message_id, status=SmsStatus.SENDING, claimed_by=claim).update(
        status=SmsStatus.FAILED, last_error=error[:500], updated_at=timezone.now()
    )


def _stuck(now: datetime.datetime) -> Q:
    queued_before = now - datetime.timedelta(seconds=settings.SMS_STUCK_AFTER_SECONDS)
    lease_expired = now - datetime.timedelta(seconds=settings.SMS_SENDING_LEASE_SECONDS)
    return Q(status=SmsStatus.QUEUED, updated_at__lt=queued_before) | Q(
        status=SmsStatus.SENDING, claimed_at__lt=lease_expired
    )


def sms_stuck_ids() -> list[int]:
    """Rows whose send task was lost (a Redis restart, a killed worker), oldest first:
    QUEUED and untouched for SMS_STUCK_AFTER_SECONDS, or SENDING past the lease."""
    return list(
        SmsMessage.objects.filter(_stuck(timezone.now()))
        .order_by("updated_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


@transaction.atomic
def sms_requeue_stuck(*, enqueue: Callable[[int], object]) -> int:
    """Re-enqueue stuck rows; return how many.

    1. Lock the stuck rows (skipping rows a sender is claiming right now).
    2. Rows whose attempts are used up (their sender kept dying) become FAILED.
    3. The others go back to QUEUED with a fresh `updated_at`, so the next sweep does
       not enqueue them again while their task waits in the queue, and a sender that
       outlived its lease can no longer record a result over the new one.
    4. One send task each (`enqueue`, the task's delay_on_commit), after commit.
       Harmless if an old task is in fact still alive: the claim in sms_send lets only
       one sender through.
    """
    now = timezone.now()
    stuck = list(
        SmsMessage.objects.select_for_update(skip_locked=True)
        .filter(_stuck(now))
        .order_by("updated_at")
        .values_list("pk", "attempts")[:SWEEP_BATCH]
    )
    exhausted = [pk for pk, attempts in stuck if attempts >= settings.SMS_MAX_ATTEMPTS]
    requeue = [pk for pk, attempts in stuck if attempts < settings.SMS_MAX_ATTEMPTS]
    if exhausted:
        SmsMessage.objects.filter(pk__in=exhausted).update(
            status=SmsStatus.FAILED,
            last_error=f"Gave up after {settings.SMS_MAX_ATTEMPTS} attempts (sender lost).",
            updated_at=now,
        )
        logger.warning("SMS %s: attempts used up by lost senders, marked failed", exhausted)
    if requeue:
        SmsMessage.objects.filter(pk__in=requeue).update(
            status=SmsStatus.QUEUED, claimed_by="", claimed_at=None, updated_at=now
        )
        logger.info("Re-enqueued %d stuck SMS", len(requeue))
    for message_id in requeue:
        enqueue(message_id)
    return len(requeue)
