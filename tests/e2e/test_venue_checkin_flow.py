"""Issue 13's venue flow on a phone (390×844): a venue manager registers a shop → the
ward's station approves it in the admin → the manager opens the poster (its QR drawn) →
a citizen opens the URL the poster's QR holds, logs in with OTP and comes straight back
→ checks in self and a child with one tap → checks out with another."""

import io

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from checkpoints.venues.models import CheckIn, Venue, VenueStatus
from checkpoints.venues.services import checkin_url
from khaibao.trust.services import qr_for_person
from tests.conftest import STAFF_PASSWORD
from tests.e2e.conftest import (  # noqa: F401 (dev_inbox: a fixture)
    PHONE_VIEWPORT,
    dev_inbox,
    new_phone_page,
    officer_page,
    otp_login,
    sign_in,
)
from tests.factories import make_citizen
from tests.trust.conftest import eager_tasks  # noqa: F401 (QR images drawn in-process)

pytestmark = pytest.mark.e2e

MANAGER_PHONE = "+84987000111"
VENUE_NAME = "Cửa hàng tạp hoá Minh Anh"


def register(browser, live_server, manager, ward1, village1):
    context, page = new_phone_page(browser, live_server)
    sign_in(page, manager, live_server)
    page.goto("/dia-diem/dang-ky/")
    # The pickers' script runs once the page has loaded (deferred).
    page.wait_for_load_state("load")
    page.get_by_label("Tên địa điểm").fill(VENUE_NAME)
    page.get_by_label("Loại địa điểm").select_option("shop")
    page.get_by_label("Tỉnh / thành phố").select_option(str(ward1.parent_id))
    page.get_by_label("Phường / xã").select_option(str(ward1.pk))
    page.locator("select[name='village']").select_option(str(village1.pk))
    page.get_by_label("Số nhà, đường").fill("12 Lê Lợi")
    page.get_by_role("button", name="Gửi đăng ký").click()
    expect(page.get_by_text("Đã gửi đăng ký địa điểm.")).to_be_visible()
    expect(page.locator("[data-status]")).to_have_text("Chờ Trạm Y tế duyệt")
    return context, page


def approve(browser, live_server, station):
    context, page = new_phone_page(browser, live_server)
    page.goto("/admin/login/")
    page.get_by_label("Tên đăng nhập").fill(station.username)
    page.get_by_label("Mật khẩu").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto("/admin/checkpoints/venue/?status__exact=pending")
    page.get_by_role("link", name=VENUE_NAME).click()
    page.get_by_role("link", name="Duyệt địa điểm", exact=True).click()
    page.get_by_role("button", name="Duyệt và cấp mã QR").click()
    expect(page.get_by_text(f"Đã duyệt {VENUE_NAME}.")).to_be_visible()
    context.close()


def poster_qr_text(page) -> str:
    """Open the poster and read its QR the way a phone camera would: from the image."""
    page.goto("/dia-diem/")
    page.get_by_role("link", name="In mã QR check-in").click()
    expect(page.get_by_role("heading", name=VENUE_NAME)).to_be_visible()
    expect(
        page.get_by_text("Quét mã bằng camera điện thoại để check-in / check-out")
    ).to_be_visible()
    image = page.locator("img.kb-qr-image")
    expect(image).to_be_visible()
    page.wait_for_function(
        "document.querySelector('img.kb-qr-image').naturalWidth > 64", timeout=15_000
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    png = page.request.get(image.get_attribute("src")).body()
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return found.text


def test_a_venue_is_registered_approved_printed_and_checked_in_and_out(
    browser,
    live_server,
    transactional_db,
    dev_inbox,  # noqa: F811 (the OTP is read from the dev inbox)
    settings,
    citizen,
    citizen_person,
    relative,
    ward1,
    village1,
    ward1_staff,
    officer,
):
    # The poster's URL leads to this test's server.
    settings.KHAIBAO_PUBLIC_URL = live_server.url
    manager = make_citizen(phone=MANAGER_PHONE)

    manager_context, manager_page = register(browser, live_server, manager, ward1, village1)
    approve(browser, live_server, ward1_staff)
    venue = Venue.objects.get(name=VENUE_NAME)
    assert venue.status == VenueStatus.APPROVED
    url = poster_qr_text(manager_page)
    manager_context.close()
    assert url == checkin_url(venue)

    context, page = new_phone_page(browser, live_server)
    page.goto(url)
    # No session yet: the phone login, then straight back to the venue.
    otp_login(page, browser, live_server, "0912 345 678")
    expect(page.locator("[data-venue-name]")).to_have_text(VENUE_NAME)
    expect(page.get_by_label(citizen_person.full_name)).to_be_checked()
    expect(page.get_by_label(relative.full_name)).to_be_checked()
    page.get_by_role("button", name="Check-in").click()

    expect(page.get_by_text("Đã check-in cho 2 người.")).to_be_visible()
    inside = page.locator("[data-inside]")
    expect(inside).to_contain_text(citizen_person.full_name)
    expect(inside).to_contain_text(relative.full_name)
    expect(inside).to_contain_text("đã check-in lúc")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert CheckIn.objects.filter(venue=venue, checked_out_at__isnull=True).count() == 2

    page.get_by_role("button", name="Check-out").click()
    expect(page.get_by_text("Đã check-out cho 2 người")).to_be_visible()
    assert CheckIn.objects.filter(venue=venue, checked_out_at__isnull=False).count() == 2
    expect(page.get_by_role("button", name="Check-in")).to_be_visible()
    context.close()

    # At the checkpoint: the officer types the ID, then scans My QR as a USB scanner
    # does (the text typed fast, then Enter): the same three groups, the field cleared.
    context, page = officer_page(browser, live_server, officer, PHONE_VIEWPORT)
    field = page.get_by_label("Số CMND / CCCD / hộ chiếu hoặc mã QR")
    field.fill(citizen_person.id_number)
    page.get_by_role("button", name="Tra cứu").click()
    answer = page.locator("[data-officer-answer]")
    expect(answer.locator('[data-group="checkin"]')).to_contain_text(VENUE_NAME)
    expect(answer.locator('[data-group="checkin"] [data-word]')).to_have_text("Gần đây")
    expect(answer.locator('[data-group="health"] [data-word]')).to_have_text("Chưa khai báo")
    expect(answer.locator('[data-group="entry"] [data-word]')).to_have_text("Chưa khai báo")
    expect(field).to_have_value("")
    expect(field).to_be_focused()
    page.evaluate("document.querySelector('[data-officer-answer]').innerHTML = ''")
    page.keyboard.type(qr_for_person(citizen_person), delay=0)
    page.keyboard.press("Enter")
    expect(answer.locator('[data-group="checkin"]')).to_contain_text(VENUE_NAME)
    expect(field).to_have_value("")
    expect(field).to_be_focused()
    context.close()
