"""The photo input include and photo-shrink.js, the latter in Chromium at a phone's size."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django import forms
from django.template.loader import render_to_string
from PIL import Image

from khaibao.uploads.forms import PhotoField
from tests.e2e.conftest import CHROMIUM
from tests.uploads.images import image_bytes

REPO = Path(__file__).resolve().parents[2]


class IdPhotoForm(forms.Form):
    id_photo = PhotoField(label="Ảnh mặt trước CCCD", help_text="Chụp cả thẻ.")


def test_the_include_renders_a_labelled_shrinking_input_and_the_script():
    html = render_to_string("uploads/_photo_input.html", {"field": IdPhotoForm()["id_photo"]})

    assert '<label for="id_id_photo" class="form-label">Ảnh mặt trước CCCD</label>' in html
    assert 'type="file" name="id_photo" id="id_id_photo" accept="image/*" data-shrink' in html
    assert " required" in html and "Chụp cả thẻ." in html
    assert '<script src="/static/js/photo-shrink.js" defer></script>' in html


def test_the_include_shows_field_errors():
    form = IdPhotoForm(data={}, files={})
    form.is_valid()

    html = render_to_string("uploads/_photo_input.html", {"field": form["id_photo"]})

    assert "is-invalid" in html
    assert "Hãy chọn hoặc chụp một ảnh." in html


def test_the_photo_field_widget_asks_for_images_and_shrinking():
    widget_html = str(IdPhotoForm()["id_photo"])

    assert 'accept="image/*"' in widget_html and "data-shrink" in widget_html


def _cases(directory: Path) -> dict[str, dict]:
    wide = Image.new("RGB", (4000, 3000), "white")
    wide.paste((200, 0, 0), (0, 0, 2000, 3000))
    # Stored sideways, left red / right blue, EXIF orientation 6: upright, red is on top.
    sideways = Image.new("RGB", (4000, 3000), (255, 0, 0))
    sideways.paste((0, 0, 255), (2000, 0, 4000, 3000))
    exif = Image.Exif()
    exif[0x0112] = 6
    files = {
        "wide": (image_bytes(wide, "PNG"), "IMG_0001.png", "image/png", []),
        "heavy": (
            image_bytes(Image.effect_noise((1800, 1200), 40).convert("RGB"), "PNG"),
            "scan.png",
            "image/png",
            [],
        ),
        "small": (
            image_bytes(Image.new("RGB", (1200, 900), "teal"), "JPEG", quality=90),
            "anh.jpg",
            "image/jpeg",
            [],
        ),
        "broken": (b"\x00" * (2 * 1024 * 1024), "broken.jpg", "image/jpeg", []),
        "sideways": (
            image_bytes(sideways, "JPEG", quality=80, exif=exif),
            "IMG_0002.jpg",
            "image/jpeg",
            [[750, 200], [750, 1800]],
        ),
    }
    cases = {}
    for key, (content, name, mime, probes) in files.items():
        path = directory / f"{key}.bin"
        path.write_bytes(content)
        cases[key] = {"path": str(path), "name": name, "mime": mime, "probes": probes}
    return cases


@pytest.fixture(scope="module")
def shrunk(tmp_path_factory):
    """What the input holds after photo-shrink.js, per case, from one Chromium run."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: browser tests need Debian's chromium package."
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    cases = _cases(tmp_path_factory.mktemp("shrink"))
    result = subprocess.run(
        [sys.executable, "-m", "tests.uploads.shrink_in_chromium"],
        input=json.dumps(list(cases.values())),
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    described = json.loads(result.stdout)
    return {
        key: {**outcome, "original_size": Path(case["path"]).stat().st_size}
        for (key, case), outcome in zip(cases.items(), described, strict=True)
    }


@pytest.mark.e2e
def test_a_photo_wider_than_2000_px_is_shrunk_to_a_2000_px_jpeg(shrunk):
    wide = shrunk["wide"]

    assert (wide["name"], wide["type"]) == ("IMG_0001.jpg", "image/jpeg")
    assert (wide["width"], wide["height"]) == (2000, 1500)
    assert wide["head"] == [0xFF, 0xD8, 0xFF]  # really a JPEG


@pytest.mark.e2e
def test_a_file_over_1_5_mb_is_reencoded_at_its_size(shrunk):
    heavy = shrunk["heavy"]

    assert heavy["original_size"] > 1.5 * 1024 * 1024
    assert (heavy["name"], heavy["width"], heavy["height"]) == ("scan.jpg", 1800, 1200)
    assert heavy["size"] < heavy["original_size"]


@pytest.mark.e2e
def test_a_small_photo_is_sent_as_chosen(shrunk):
    small = shrunk["small"]

    assert (small["name"], small["type"], small["width"]) == ("anh.jpg", "image/jpeg", 1200)
    assert small["size"] == small["original_size"]


@pytest.mark.e2e
def test_a_file_the_browser_cannot_decode_is_kept(shrunk):
    broken = shrunk["broken"]

    assert (broken["name"], broken["width"]) == ("broken.jpg", None)
    assert broken["size"] == broken["original_size"]


@pytest.mark.e2e
def test_the_shrunk_photo_keeps_the_orientation_the_camera_recorded(shrunk):
    # The canvas drops EXIF, so the browser must turn the photo upright before drawing.
    sideways = shrunk["sideways"]
    top, bottom = sideways["pixels"]

    assert (sideways["width"], sideways["height"]) == (1500, 2000)
    assert top[0] > 200 and top[2] < 60, top  # red on top, read without any EXIF help
    assert bottom[2] > 200 and bottom[0] < 60, bottom
