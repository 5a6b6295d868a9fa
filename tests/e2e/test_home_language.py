"""A citizen on a phone opens the portal and switches between Vietnamese and English."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

MIN_TARGET_PX = 44


def _assert_fits_the_phone(page: Page) -> None:
    # Nothing makes the reader scroll sideways on a 390 px screen.
    assert page.viewport_size["width"] == 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def _switch_language(page: Page, button_name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button_name, exact=True).click()


def test_home_switches_to_english_and_back(page: Page):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", name="Tiêm chủng", exact=True)).to_be_visible()
    expect(
        page.get_by_role("heading", name="Khai báo y tế, khai báo vào tỉnh, quét mã QR")
    ).to_be_visible()
    # Every service has its pages: none is marked as not built.
    expect(page.get_by_text("Chưa triển khai", exact=True)).to_have_count(0)
    _assert_fits_the_phone(page)

    _switch_language(page, "English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Vaccination", exact=True)).to_be_visible()
    expect(
        page.get_by_role("heading", name="Health declaration, entry declaration, QR check-in")
    ).to_be_visible()
    expect(page.get_by_text("Not available yet", exact=True)).to_have_count(0)
    expect(page.get_by_text("Chưa triển khai")).to_have_count(0)
    expect(page.get_by_role("link", name="Health staff sign-in")).to_be_visible()
    _assert_fits_the_phone(page)

    _switch_language(page, "Tiếng Việt")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", name="Tiêm chủng", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Vaccination", exact=True)).to_have_count(0)


def test_language_switch_is_named_and_big_enough_to_tap(page: Page):
    page.goto("/")
    switcher = page.get_by_role("form", name="Chọn ngôn ngữ")
    expect(switcher).to_be_visible()
    for name in ("Tiếng Việt", "English"):
        button = switcher.get_by_role("button", name=name, exact=True)
        expect(button).to_be_visible()
        box = button.bounding_box()
        assert box is not None
        assert box["height"] >= MIN_TARGET_PX, (name, box)
        assert box["width"] >= MIN_TARGET_PX, (name, box)


def test_language_switch_works_without_javascript(page_without_javascript: Page):
    page = page_without_javascript
    page.goto("/")
    _switch_language(page, "English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Test results", exact=True)).to_be_visible()
