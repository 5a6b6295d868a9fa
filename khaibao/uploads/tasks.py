from celery import shared_task

from .services import photo_orphans_delete


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=300, soft_time_limit=240)
def delete_orphan_photos() -> int:
    """Periodic (beat): files whose storing transaction rolled back after they were written."""
    return photo_orphans_delete()
