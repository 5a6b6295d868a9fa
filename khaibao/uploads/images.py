"""The photo pipeline: every photo the portal takes passes through prepare_photo().

What the file is, is decided by Pillow reading it, never by its name or the browser's
content type. The steps, cheapest first, so a hostile file costs as little as possible:

1. the size the upload reports (Django counted the bytes it received) against
   UPLOAD_MAX_BYTES, before a byte of it is read here;
2. `Image.open`, which reads only the header: the format must be JPEG, PNG or WEBP;
3. width x height against UPLOAD_MAX_PIXELS, still from the header, before any pixel is
   decoded (a 30000 x 30000 PNG of one colour is a 100 KB file that would take 2.7 GB);
4. the short side against the minimum a person can still read (600 px by default);
5. a full decode: a truncated or corrupt file fails here;
6. EXIF orientation applied, transparency flattened onto white, RGB, long side capped;
7. re-encoded as a JPEG with no metadata at all (no EXIF, no GPS, no ICC, no comment).
"""

import hashlib
import io
import logging
import struct
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

# The Pillow decoders tried on an upload; no other is ever run on one.
OPEN_FORMATS = ("JPEG", "PNG", "WEBP")
# What those decoders may report: MPO is the multi-picture JPEG many phones write, which
# the JPEG decoder opens.
ALLOWED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP")
MIN_SHORT_SIDE = 600
# Stored photos are capped here: legible for any document, and it bounds the memory and
# time of the re-encode. Pages shrink photos to 2000 px before upload anyway.
MAX_STORED_SIDE = 3000
JPEG_QUALITY = 85

