"""QR images: rendering to PNG (in a Celery task, cached), and reading QR photos.

Pages never wait for a render: `qr_image_request` (image_requests.py) stores the text
in the cache, enqueues the task after commit and returns the image URL at once; the
image view answers 202 with a placeholder until the PNG is in the cache. Both cache
entries are keyed by the SHA-256 of the text and hold nothing beyond what the QR shows.
"""

import hashlib
import io
import logging

import qrcode
import zxingcpp
from django.core.cache import cache
from PIL import Image

from khaibao.uploads.images import DECODE_ERRORS

from .cose import MAX_TEXT_CHARS

logger = logging.getLogger(__name__)

# Rendered images are content-addressed, so they can live long; a personal QR is
# re-issued with the same text all day (deterministic signatures).
IMAGE_CACHE_SECONDS = 2 * 24 * 3600
# While a render is queued, the image view enqueues again at most this often.
RENDER_PENDING_SECONDS = 5
# About 5-6 cm wide on a phone screen; thin modules are what make phone cameras fail.
TARGET_IMAGE_PIXELS = 480
QUIET_ZONE_MODULES = 4
# Photos are shrunk to this many pixels on the long side before decoding: a QR that
# fills a usable part of a phone photo stays readable, and decoding stays fast.
DECODE_MAX_SIDE = 2000
OPEN_FORMATS = ("JPEG", "PNG", "WEBP")


class QrPhotoError(Exception):
    """A photo from which no QR text can be read; the subclass says why."""


class NotAnImage(QrPhotoError):
    pass


class ImageTooLarge(QrPhotoError):
    pass


class NoQrCodeFound(QrPhotoError):
    pass


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def png_key(digest: str) -> str:
    return f"trust:qr-png:{digest}"


def text_key(digest: str) -> str:
    return f"trust:qr-text:{digest}"


def pending_key(digest: str) -> str:
    return f"trust:qr-pending:{digest}"


def render_qr_png(text: str) -> bytes:
    """A black-on-white PNG of `text`, error correction Q, sized for phone cameras.

    hcert_spec.md §4.2.2 recommends Q (about 25 % of the code can be lost) for HC1; KB1
    codes get it too: a personal QR is shown on cracked phone screens and crumpled paper.
    """
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError("text too long for a QR code")
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_Q, box_size=1, border=QUIET_ZONE_MODULES
    )
    code.add_data(text)
    code.make(fit=True)
    code.box_size = max(3, TARGET_IMAGE_PIXELS // (code.modules_count + 2 * QUIET_ZONE_MODULES))
    image = code.make_image().get_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def qr_image_render(*, text: str) -> str:
    """Render and cache the PNG of `text` (idempotent); returns the digest."""
    digest = text_digest(text)
    if not cache.has_key(png_key(digest)):
        cache.set_many(
            {png_key(digest): render_qr_png(text), text_key(digest): text}, IMAGE_CACHE_SECONDS
        )
    cache.delete(pending_key(digest))
    return digest


def qr_image_cached(digest: str) -> bytes | None:
    return cache.get(png_key(digest))


def qr_text_from_image(file, *, max_pixels: int) -> str:
    """The text of the QR code in a photo (JPEG, PNG, ...). The photo is not kept.

    Raises NotAnImage, ImageTooLarge or NoQrCodeFound.
    """
    try:
        # Only these decoders ever run on an upload (MPO is the JPEG many phones write).
        with Image.open(file, formats=OPEN_FORMATS) as image:
            width, height = image.size
            # Checked before decoding the pixels, so a decompression bomb costs nothing.
            if width * height > max_pixels:
                raise ImageTooLarge(f"{width}x{height} pixels")
            # JPEG can decode at 1/2, 1/4 or 1/8 scale directly, far faster than resizing.
            image.draft("L", (DECODE_MAX_SIDE, DECODE_MAX_SIDE))
            grey = image.convert("L")
    except ImageTooLarge:
        raise
    except (Image.DecompressionBombError, *DECODE_ERRORS) as exc:
        raise NotAnImage(str(exc)) from None
    grey.thumbnail((DECODE_MAX_SIDE, DECODE_MAX_SIDE))
    try:
        results = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode)
    except (ValueError, RuntimeError):
        logger.exception("The QR reader failed on a photo")
        results = []
    texts = [result.text for result in results if result.valid and result.text]
    if not texts:
        raise NoQrCodeFound("no QR code in the image")
    # A photo of a certificate may show other QR codes (a link, a bank account).
    signed = [text for text in texts if text.startswith(("HC1:", "KB1:"))]
    return (signed or texts)[0]
