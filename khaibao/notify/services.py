"""Queueing SMS, the web side: a service writes an outbox row in its own transaction, and
the send task is enqueued after commit. Texts are never sent inside a web request; the
worker side is in sending.py."""

from django.db import transaction

from .models import SmsMessage
from .tasks import send_sms


@transaction.atomic
def sms_queue(*, to: str, body: str, purpose: str) -> SmsMessage:
    """Write an outbox row in the caller's transaction; the send starts after commit.

    `body` is the finished text, usually a rule text (khaibao.rules.selectors.sms_text).
    A rolled-back transaction leaves no row and sends nothing.
    """
    message = SmsMessage(to=to, body=body, purpose=purpose)
    # A fresh random reference needs no uniqueness query on this hot path (OTP requests).
    message.full_clean(exclude=["reference"])
    message.save()

    def enqueue_send_sms():
        send_sms.delay(message.pk)

    # delay_on_commit, made robust: when the task is published the change is already
    # committed, so a broker that is down must not turn the caller's request into an
    # error page. Django logs the failure; the row waits, QUEUED, for the sweeper.
    # (A named function: Django's log line needs a __qualname__, which partial lacks.)
    transaction.on_commit(enqueue_send_sms, robust=True)
    return message
