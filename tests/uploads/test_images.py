"""prepare_photo(): what the file is, how big it may be, and what is stored of it."""

import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image

from khaibao.uploads.images import dhash, prepare_photo
from tests.uploads.images import (
    HTML,
    PDF,
    SVG,
    image_bytes,
    jpeg_bytes,
    jpeg_segments,
    padded_jpeg,
    rotated_photo_with_gps,
    uploaded,
    write_flat_png,
)

REPO = Path(__file__).resolve().parents[2]


def refusal(content: bytes, **kwargs) -> ValidationError:
    upload = uploaded(content)
    with pytest.raises(ValidationError) as caught:
        prepare_photo(upload, upload.size, **kwargs)
    return caught.value


def test_it_accepts_a_photo_of_exactly_the_size_limit():
    upload = uploaded(padded_jpeg(settings.UPLOAD_MAX_BYTES))
    assert upload.size == settings.UPLOAD_MAX_BYTES == 10 * 1024 * 1024

    prepared = prepare_photo(upload, upload.size)

    assert (prepared.width, prepared.height) == (1200, 900)
    assert prepared.size_bytes < 1024 * 1024  # the padding is not stored


def test_it_refuses_a_photo_one_byte_over_10_mb_without_reading_it():
    upload = uploaded(padded_jpeg(settings.UPLOAD_MAX_BYTES + 1))
    upload.file.read = None  # reading would fail: the size alone decides

    with pytest.raises(ValidationError) as caught:
        prepare_photo(upload, upload.size)

    assert caught.value.code == "too_big"
    assert caught.value.messages == ["Ảnh lớn hơn 10 MB. Hãy chọn ảnh nhỏ hơn hoặc chụp lại ảnh."]


def test_an_upload_of_unknown_size_is_read_only_up_to_the_limit():
    stream = io.BytesIO(padded_jpeg(settings.UPLOAD_MAX_BYTES + 1))

    with pytest.raises(ValidationError) as caught:
        prepare_photo(stream, None)

    assert caught.value.code == "too_big"
    assert stream.tell() == settings.UPLOAD_MAX_BYTES + 1


@pytest.mark.parametrize("content", [HTML, SVG, PDF], ids=["html", "svg", "pdf"])
def test_it_refuses_a_document_renamed_to_jpg(content):
    error = refusal(content)

    assert error.code == "unsupported_format"
    assert "không phải là ảnh" in error.messages[0]


def test_it_refuses_a_gif():
    error = refusal(image_bytes(Image.new("P", (800, 800)), "GIF"))

    assert error.code == "unsupported_format"


