"""A citizen on a phone: OTP login (code from the dev inbox) → add a relative → the
relative's My QR → pasted on /verify/ → valid."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import new_phone_page

pytestmark = pytest.mark.e2e


@pytest.fixture
def dev_inbox(settings, set_rule):
    settings.SMS_BACKEND = "khaibao.notify.backends.DatabaseBackend"
    settings.SMS_DEV_INBOX = True
    set_rule("login", captcha_after_per_ip=100)


def read_code_from_dev_inbox(browser, live_server, phone: str) -> str:
    context, inbox = new_phone_page(browser, live_server)
    inbox.goto(f"/dev/sms/?phone={phone}")
    body = inbox.locator(".sms-body").first.inner_text()
    context.close()
    return re.search(r"\b(\d{6})\b", body).group(1)


def choose_address(page: Page, province, ward, village) -> None:
    page.get_by_label("Tỉnh / thành phố").select_option(str(province.pk))
    # The ward list is filled by area-picker.js once the province is chosen.
    expect(page.get_by_label("Phường / xã")).to_contain_text(ward.name)
    page.get_by_label("Phường / xã").select_option(str(ward.pk))
    expect(page.get_by_label("Thôn / tổ dân phố (nếu có)")).to_contain_text(village.name)
    page.get_by_label("Thôn / tổ dân phố (nếu có)").select_option(str(village.pk))


def test_phone_login_add_relative_my_qr_verifies(
    page: Page, browser, live_server, transactional_db, dev_inbox, province, ward1, village1
):
    page.goto("/")
    page.get_by_role("link", name="Đăng nhập", exact=True).click()
    page.get_by_label("Số điện thoại di động").fill("0912 000 999")
    page.get_by_role("button", name="Nhận mã xác thực").click()
    expect(page.get_by_role("heading", name="Nhập mã xác thực")).to_be_visible()
    expect(page.get_by_role("button", name="Gửi lại mã")).to_be_disabled()  # the 60 s cooldown

    page.get_by_label("Mã xác thực (6 số)").fill(
        read_code_from_dev_inbox(browser, live_server, "0912000999")
    )
    page.get_by_role("button", name="Đăng nhập", exact=True).click()

    expect(page.get_by_text("Đăng nhập thành công.")).to_be_visible()
    expect(page.get_by_role("heading", name="Thông tin của bạn")).to_be_visible()
    page.get_by_label("Họ và tên").fill("Phan Văn Đức")
    page.get_by_label("Ngày sinh").fill("01/02/1990")
    page.get_by_label("Nam", exact=True).check()
    page.get_by_label("Loại giấy tờ").select_option("cccd")
    page.get_by_label("Số giấy tờ").fill("079090123456")
    choose_address(page, province, ward1, village1)
    page.get_by_label("Số nhà, đường").fill("5 Hai Bà Trưng")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_role("heading", name="Người thân của tôi")).to_be_visible()

    page.get_by_role("link", name="Thêm người thân").click()
    page.get_by_label("Quan hệ với bạn").select_option("child")
    page.get_by_label("Họ và tên").fill("Phan Minh Khang")
    page.get_by_label("Ngày sinh").fill("01/06/2017")
    page.get_by_label("Nam", exact=True).check()
    page.get_by_label("Loại giấy tờ").select_option("none")
    page.get_by_label("Số giấy tờ").fill("000000000")
    choose_address(page, province, ward1, village1)
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_text("Đã lưu thông tin của Phan Minh Khang.")).to_be_visible()

    child_card = page.locator(".kb-person", has_text="Phan Minh Khang")
    child_card.get_by_role("link", name="Mã QR cá nhân").click()
    expect(page.get_by_text("Phan Minh Khang")).to_be_visible()
    qr_text = page.locator("textarea").first.input_value()
    assert qr_text.startswith("KB1:")
    assert "000000000" not in qr_text
    expect(page.locator("img.kb-qr-image")).to_be_visible()

    page.goto("/verify/")
    page.locator("textarea").first.fill(qr_text)
    page.get_by_role("button", name="Kiểm tra").click()

    expect(page.get_by_text("Hợp lệ", exact=True)).to_be_visible()
    expect(page.get_by_text("Phan Minh Khang")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
