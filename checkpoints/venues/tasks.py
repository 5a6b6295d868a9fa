"""The venues' periodic task: check-ins past the retention rule are deleted."""

from celery import shared_task

from .services import checkins_delete_expired


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=3600, soft_time_limit=3500)
def delete_expired_checkins() -> int:
    """Periodic (beat): delete the check-ins older than the retention rule. Idempotent."""
    return checkins_delete_expired()
