from celery import shared_task

from .chasing import alerts_resend_due, homecare_chase


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def chase_missed_reports() -> dict[str, int]:
    """Periodic (beat): reminders at the deadline, the call list, escalation. Idempotent."""
    return homecare_chase()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=120, soft_time_limit=100)
def resend_open_alerts() -> int:
    """Periodic (beat): open alerts are sent again until acknowledged. Idempotent."""
    return alerts_resend_due()
