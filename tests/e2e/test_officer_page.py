"""The checkpoint officer's page in Chromium, on a phone (390×844) and a laptop: an ID
typed by hand, then My QR "scanned" as a USB scanner does (the text typed fast, then
Enter), then the camera (Chromium's fake camera playing a .y4m of the QR)."""

import io
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from checkpoints.declaring.services import health_declaration_submit
from checkpoints.venues.services import checkins_record, venue_approve, venue_register
from khaibao.people.models import Relationship
from khaibao.trust.images import render_qr_png
from khaibao.trust.services import qr_for_person
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE_VIEWPORT, officer_page

pytestmark = pytest.mark.e2e

LAPTOP_VIEWPORT = {"width": 1366, "height": 768}


@pytest.fixture
def records(citizen, citizen_person, village1, ward1_staff):
    venue = venue_register(
        manager=citizen,
        name="Chợ Bến Thành",
        kind="market",
        area=village1,
        street_address="Lê Lợi",
        contact_phone="+84912345678",
        submission_key=uuid.uuid4(),
    )
    venue = venue_approve(venue=venue, by=ward1_staff)
    checkins_record(venue=venue, persons=[citizen_person], account=citizen, now=timezone.now())
    health_declaration_submit(
        declared_by=citizen,
        person=citizen_person,
        relationship=Relationship.SELF,
        submission_key=uuid.uuid4(),
        area=village1,
    )


def expect_three_groups(page):
    answer = page.locator("[data-officer-answer]")
    expect(answer.get_by_text("Nguyễn Văn An")).to_be_visible()
    expect(answer.get_by_text("Năm sinh 1988")).to_be_visible()
    expect(answer.locator('[data-group="checkin"] [data-word]')).to_have_text("Gần đây")
    expect(answer.locator('[data-group="health"] [data-word]')).to_have_text("Còn hạn")
    expect(answer.locator('[data-group="entry"] [data-word]')).to_have_text("Chưa khai báo")
    expect(answer.get_by_text("Chợ Bến Thành")).to_be_visible()


@pytest.mark.parametrize("viewport", [PHONE_VIEWPORT, LAPTOP_VIEWPORT], ids=["phone", "laptop"])
def test_an_id_then_a_scanned_my_qr_show_the_three_groups(
    browser, live_server, transactional_db, officer, citizen_person, records, viewport
):
    context, page = officer_page(browser, live_server, officer, viewport)
    field = page.get_by_label("Số CMND / CCCD / hộ chiếu hoặc mã QR")
    expect(field).to_be_focused()
    field.fill(citizen_person.id_number)
    page.get_by_role("button", name="Tra cứu").click()
    expect_three_groups(page)
    expect(field).to_have_value("")
    expect(field).to_be_focused()

    # A new person's answer replaces the old one: clear it to see the scan's own.
    page.evaluate("document.querySelector('[data-officer-answer]').innerHTML = ''")
    page.keyboard.type(qr_for_person(citizen_person), delay=0)
    page.keyboard.press("Enter")
    expect_three_groups(page)
    expect(field).to_have_value("")
    expect(field).to_be_focused()

    page.get_by_role("button", name="Đã kiểm tra").click()
    expect(page.get_by_text("Đã ghi nhận: Nguyễn Văn An đã được kiểm tra.")).to_be_visible()
    expect(field).to_be_focused()
    context.close()


def write_y4m(path, png: bytes, *, size: int = 480, frames: int = 10) -> None:
    """A YUV4MPEG2 (I420) video of the PNG on a white square: Chromium's fake camera
    plays it in a loop."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    image.thumbnail((size - 40, size - 40))
    canvas = Image.new("L", (size, size), 255)
    canvas.paste(image, ((size - image.width) // 2, (size - image.height) // 2))
    luma = canvas.tobytes()
    chroma = bytes([128]) * ((size // 2) * (size // 2))
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{size} H{size} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _frame in range(frames):
            video.write(b"FRAME\n" + luma + chroma + chroma)


def test_the_camera_reads_my_qr(
    browser, live_server, transactional_db, officer, citizen_person, records, tmp_path
):
    video = tmp_path / "qr.y4m"
    write_y4m(video, render_qr_png(qr_for_person(citizen_person)))
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    # A second Chromium of the session's Playwright: the fake camera is a launch flag.
    camera_browser = browser.browser_type.launch(
        executable_path=str(CHROMIUM), args=args, headless=True
    )
    try:
        context, page = officer_page(camera_browser, live_server, officer, PHONE_VIEWPORT)
        context.grant_permissions(["camera"], origin=live_server.url)
        page.get_by_role("button", name="Quét bằng camera").click()
        expect_three_groups(page)
        page.get_by_role("button", name="Tắt camera").click()
        expect(page.get_by_label("Số CMND / CCCD / hộ chiếu hoặc mã QR")).to_be_focused()
        context.close()
    finally:
        camera_browser.close()
