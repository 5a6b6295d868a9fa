"""QR images: rendering, the render task and cache, the image view, the page include."""

import datetime
import io

import pytest
import zxingcpp
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from PIL import Image

from khaibao.trust import images
from khaibao.trust.hcert import uvci_new
from khaibao.trust.image_requests import qr_image_request
from khaibao.trust.images import render_qr_png, text_digest
from khaibao.trust.services import qr_for_person, qr_issue_hc1
from khaibao.trust.tasks import render_qr_image
from tests.trust.conftest import vaccination_hcert


@pytest.fixture
def code(db):
    return qr_issue_hc1(
        hcert=vaccination_hcert(), cert_id=uvci_new(), valid_for=datetime.timedelta(days=1)
    ).text


@pytest.fixture(autouse=True)
def forget_images(code):
    """The cache may be a shared Redis: remove this test's entries, before and after."""
    digest = text_digest(code)
    keys = [images.png_key(digest), images.text_key(digest), images.pending_key(digest)]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


@pytest.mark.parametrize("prefix", ["HC1:", "KB1:"])
def test_the_png_is_a_qr_code_of_the_text_at_level_q_sized_for_a_phone(
    code, citizen_person, prefix
):
    text = code if prefix == "HC1:" else qr_for_person(citizen_person)

    png = render_qr_png(text)

    image = Image.open(io.BytesIO(png))
    (result,) = zxingcpp.read_barcodes(image)
    assert text.startswith(prefix)
    assert png.startswith(b"\x89PNG")
    assert result.text == text
    assert result.format == zxingcpp.BarcodeFormat.QRCode
    # hcert_spec.md §4.2.2 recommends error correction Q (about 25 %).
    assert result.ec_level == "Q"
    assert 400 <= image.width <= 600 and image.width == image.height


def test_the_image_view_answers_202_with_a_placeholder_then_the_png(client, code):
    # In a test transaction on-commit callbacks do not run: nothing is rendered yet.
    url = qr_image_request(code)

    first = client.get(url)
    # The first request enqueued the render; tasks run eagerly here.
    second = client.get(url)

    assert url == reverse("trust:qr-image", args=[text_digest(code)])
    assert first.status_code == 202
    assert first["Content-Type"] == "image/svg+xml"
    assert first["Retry-After"] == "1"
    assert first["Cache-Control"] == "no-store"
    assert first.content.startswith(b"<svg")
    assert second.status_code == 200
    assert second["Content-Type"] == "image/png"
    assert second["Cache-Control"] == "private, max-age=86400"
    assert second.content == render_qr_png(code)


def test_a_page_requesting_an_image_enqueues_the_render_after_commit(
    client, code, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        url = qr_image_request(code)

    response = client.get(url)

    assert len(callbacks) == 1
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


def test_a_rendered_image_is_not_enqueued_again(code, django_capture_on_commit_callbacks):
    render_qr_image(code)

    with django_capture_on_commit_callbacks() as callbacks:
        qr_image_request(code)

    assert callbacks == []


def test_the_task_renders_into_the_cache_under_the_sha256_of_the_text(code):
    digest = render_qr_image(code)

    assert digest == text_digest(code)
    assert images.qr_image_cached(digest) == render_qr_png(code)


def test_an_unknown_image_is_404(client, db):
    assert client.get(reverse("trust:qr-image", args=["0" * 64])).status_code == 404


def test_the_include_shows_the_image_and_the_copyable_text(db, citizen_person, rf):
    text = qr_for_person(citizen_person)
    url = qr_image_request(text)

    html = render_to_string(
        "trust/_qr.html",
        {"qr_text": text, "qr_image_url": url, "qr_caption": "Mã QR cá nhân"},
        request=rf.get("/"),
    )

    assert f'src="{url}"' in html
    assert 'alt="Mã QR cá nhân"' in html
    assert "<textarea" in html and "readonly" in html
    assert f">{text}</textarea>" in html
    assert "<noscript>" in html
    assert reverse("trust:verify") in html
