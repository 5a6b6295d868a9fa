"""The captcha of the phone login (issue 17): a labelled input, a new image on request,
an audio alternative where flite is installed, and an image people read right.

The threshold (the "login" rule's captcha_after_per_ip) is tested in test_otp_login.py.
"""

import io
import os
import re
import shutil

import pytest
from captcha.conf import settings as captcha_settings
from captcha.models import CaptchaStore
from django.conf import settings
from django.urls import reverse
from PIL import Image

from khaibao.accounts.citizen_forms import CAPTCHA_ALPHABET, captcha_challenge

LOGIN = reverse("accounts:login")
FLITE = shutil.which("flite")
# Capitals and digits people confuse in a distorted image (0/O/Q/D, 1/I/J/L, 2/Z, 5/S,
# 8/B, 6/G/C, U/V): none of them may appear.
CONFUSABLE = set("0OQD1IJL2Z5S8B6GCUV")


@pytest.fixture(autouse=True)
def always_captcha(db, set_rule):
    set_rule("login", captcha_after_per_ip=0)


@pytest.fixture
def with_flite(monkeypatch):
    if FLITE is None:
        reason = "flite is not installed: `apt-get install flite` (the captcha's audio)."
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    monkeypatch.setattr(captcha_settings, "CAPTCHA_FLITE_PATH", FLITE)


@pytest.fixture
def without_flite(monkeypatch):
    monkeypatch.setattr(captcha_settings, "CAPTCHA_FLITE_PATH", None)


def login_page(client) -> str:
    response = client.get(LOGIN)
    assert response.status_code == 200
    return response.content.decode()


def captcha_key(page: str) -> str:
    return re.search(r'name="captcha_0" value="(\w+)"', page).group(1)


def test_the_captcha_answer_has_a_label_of_its_own(client, db, without_flite):
    page = login_page(client)

    answer_id = re.search(r'<input type="text" name="captcha_1"[^>]* id="(\w+)"', page).group(1)
    assert re.search(rf'<label for="{answer_id}"[^>]*>\s*Nhập các ký tự trong hình', page)
    image = re.search(r"<img [^>]*data-captcha-image[^>]*>", page).group(0)
    assert 'alt="captcha"' not in image and "alt=" in image
    assert 'width="' in image and 'height="' in image


def test_there_is_a_new_image_link_that_works_without_javascript(client, db, without_flite):
    page = login_page(client)

    link = re.search(r'<a href="([^"]*)"[^>]*data-captcha-refresh[^>]*>([^<]+)</a>', page)
    assert link.group(2).strip() == "Đổi hình khác"
    # Without JavaScript the link (an empty href: this page) opens the page again.
    assert link.group(1) == ""
    again = client.get(LOGIN)
    assert captcha_key(again.content.decode()) != captcha_key(page)


def test_the_refresh_url_gives_a_new_key_and_image(client, db, without_flite):
    page = login_page(client)
    refresh_url = re.search(r'data-refresh-url="([^"]+)"', page).group(1)

    data = client.get(refresh_url, headers={"x-requested-with": "XMLHttpRequest"}).json()

    assert data["key"] != captcha_key(page)
    assert data["image_url"] == reverse("captcha-image", args=[data["key"]])
    assert data["audio_url"] is None


def test_without_flite_there_is_no_audio_link(client, db, without_flite):
    page = login_page(client)

    assert "<audio" not in page
    assert "Nghe mã" not in page


def test_with_flite_the_code_can_be_heard(client, db, with_flite):
    page = login_page(client)
    key = captcha_key(page)

    audio_url = reverse("captcha-audio", args=[key])
    assert f'src="{audio_url}"' in page and "Nghe mã" in page
    response = client.get(audio_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert b"".join(response.streaming_content)[:4] == b"RIFF"


def test_the_challenge_never_uses_characters_people_confuse():
    for _ in range(500):
        shown, answer = captcha_challenge()
        assert len(shown) == settings.CAPTCHA_LENGTH
        assert not set(shown) & CONFUSABLE
        assert answer == shown.lower()
    assert not set(CAPTCHA_ALPHABET) & CONFUSABLE


def test_the_image_is_large_and_plain_enough_to_read(client, db, without_flite):
    # What made one image in two unreadable: small letters, strong rotation, dots.
    assert settings.CAPTCHA_FONT_SIZE >= 40
    low, high = settings.CAPTCHA_LETTER_ROTATION
    assert -15 <= low and high <= 15
    assert "captcha.helpers.noise_dots" not in settings.CAPTCHA_NOISE_FUNCTIONS
    key = captcha_key(login_page(client))

    response = client.get(reverse("captcha-image", args=[key]))

    assert response.status_code == 200
    image = Image.open(io.BytesIO(response.content))
    assert image.size == settings.CAPTCHA_IMAGE_SIZE
    assert image.size[0] >= 200 and image.size[1] >= 70


def test_a_right_answer_lets_the_code_be_sent(client, db, without_flite):
    key = captcha_key(login_page(client))
    answer = CaptchaStore.objects.get(hashkey=key).response

    response = client.post(
        LOGIN, {"phone": "0912 000 444", "captcha_0": key, "captcha_1": answer.upper()}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:verify")
