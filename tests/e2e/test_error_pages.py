"""The portal's own error pages on a phone, as production shows them (DEBUG off; issue
17, defect 4): Vietnamese, in the site's layout, with the hotline to call."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_a_wrong_address_shows_the_portals_page_with_the_hotline(
    page: Page, live_server, transactional_db, settings
):
    settings.DEBUG = False
    settings.KHAIBAO_HOTLINE = "1022"

    response = page.goto("/trang-khong-co/")

    assert response.status == 404
    expect(page.get_by_role("heading", name="Không tìm thấy trang")).to_be_visible()
    expect(page.get_by_text("Not Found")).to_have_count(0)
    expect(page.locator(".kb-header")).to_be_visible()
    expect(page.get_by_role("link", name="Gọi tổng đài 1022")).to_have_attribute("href", "tel:1022")
    page.get_by_role("link", name="Về trang chủ").click()
    expect(page.get_by_role("heading", name="Chọn dịch vụ")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_an_old_sms_link_to_someone_elses_declaration_leads_to_the_lookup(
    page: Page, live_server, transactional_db, settings, citizen
):
    settings.DEBUG = False
    sign_in(page, citizen, live_server)

    response = page.goto("/f0/424242/")

    assert response.status == 404
    page.get_by_role("link", name="Tìm khai báo F0").click()
    expect(
        page.get_by_role("heading", name="Tìm khai báo F0 được gửi từ số điện thoại khác")
    ).to_be_visible()
