from celery import shared_task

from .services import corrections_escalate_overdue


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=300, soft_time_limit=240)
def escalate_overdue_corrections() -> int:
    """Periodic (beat): correction requests past the unit's deadline go to the province,
    and each citizen is told once. Idempotent."""
    return corrections_escalate_overdue()
