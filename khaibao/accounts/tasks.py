from celery import shared_task

from .services import sessions_clear_expired


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=300, soft_time_limit=240)
def clear_expired_sessions() -> int:
    """Periodic (beat): expired sessions hold personal data and slow the table."""
    return sessions_clear_expired()
