"""What a citizen's phone downloads on a first visit: home, login and the F0 form, each in
a fresh browser context (an empty cache), at most 60 KB once decoded, all assets counted.

Decoded bytes (the body after gzip/brotli is undone) are what the phone has to parse and
what a cache stores; the transfer size depends on the server's compression, which the
test server does not do."""

from collections import Counter

import pytest
from django.urls import reverse

from tests.e2e.conftest import new_phone_page, sign_in

pytestmark = pytest.mark.e2e

BUDGET_BYTES = 60 * 1024


def _first_load_bytes(browser, live_server, path: str, account=None) -> Counter:
    """Decoded body bytes of every response the page loaded, by Playwright resource type
    (document, stylesheet, script, font, image, fetch…)."""
    context, page = new_phone_page(browser, live_server)
    if account is not None:
        sign_in(page, account, live_server)
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(path)
    # Deferred scripts may fetch more (the area picker's lists): wait until all is quiet.
    page.wait_for_load_state("networkidle")
    sizes = Counter()
    for response in responses:
        if 300 <= response.status < 400:
            continue  # a redirect has no body; the page it leads to is counted
        sizes[response.request.resource_type] += len(response.body())
    context.close()
    return sizes


def _report(name: str, sizes: Counter) -> int:
    total = sum(sizes.values())
    parts = ", ".join(f"{kind} {size:,}" for kind, size in sorted(sizes.items()))
    print(f"\n{name}: {total:,} bytes decoded ({parts})")
    return total


def test_the_home_page_first_load_is_at_most_60_kb(browser, live_server, transactional_db):
    sizes = _first_load_bytes(browser, live_server, reverse("home"))
    assert sizes["document"] > 0 and sizes["stylesheet"] > 0
    assert _report("home", sizes) <= BUDGET_BYTES


def test_the_login_page_first_load_is_at_most_60_kb(browser, live_server, transactional_db):
    sizes = _first_load_bytes(browser, live_server, reverse("accounts:login"))
    assert sizes["document"] > 0 and sizes["stylesheet"] > 0
    assert _report("login", sizes) <= BUDGET_BYTES


def test_the_f0_form_first_load_is_at_most_60_kb(
    browser, live_server, transactional_db, citizen, citizen_person
):
    path = reverse("declarations:declare", kwargs={"public_id": citizen_person.public_id})
    sizes = _first_load_bytes(browser, live_server, path, account=citizen)
    # The form's own scripts (area picker, photo shrink, draft) are part of the budget.
    assert sizes["document"] > 0 and sizes["stylesheet"] > 0 and sizes["script"] > 0
    # At the budget only with its own Bootstrap file, minified scripts and khaibao.css, and
    # crispy's whitespace taken out (scripts/build_assets.mjs, declarations/declare.html).
    assert _report("F0 form", sizes) <= BUDGET_BYTES
