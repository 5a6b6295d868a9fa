"""The reused-test-photo check: a copy of a declared test photo is flagged for the
station (re-encoded, or cropped a little on every side), another tray is not, and the
threshold is pinned."""

import io
import random

import pytest
from PIL import Image, ImageDraw

from declarations.f0 import checks
from declarations.f0.checks import REUSE_MAX_DISTANCE, photo_distance, reused_test_photo
from khaibao.uploads.models import Photo
from tests.declarations.factories import make_declaration


def tray(seed: int, *, table=(150, 120, 90), dx=0, dy=0, light=0) -> Image.Image:
    """A rapid-test cassette on a wooden table, as a phone photographs it: the lines,
    the name written on it, the table's grain and the framing vary from photo to photo."""
    rng = random.Random(seed)
    wood = tuple(min(255, c + light) for c in table)
    image = Image.new("RGB", (1200, 900), wood)
    draw = ImageDraw.Draw(image)
    for y in range(0, 900, 12):
        shade = rng.randrange(-12, 12)
        grain = tuple(max(0, min(255, c + shade)) for c in wood)
        draw.line((0, y, 1200, y + rng.randrange(-6, 6)), fill=grain, width=5)
    x, y = 420 + dx, 120 + dy
    draw.rounded_rectangle((x, y, x + 360, y + 660), 40, fill=(245, 245, 240))
    draw.rectangle((x + 130, y + 200, x + 230, y + 460), fill=(235, 230, 225))
    draw.ellipse((x + 140, y + 520, x + 220, y + 600), fill=(225, 220, 215))
    draw.line((x + 135, y + 270, x + 225, y + 270), fill=(190, 30, 60), width=6)  # C
    draw.line((x + 135, y + 380, x + 225, y + 380), fill=(200, 40, 70), width=6)  # T
    draw.text((x + 40, y + 40), f"BN {seed}", fill=(20, 20, 20))
    return image


def reencoded(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def cropped(image: Image.Image, fraction: float) -> Image.Image:
    w, h = image.size
    return image.crop(
        (int(w * fraction), int(h * fraction), int(w * (1 - fraction)), int(h * (1 - fraction)))
    )


@pytest.fixture
def original(citizen, citizen_person):
    return make_declaration(person=citizen_person, account=citizen, test_image=tray(1))


@pytest.fixture
def someone_else(ward2_person):
    return ward2_person


def declare_photo(person, image):
    return make_declaration(person=person, test_image=image)


@pytest.mark.parametrize(
    "copy",
    [
        pytest.param(lambda img: reencoded(img, 40), id="re-encoded at quality 40"),
        pytest.param(lambda img: reencoded(cropped(img, 0.03), 70), id="cropped 3% and re-encoded"),
        pytest.param(lambda img: cropped(img, 0.06).resize((900, 675)), id="cropped 6% and shrunk"),
    ],
)
def test_a_copy_of_a_declared_test_photo_is_flagged(original, someone_else, copy):
    second = declare_photo(someone_else, copy(tray(1)))

    assert second.reused_photo_of == original
    assert second.test_photo.sha256 != original.test_photo.sha256  # not the same bytes


@pytest.mark.parametrize(
    "other",
    [
        dict(seed=2, dx=-80, dy=40),
        dict(seed=3, table=(110, 90, 70), dx=60),
        dict(seed=4, table=(200, 200, 205), dx=-40, dy=-30),
        dict(seed=5, dx=120, light=30),
    ],
)
def test_another_tray_of_the_same_kind_is_not_flagged(original, someone_else, other):
    second = declare_photo(someone_else, tray(**other))

    assert second.reused_photo_of is None
    assert photo_distance(second.test_photo.phash, original.test_photo.phash) > REUSE_MAX_DISTANCE


def test_the_same_bytes_are_flagged_whatever_the_perceptual_hash_says(
    original, someone_else, citizen
):
    copy = declare_photo(someone_else, tray(9, dx=120, light=30))
    Photo.objects.filter(pk=copy.test_photo_id).update(sha256=original.test_photo.sha256)
    copy.test_photo.refresh_from_db()

    assert photo_distance(copy.test_photo.phash, original.test_photo.phash) > REUSE_MAX_DISTANCE
    assert (
        reused_test_photo(person=someone_else, test_photo=copy.test_photo, exclude=copy.pk)
        == original
    )


def _phash_at_distance(phash: str, bits: int) -> str:
    """`phash` with `bits` bits of every one of its four hashes flipped."""
    parts = [int(phash[i : i + 16], 16) for i in range(0, 64, 16)]
    mask = (1 << bits) - 1
    return "".join(f"{part ^ mask:016x}" for part in parts)


@pytest.mark.parametrize("bits, flagged", [(6, True), (7, False)])
def test_the_threshold_is_six_bits(original, someone_else, bits, flagged):
    assert checks.REUSE_MAX_DISTANCE == 6
    declaration = declare_photo(someone_else, tray(11))
    candidate = declaration.test_photo
    Photo.objects.filter(pk=candidate.pk).update(
        phash=_phash_at_distance(original.test_photo.phash, bits)
    )
    candidate.refresh_from_db()

    found = reused_test_photo(person=someone_else, test_photo=candidate, exclude=declaration.pk)

    assert (found == original) is flagged
