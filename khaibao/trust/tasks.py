from celery import shared_task

from .images import qr_image_render


# Takes the QR text rather than a primary key: a QR image belongs to no row, and the
# text is what the code shows anyway. Idempotent, so a redelivery only re-checks the cache.
@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=30, soft_time_limit=20)
def render_qr_image(text: str) -> str:
    """Render the PNG of a QR text into the cache; returns the SHA-256 key."""
    return qr_image_render(text=text)
