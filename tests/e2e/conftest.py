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