# What Pillow's decoders raise for a malformed file: no single base class covers them.
DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    struct.error,
)


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo ready to store: the JPEG bytes and what is known about them.

    `image` is the decoded, upright RGB image the JPEG was made from, kept so the CCCD
    QR reader does not decode the photo a second time.
    """

    content: bytes
    width: int
    height: int
    sha256: str
    phash: str
    image: Image.Image
    source_format: str

    @property
    def size_bytes(self) -> int:
        return len(self.content)


def _limit_in_mb(max_bytes: int) -> str:
    return f"{max_bytes / (1024 * 1024):g}"


def too_big_error(max_bytes: int | None = None) -> ValidationError:
    max_bytes = settings.UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    return ValidationError(
        _("Ảnh lớn hơn %(limit)s MB. Hãy chọn ảnh nhỏ hơn hoặc chụp lại ảnh."),
        code="too_big",
        params={"limit": _limit_in_mb(max_bytes)},
    )


def check_upload_size(size: int | None, *, max_bytes: int | None = None) -> None:
    """Refuse an upload whose size is over the limit, without reading it."""
    max_bytes = settings.UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    if size is not None and size > max_bytes:
        raise too_big_error(max_bytes)


def _unsupported() -> ValidationError:
    return ValidationError(
        _("Tệp này không phải là ảnh. Hãy chọn ảnh chụp dạng JPEG, PNG hoặc WEBP."),
        code="unsupported_format",
    )


def _unreadable() -> ValidationError:
    return ValidationError(
        _("Không đọc được ảnh này: tệp bị lỗi hoặc chưa tải lên hết. Hãy chụp hoặc chọn lại ảnh."),
        code="unreadable",
    )


def _too_many_pixels(max_pixels: int) -> ValidationError:
    return ValidationError(
        _("Ảnh có độ phân giải quá lớn (hơn %(limit)s triệu điểm ảnh). Hãy chụp lại ảnh."),
        code="too_many_pixels",
        params={"limit": max_pixels // 1_000_000},
    )


def _too_small(min_short_side: int) -> ValidationError:
    return ValidationError(
        _(
            "Ảnh quá nhỏ để đọc được (cạnh ngắn dưới %(min)s điểm ảnh). "
            "Hãy chụp lại gần hơn, đủ sáng và rõ nét."
        ),
        code="too_small",
        params={"min": min_short_side},
    )


def _bounded_file(fileobj, size: int | None, max_bytes: int):
    """The file, rewound; when its size is unknown, read at most one byte past the limit."""
    if size is None:
        data = fileobj.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise too_big_error(max_bytes)
        return io.BytesIO(data)
    if hasattr(fileobj, "seek"):
        fileobj.seek(0)
    return fileobj


def _to_rgb(img: Image.Image) -> Image.Image:
    if img.mode == "RGB":
        return img
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit grey: scale to 8 bits (a plain convert would clip everything to white).
        img = img.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return img.convert("RGB")


def _apply_orientation(img: Image.Image) -> Image.Image:
    try:
        ImageOps.exif_transpose(img, in_place=True)
    except DECODE_ERRORS:
        # A malformed EXIF block does not make the pixels unusable: keep them as stored.
        logger.warning("Ignoring an unreadable EXIF orientation", exc_info=True)
    return img


def dhash(img: Image.Image) -> str:
    """64-bit difference hash: 9x8 grey thumbnail, one bit per left-right comparison."""
    small = img.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = small.tobytes()
    bits = 0
    for row in range(8):
        for col in range(8):
            left = pixels[row * 9 + col]
            right = pixels[row * 9 + col + 1]
            bits = (bits << 1) | (1 if left > right else 0)
    return f"{bits:016x}"


#: Centre crops hashed beside the whole photo: a copy cropped a few per cent on every
#: side then matches the original's crop of the same region.
HASH_CROPS = (1.0, 0.96, 0.92, 0.88)


def dhashes(img: Image.Image) -> str:
    """The dHash of the photo and of its centre crops (HASH_CROPS), 16 hex digits each."""
    hashes = []
    for keep in HASH_CROPS:
        margin_x, margin_y = int(img.width * (1 - keep) / 2), int(img.height * (1 - keep) / 2)
        region = img.crop((margin_x, margin_y, img.width - margin_x, img.height - margin_y))
        hashes.append(dhash(region))
    return "".join(hashes)


def _encode_jpeg(img: Image.Image) -> bytes:
    # Pillow copies a source comment (and on some versions XMP) from `info` into the
    # new file: empty it so nothing from the upload survives but the pixels.
    img.info = {}
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def _open_checked(source, *, max_pixels: int, min_short_side: int) -> Image.Image:
    """Steps 2-4: format, pixel count and short side, all from the header."""
    try:
        img = Image.open(source, formats=OPEN_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own bomb guard (89 MP warning, 179 MP error) sits above our cap.
        raise _too_many_pixels(max_pixels) from None
    except Image.UnidentifiedImageError:
        raise _unsupported() from None
    except DECODE_ERRORS:
        raise _unreadable() from None
    if img.format not in ALLOWED_FORMATS:
        raise _unsupported()
    width, height = img.size
    if width <= 0 or height <= 0:
        raise _unreadable()
    if width * height > max_pixels:
        raise _too_many_pixels(max_pixels)
    if min(width, height) < min_short_side:
        raise _too_small(min_short_side)
    return img


def prepare_photo(
    fileobj,
    size: int | None,
    *,
    min_short_side: int = MIN_SHORT_SIDE,
    max_side: int = MAX_STORED_SIDE,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
) -> PreparedPhoto:
    """Check an uploaded photo and turn it into a metadata-free JPEG (see module doc).

    `size` is the upload's size as Django counted it (`UploadedFile.size`); None reads
    at most one byte past the limit to find out. Every refusal is a ValidationError
    with a Vietnamese message and one of the codes too_big, unsupported_format,
    too_many_pixels, too_small, unreadable.
    """
    max_bytes = settings.UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    max_pixels = settings.UPLOAD_MAX_PIXELS if max_pixels is None else max_pixels
    check_upload_size(size, max_bytes=max_bytes)
    source = _bounded_file(fileobj, size, max_bytes)
    img = _open_checked(source, max_pixels=max_pixels, min_short_side=min_short_side)
    source_format = img.format
    try:
        if source_format in ("JPEG", "MPO") and max(img.size) > max_side:
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: a fraction of the memory of a
            # full-size decode, and every byte of the file is still read and checked.
            scale = max_side / max(img.size)
            img.draft("RGB", (int(img.width * scale), int(img.height * scale)))
        img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(max_pixels) from None
    except DECODE_ERRORS:
        raise _unreadable() from None
    img = _to_rgb(_apply_orientation(img))
    if max(img.size) > max_side:
        img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    content = _encode_jpeg(img)
    return PreparedPhoto(
        content=content,
        width=img.width,
        height=img.height,
        sha256=hashlib.sha256(content).hexdigest(),
        phash=dhashes(img),
        image=img,
        source_format=source_format,
    )
