"""Browser fixtures: Debian's Chromium driven by Playwright, at a phone's size.

Playwright's sync API keeps an asyncio event loop running in the main thread, and
Django refuses database access from a thread with a running loop unless told it is
safe. It is safe here: the loop only drives the browser.
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: An iPhone 12-15 sized screen in CSS pixels.
PHONE_VIEWPORT = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: browser tests need Debian's chromium package."
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def new_phone_page(browser, live_server, **context_options):
    """A fresh browser context (no cookies) on a Vietnamese phone, at the live server."""
    options = {
        "viewport": PHONE_VIEWPORT,
        "locale": "vi-VN",
        "timezone_id": "Asia/Ho_Chi_Minh",
        "base_url": live_server.url,
        "has_touch": True,
        "is_mobile": True,
        **context_options,
    }
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    return context, context.new_page()


@pytest.fixture
def page(browser, live_server):
    context, page = new_phone_page(browser, live_server)
    yield page
    context.close()


@pytest.fixture
def page_without_javascript(browser, live_server):
    context, page = new_phone_page(browser, live_server, java_script_enabled=False)
    yield page
    context.close()


@pytest.fixture
def dev_inbox(settings, set_rule):
    """Texts are kept in the dev inbox (as on `make run`); no captcha unless a test asks."""
    settings.SMS_BACKEND = "khaibao.notify.backends.DatabaseBackend"
    settings.SMS_DEV_INBOX = True
    set_rule("login", captcha_after_per_ip=100)


def sign_in(page, account, live_server) -> None:
    """Give the browser a session of `account` (the OTP login has tests of its own)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(account)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def texts_on_phone(page, phone: str) -> list[str]:
    """The texts a phone received, newest first, read on the dev inbox page."""
    page.goto(f"/dev/sms/?phone={phone}")
    return [body.strip() for body in page.locator(".sms-body").all_inner_texts()]


def otp_login(page, browser, live_server, phone: str) -> None:
    """Log in on the phone login page (already open) with the code from the dev inbox."""
    import re

    from playwright.sync_api import expect

    page.get_by_label("Số điện thoại di động").fill(phone)
    page.get_by_role("button", name="Nhận mã xác thực").click()
    expect(page.get_by_role("heading", name="Nhập mã xác thực")).to_be_visible()
    context, inbox = new_phone_page(browser, live_server)
    body = texts_on_phone(inbox, phone.replace(" ", ""))[0]
    context.close()
    page.get_by_label("Mã xác thực (6 số)").fill(re.search(r"\b(\d{6})\b", body).group(1))
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page.get_by_text("Đăng nhập thành công.")).to_be_visible()


# -- the checkpoint officer ---------------------------------------------------------


@pytest.fixture
def checkpoint(superuser, province):
    # Imported here: tests/uploads/shrink_in_chromium.py imports this module's browser
    # settings in a process without Django.
    from khaibao.accounts.models import Unit
    from khaibao.accounts.roles import Role
    from khaibao.accounts.services import unit_save

    return unit_save(
        by=superuser,
        unit=Unit(),
        role=Role.CHECKPOINT,
        code="CHOT-SB",
        name="Chốt sân bay Tân Sơn Nhất",
        area=province,
        phone="",
    )


@pytest.fixture
def officer(superuser, province, checkpoint):
    from khaibao.accounts.roles import Role
    from khaibao.accounts.services import staff_create
    from tests.conftest import STAFF_PASSWORD

    return staff_create(
        by=superuser,
        username="can-bo-chot",
        password=STAFF_PASSWORD,
        full_name="Cán bộ chốt",
        role=Role.CHECKPOINT,
        area=province,
        unit=checkpoint,
    )


def officer_page(browser, live_server, officer, viewport=PHONE_VIEWPORT):
    """The officer's page, signed in, on the "Kiểm tra vào tỉnh" tab."""
    context = browser.new_context(
        viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=live_server.url
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, officer, live_server)
    page.goto("/kiem-tra/vao-tinh/")
    page.wait_for_load_state("load")
    return context, page