def test_it_refuses_a_truncated_jpeg():
    content = jpeg_bytes((1600, 1200))

    error = refusal(content[: len(content) // 2])

    assert error.code == "unreadable"
    assert "Không đọc được ảnh" in error.messages[0]


def test_it_refuses_a_corrupt_png():
    content = bytearray(image_bytes(Image.new("RGB", (800, 800), "green"), "PNG"))
    content[60:80] = b"\xff" * 20  # inside the compressed pixel data

    assert refusal(bytes(content)).code == "unreadable"


def test_it_refuses_a_photo_too_small_to_read():
    error = refusal(jpeg_bytes((800, 599)))

    assert error.code == "too_small"
    assert "600" in error.messages[0]


def test_the_minimum_short_side_is_a_parameter():
    upload = uploaded(jpeg_bytes((400, 300)))

    prepared = prepare_photo(upload, upload.size, min_short_side=300)

    assert (prepared.width, prepared.height) == (400, 300)


def test_it_refuses_more_pixels_than_the_cap_before_decoding(tmp_path):
    # 8000 x 8000 = 64 MP: over UPLOAD_MAX_PIXELS (60 MP), under Pillow's own 89 MP warning.
    path = tmp_path / "big.png"
    write_flat_png(path, 8000, 8000)

    with open(path, "rb") as file:
        with pytest.raises(ValidationError) as caught:
            prepare_photo(file, path.stat().st_size)

    assert caught.value.code == "too_many_pixels"
    assert "60 triệu điểm ảnh" in caught.value.messages[0]


_MEASURE = """
import os, resource, sys
import django
django.setup()
from django.core.exceptions import ValidationError
from PIL import Image
from khaibao.uploads.images import prepare_photo
if sys.argv[2] == "off":
    Image.MAX_IMAGE_PIXELS = None  # only our own pixel cap stands between file and decode
path = sys.argv[1]
try:
    with open(path, "rb") as file:
        prepare_photo(file, os.path.getsize(path))
    outcome = "accepted"
except ValidationError as exc:
    outcome = exc.code
print(outcome, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


# Linux carries a process's peak RSS across fork + exec: a child started straight from this
# test process would report the test's own peak. A small launcher in between starts the
# measured process from an address space of a few megabytes instead.
_LAUNCH = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"


@pytest.fixture(scope="module")
def huge_png(tmp_path_factory):
    path = tmp_path_factory.mktemp("bomb") / "30000x30000.png"
    write_flat_png(path, 30000, 30000)
    return path


@pytest.mark.parametrize("pillow_guard", ["on", "off"])
def test_a_30000_by_30000_png_is_refused_without_the_process_growing(huge_png, pillow_guard):
    assert huge_png.stat().st_size < settings.UPLOAD_MAX_BYTES  # a small file…
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(REPO)}

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _LAUNCH,
            sys.executable,
            "-c",
            _MEASURE,
            str(huge_png),
            pillow_guard,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    outcome, max_rss_kib = result.stdout.split()
    assert outcome == "too_many_pixels"
    assert int(max_rss_kib) < 200 * 1024  # …that would take 900 MB or more decoded


def test_stored_photo_has_no_exif_and_upright_pixels():
    source = rotated_photo_with_gps()
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(0x8825)  # GPS in the upload

    prepared = prepare_photo(uploaded(source), len(source))

    stored = Image.open(io.BytesIO(prepared.content))
    assert stored.format == "JPEG"
    assert stored.size == (prepared.width, prepared.height) == (600, 800)
    assert not stored.getexif()
    assert not {"exif", "icc_profile", "comment", "xmp"} & set(stored.info)
    # SOI, then only JFIF (APP0), tables and the frame: no APP1 (EXIF/XMP), APP2 (ICC), COM.
    markers = jpeg_segments(prepared.content)
    assert [m for m in markers if 0xE1 <= m <= 0xEF or m == 0xFE] == []
    assert b"Exif" not in prepared.content and b"PhoneMaker" not in prepared.content
    red, blue = stored.getpixel((300, 150)), stored.getpixel((300, 650))
    assert red[0] > 200 and red[2] < 60, red
    assert blue[2] > 200 and blue[0] < 60, blue


def test_transparent_png_is_flattened_onto_white():
    img = Image.new("RGBA", (800, 800), (0, 0, 0, 0))
    img.paste((0, 128, 0, 255), (0, 0, 400, 800))
    content = image_bytes(img, "PNG")

    prepared = prepare_photo(uploaded(content, "a.png", "image/png"), len(content))

    assert prepared.source_format == "PNG"
    assert min(prepared.image.getpixel((600, 400))) > 245


def test_webp_is_accepted_and_stored_as_jpeg():
    content = image_bytes(Image.new("RGB", (900, 700), "orange"), "WEBP")

    prepared = prepare_photo(uploaded(content, "a.webp", "image/webp"), len(content))

    assert prepared.source_format == "WEBP"
    assert Image.open(io.BytesIO(prepared.content)).format == "JPEG"


def test_big_photos_are_stored_at_most_3000_px():
    content = jpeg_bytes((6400, 4800))

    prepared = prepare_photo(uploaded(content), len(content))

    assert max(prepared.width, prepared.height) == 3000
    assert prepared.width / prepared.height == pytest.approx(6400 / 4800, rel=0.01)


def test_hashes_describe_the_stored_jpeg():
    content = jpeg_bytes((1000, 800))

    first = prepare_photo(uploaded(content), len(content))
    again = prepare_photo(uploaded(content), len(content))

    assert first.sha256 == hashlib.sha256(first.content).hexdigest()
    assert len(first.phash) == 64 and int(first.phash, 16) >= 0  # four crops, 16 hex each
    assert (again.sha256, again.phash) == (first.sha256, first.phash)


def test_dhash_survives_resizing_but_not_a_different_picture():
    img = Image.new("RGB", (900, 600), "white")
    img.paste((0, 0, 0), (0, 0, 300, 600))
    img.paste((128, 128, 128), (600, 0, 900, 300))
    other = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)

    def distance(a, b):
        return bin(int(dhash(a), 16) ^ int(dhash(b), 16)).count("1")

    assert distance(img, img.resize((450, 300))) <= 4
    assert distance(img, other) > 10


def test_a_multi_picture_jpeg_from_a_phone_is_accepted():
    first, second = Image.new("RGB", (1000, 800), "red"), Image.new("RGB", (1000, 800), "blue")
    content = image_bytes(first, "MPO", save_all=True, append_images=[second])

    prepared = prepare_photo(uploaded(content), len(content))

    assert prepared.source_format == "MPO"
    assert prepared.image.getpixel((10, 10))[0] > 240  # the first picture, not the second
