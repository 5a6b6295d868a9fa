"""f0-draft.js in Chromium at a phone's size: a photo is checked the moment it is chosen,
a CCCD whose QR disagrees says which field at once, and typing is saved as a draft."""

import datetime
import os
import threading

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect, sync_playwright

from declarations.f0.models import F0Draft
from tests.declarations.f0.test_citizen_declare import (
    cccd_text,
    declare_url,
    tray_jpeg,
    use_private_media,
)
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, new_phone_page
from tests.uploads.images import cccd_card_jpeg

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    return use_private_media(settings, tmp_path)


@pytest.fixture
def on_phone(live_server, transactional_db, citizen):
    """Run steps(page) in Chromium on the citizen's phone, already signed in (the OTP
    login has its own browser test).

    Playwright's sync API runs an event loop in the thread that starts it, and the
    browser tests in tests/e2e keep theirs open for the whole session: these steps run
    in a thread of their own, and what they raise is raised here.
    """
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: browser tests need Debian's chromium package."
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    client = Client()
    client.force_login(citizen)
    session = {
        "name": django_settings.SESSION_COOKIE_NAME,
        "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }

    def run(steps) -> None:
        failures = []

        def in_thread():
            try:
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
                    )
                    context, page = new_phone_page(browser, live_server)
                    context.add_cookies([session])
                    try:
                        steps(page)
                    finally:
                        browser.close()
            except BaseException as exc:  # re-raised in the test's thread below
                failures.append(exc)

        thread = threading.Thread(target=in_thread)
        thread.start()
        thread.join()
        if failures:
            raise failures[0]

    return run


def is_draft_save(response) -> bool:
    return response.url.endswith("/nhap/") and response.request.method == "POST"


def test_a_cccd_whose_qr_disagrees_names_the_field_right_after_upload(
    on_phone, citizen_person, tmp_path
):
    card = tmp_path / "cccd.jpg"
    card.write_bytes(cccd_card_jpeg(cccd_text(citizen_person, id_number="079088999999")))

    def steps(page: Page) -> None:
        page.goto(declare_url(citizen_person))
        box = page.locator("#id_id_photo_box")
        with page.expect_response(is_draft_save):
            page.locator("#id_id_photo").set_input_files(str(card))
        expect(box.locator("figcaption")).to_be_visible()
        expect(box.locator("[data-cccd-warning]")).to_be_visible()
        expect(box.locator("[data-cccd-field=id_number]")).to_be_visible()
        expect(box.locator("[data-cccd-field=full_name]")).to_be_hidden()
        expect(box.locator("[data-cccd-field=date_of_birth]")).to_be_hidden()
        expect(box.get_by_text("Chọn ảnh khác", exact=True)).to_be_visible()
        # Uploaded already: the form does not send the file a second time.
        assert page.locator("#id_id_photo").evaluate("input => input.files.length") == 0

    on_phone(steps)

    assert F0Draft.objects.get().id_photo is not None


def test_a_photo_too_small_is_refused_under_its_field_at_once(on_phone, citizen_person, tmp_path):
    small = tmp_path / "small.jpg"
    small.write_bytes(tray_jpeg(1, size=(500, 400)))

    def steps(page: Page) -> None:
        page.goto(declare_url(citizen_person))
        box = page.locator("#id_test_photo_box")
        page.locator("#id_test_photo").set_input_files(str(small))
        expect(box.locator("[data-photo-error]")).to_contain_text(
            "Ảnh quá nhỏ để đọc được (cạnh ngắn dưới 600 điểm ảnh)"
        )
        expect(box.locator("figcaption")).to_be_hidden()
        assert page.locator("#id_test_photo").evaluate("input => input.files.length") == 0

    on_phone(steps)


def test_what_is_typed_is_saved_and_comes_back_after_a_reload(on_phone, citizen_person):
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).strftime("%d/%m/%Y")

    def steps(page: Page) -> None:
        page.goto(declare_url(citizen_person))
        with page.expect_response(is_draft_save):
            page.get_by_label("Ngày test dương tính").fill(yesterday)
            page.get_by_label("Số nhà, đường").fill("7 Pasteur")
        expect(page.locator("[data-draft-status]")).to_contain_text("Đã lưu nháp lúc")
        page.reload()
        expect(page.get_by_label("Ngày test dương tính")).to_have_value(yesterday)
        expect(page.get_by_label("Số nhà, đường")).to_have_value("7 Pasteur")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

    on_phone(steps)

    assert F0Draft.objects.get().data["isolation_street"] == "7 Pasteur"
