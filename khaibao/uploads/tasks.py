from celery import shared_task

from .held import held_photos_delete
from .services import photo_orphans_delete


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=300, soft_time_limit=240)
def delete_orphan_photos() -> int:
    """Periodic (beat): files whose storing transaction rolled back after they were written."""
    return photo_orphans_delete()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=300, soft_time_limit=240)
def delete_abandoned_held_photos() -> int:
    """Periodic (beat): photos held for a form whose code was never confirmed."""
    return held_photos_delete()
