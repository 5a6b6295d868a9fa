"""Real image files for the upload tests, made with Pillow (or by hand where Pillow
would need the memory the test is about)."""

import io
import struct
import zlib

import qrcode
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageDraw

CCCD_TEXT = (
    "079088001234|123456789|Nguyễn Văn An|14031988|Nam|"
    "12 Lê Lợi, Phường Sài Gòn, TP Hồ Chí Minh|01012021"
)


def image_bytes(img: Image.Image, fmt: str = "JPEG", **params) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **params)
    return buffer.getvalue()


def jpeg_bytes(size=(1000, 800), colour=(40, 120, 200), **params) -> bytes:
    img = Image.new("RGB", size, colour)
    # Some detail, so the photo is not one flat colour.
    ImageDraw.Draw(img).rectangle((size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), "white")
    return image_bytes(img, "JPEG", quality=90, **params)


def uploaded(content: bytes, name: str = "anh.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def padded_jpeg(total_size: int) -> bytes:
    """A valid JPEG of exactly `total_size` bytes: bytes after the end marker are ignored."""
    content = jpeg_bytes((1200, 900))
    return content + b"\0" * (total_size - len(content))


def rotated_photo_with_gps() -> bytes:
    """800x600 as stored, left half red, right half blue, EXIF orientation 6 and GPS.

    Orientation 6 means "turn 90 degrees clockwise to view": upright, the photo is 600x800
    with red on top and blue below.
    """
    img = Image.new("RGB", (800, 600), (255, 0, 0))
    img.paste((0, 0, 255), (400, 0, 800, 600))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (10.0, 46.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (106.0, 41.0, 0.0)
    return image_bytes(img, "JPEG", quality=95, exif=exif, comment=b"taken at home")


def cccd_card_jpeg(text: str = CCCD_TEXT) -> bytes:
    """A 1200x800 card-like photo with the card's QR code in the top right corner."""
    card = Image.new("RGB", (1200, 800), (226, 236, 244))
    draw = ImageDraw.Draw(card)
    draw.rectangle((40, 40, 1160, 760), outline=(30, 60, 120), width=6)
    draw.text((80, 90), "CAN CUOC CONG DAN", fill=(160, 20, 20))
    draw.rectangle((80, 200, 380, 600), fill=(180, 180, 190))  # the portrait
    qr = qrcode.QRCode(border=2, box_size=6)
    qr.add_data(text)
    qr_image = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    card.paste(qr_image, (1160 - qr_image.width - 20, 60))
    return image_bytes(card, "JPEG", quality=90)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def write_flat_png(path, width: int, height: int) -> None:
    """A black 1-bit PNG of any size, written row by row: the test never holds its pixels."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(6)
    compressed = [compressor.compress(row) for _ in range(height)]
    compressed.append(compressor.flush())
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(_png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)))
        out.write(_png_chunk(b"IDAT", b"".join(compressed)))
        out.write(_png_chunk(b"IEND", b""))


def jpeg_segments(content: bytes) -> list[int]:
    """The markers of a JPEG's header segments, up to the start of the scan."""
    assert content[:2] == b"\xff\xd8"
    markers, position = [], 2
    while position < len(content):
        assert content[position] == 0xFF
        marker = content[position + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        (length,) = struct.unpack(">H", content[position + 2 : position + 4])
        position += 2 + length
    return markers


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="800" height="800">'
    b"<script>alert(1)</script><rect width='800' height='800' fill='red'/></svg>"
)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
