"""The login captcha on a phone (issue 17, defect 6): its input is labelled, "Đổi hình
khác" gives a new image (in place with JavaScript, by reloading without), the code can be
heard when flite is installed, and a right answer sends the code."""

import shutil

import pytest
from captcha.conf import settings as captcha_settings
from captcha.models import CaptchaStore
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

LABEL = "Nhập các ký tự trong hình"


@pytest.fixture
def captcha_always(dev_inbox, set_rule):
    set_rule("login", captcha_after_per_ip=0)


def test_the_captcha_is_labelled_refreshes_in_place_and_can_be_answered(
    page: Page, live_server, transactional_db, captcha_always, monkeypatch
):
    monkeypatch.setattr(captcha_settings, "CAPTCHA_FLITE_PATH", shutil.which("flite"))
    page.goto("/dang-nhap/")
    page.get_by_label("Số điện thoại di động").fill("0912 000 555")
    answer = page.get_by_label(LABEL)
    expect(answer).to_be_editable()
    expect(answer).to_have_attribute("name", "captcha_1")
    image = page.get_by_role("img", name="Hình có các chữ và số cần nhập vào ô bên dưới")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") > 0
    old_key = page.locator("input[name=captcha_0]").input_value()
    old_src = image.get_attribute("src")

    with page.expect_response(lambda response: "/captcha/refresh/" in response.url):
        page.get_by_role("link", name="Đổi hình khác").click()

    expect(image).not_to_have_attribute("src", old_src)
    new_key = page.locator("input[name=captcha_0]").input_value()
    assert new_key != old_key
    expect(page.get_by_label("Số điện thoại di động")).to_have_value("0912 000 555")
    expect(answer).to_be_focused()
    if captcha_settings.CAPTCHA_FLITE_PATH:
        expect(page.locator("audio[data-captcha-audio]")).to_have_attribute(
            "src", f"/captcha/audio/{new_key}.wav"
        )
        audio = page.request.get(f"/captcha/audio/{new_key}.wav")
        assert audio.status == 200 and audio.headers["content-type"] == "audio/wav"

    answer.fill(CaptchaStore.objects.get(hashkey=new_key).response)
    page.get_by_role("button", name="Nhận mã xác thực").click()
    expect(page.get_by_role("heading", name="Nhập mã xác thực")).to_be_visible()


def test_without_flite_there_is_no_audio_to_press(
    page: Page, live_server, transactional_db, captcha_always, monkeypatch
):
    monkeypatch.setattr(captcha_settings, "CAPTCHA_FLITE_PATH", None)
    page.goto("/dang-nhap/")

    expect(page.get_by_label(LABEL)).to_be_visible()
    expect(page.locator("audio")).to_have_count(0)
    expect(page.get_by_text("Nghe mã")).to_have_count(0)


def test_without_javascript_the_new_image_link_reloads_the_page(
    page_without_javascript: Page, live_server, transactional_db, captcha_always
):
    page = page_without_javascript
    page.goto("/dang-nhap/")
    old_key = page.locator("input[name=captcha_0]").input_value()

    page.get_by_role("link", name="Đổi hình khác").click()

    expect(page.get_by_label(LABEL)).to_be_visible()
    assert page.locator("input[name=captcha_0]").input_value() != old_key
