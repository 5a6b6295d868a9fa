"""Asking for a QR image: the page's side of images.py, which enqueues the render task.

Apart from images.py so that the task module (which calls images.qr_image_render) and
this one import each other in one direction only.
"""

from django.core.cache import cache
from django.urls import reverse

from .images import (
    IMAGE_CACHE_SECONDS,
    RENDER_PENDING_SECONDS,
    pending_key,
    png_key,
    text_digest,
    text_key,
)
from .tasks import render_qr_image


def qr_image_request(text: str) -> str:
    """Make sure the PNG of `text` is (being) rendered; return its URL. Never renders here."""
    digest = text_digest(text)
    if not cache.has_key(png_key(digest)):
        # The image view re-enqueues from this entry if the task is lost or the PNG evicted.
        cache.set(text_key(digest), text, IMAGE_CACHE_SECONDS)
        render_qr_image.delay_on_commit(text)
    return reverse("trust:qr-image", args=[digest])


def qr_image_enqueue(digest: str) -> bool:
    """Enqueue the render of a requested image; False if its text is unknown."""
    text = cache.get(text_key(digest))
    if text is None:
        return False
    # Each polling browser would otherwise enqueue one render per second.
    if cache.add(pending_key(digest), True, RENDER_PENDING_SECONDS):
        render_qr_image.delay(text)
    return True
