"""F0 declaration end to end, on a phone: OTP login → declare for a relative with both
photos → the ward station accepts in the admin → case code on the status page; a second
relative: rejected → fix and resubmit with the kept photos; then isolation completion →
the station confirms → the certificate's QR is valid on /verify/."""

import datetime
import random
import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from declarations.f0.models import F0Declaration, F0Status
from declarations.f0.services import (
    f0_accept,
    f0_completion_confirm,
    f0_completion_request,
)
from declarations.kinds import TEST_RESULT_PHOTO
from khaibao.notify.models import SmsMessage
from khaibao.people.ids import Sex
from khaibao.people.models import Relationship
from khaibao.people.services import person_link_to_account
from khaibao.trust.services import qr_verify
from tests.conftest import STAFF_PASSWORD
from tests.declarations.factories import make_declaration, store_upload, tray_jpeg
from tests.e2e.test_citizen_login_qr import read_code_from_dev_inbox
from tests.factories import make_citizen, make_person

pytestmark = pytest.mark.e2e

CITIZEN_PHONE = "0912 000 888"


@pytest.fixture
def dev_inbox(settings, set_rule):
    settings.SMS_BACKEND = "khaibao.notify.backends.DatabaseBackend"
    settings.SMS_DEV_INBOX = True
    set_rule("login", captcha_after_per_ip=100)


@pytest.fixture
def family(transactional_db, village1):
    """The citizen's account with the citizen and two adult relatives already on it."""
    me = make_person(
        area=village1,
        full_name="Võ Thanh Tâm",
        date_of_birth=datetime.date(1986, 4, 2),
        sex=Sex.MALE,
        phone=CITIZEN_PHONE,
    )
    account = make_citizen(phone="+84912000888", person=me)
    mother = make_person(
        area=village1,
        full_name="Lê Thị Hồng Nhung",
        date_of_birth=datetime.date(1961, 8, 19),
        sex=Sex.FEMALE,
    )
    brother = make_person(
        area=village1,
        full_name="Võ Quốc Bảo",
        date_of_birth=datetime.date(1990, 12, 5),
        sex=Sex.MALE,
    )
    person_link_to_account(account=account, person=mother, relationship=Relationship.PARENT)
    person_link_to_account(account=account, person=brother, relationship=Relationship.SIBLING)
    return {"account": account, "mother": mother, "brother": brother}


def write_jpeg(path, seed: int) -> str:
    """A 1200×900 phone-photo stand-in: random blocks, different for every seed."""
    rng = random.Random(seed)
    img = Image.new("RGB", (1200, 900), "white")
    draw = ImageDraw.Draw(img)
    for _ in range(60):
        x, y = rng.randrange(0, 1100), rng.randrange(0, 800)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle((x, y, x + rng.randrange(20, 240), y + rng.randrange(20, 240)), fill=colour)
    img.save(path, "JPEG", quality=90)
    return str(path)


def citizen_login(page: Page, browser, live_server) -> None:
    page.goto("/")
    page.get_by_role("link", name="Đăng nhập", exact=True).click()
    page.get_by_label("Số điện thoại di động").fill(CITIZEN_PHONE)
    page.get_by_role("button", name="Nhận mã xác thực").click()
    expect(page.get_by_role("heading", name="Nhập mã xác thực")).to_be_visible()
    code = read_code_from_dev_inbox(browser, live_server, CITIZEN_PHONE.replace(" ", ""))
    page.get_by_label("Mã xác thực (6 số)").fill(code)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page.get_by_text("Đăng nhập thành công.")).to_be_visible()


def is_draft_save(response) -> bool:
    return response.url.endswith("/nhap/") and response.request.method == "POST"


def choose_photo(page: Page, field: str, path: str) -> None:
    """Choose a photo: f0-draft.js uploads it at once, shows it as uploaded and saves the
    draft. Waiting for that save keeps two writes from overlapping (SQLite in tests)."""
    with page.expect_response(is_draft_save):
        page.locator(f"#id_{field}").set_input_files(path)
    expect(page.locator(f"#id_{field}_box figcaption")).to_be_visible()


def declare_for(page: Page, person, *, test_date: datetime.date, photos: tuple[str, str]) -> int:
    page.goto("/f0/")
    page.get_by_label(re.compile(person.full_name)).check()
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.get_by_role("heading", name=f"Khai báo F0 cho {person.full_name}")).to_be_visible()
    choose_photo(page, "test_photo", photos[0])
    choose_photo(page, "id_photo", photos[1])
    with page.expect_response(is_draft_save):
        page.get_by_label("Ngày test dương tính").fill(test_date.strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Gửi khai báo").click()
    expect(page.get_by_role("heading", name=f"Khai báo F0 của {person.full_name}")).to_be_visible()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "submitted")
    return F0Declaration.objects.get(person=person, status=F0Status.SUBMITTED).pk


@pytest.fixture
def staff_page(browser, live_server, ward1_staff):
    """The ward-1 station, signed in to the admin in its own browser context."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="vi-VN", base_url=live_server.url
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/admin/login/")
    page.get_by_label("Tên đăng nhập").fill(ward1_staff.username)
    page.get_by_label("Mật khẩu").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_text("Bảng điều khiển cán bộ")).to_be_visible()
    yield page
    context.close()


def staff_decides(staff_page: Page, pk: int, button: str, **fields) -> None:
    """Open the review page and press a decision's button, after filling its `fields`
    (by name: "reason", "note")."""
    staff_page.goto(f"/admin/declarations/f0declaration/{pk}/change/")
    form = staff_page.locator("form", has=staff_page.get_by_role("button", name=button, exact=True))
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    form.get_by_role("button", name=button, exact=True).click()
    expect(staff_page.locator(".messagelist .success")).to_be_visible()


def test_declare_accept_reject_resubmit_complete_and_verify(
    page: Page, browser, live_server, settings, dev_inbox, family, staff_page, tmp_path, set_rule
):
    # Isolation of one day, so a test from yesterday can be completed today.
    set_rule("f0_timing", isolation_days=1)
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    mother, brother = family["mother"], family["brother"]

    citizen_login(page, browser, live_server)

    # 1. A declaration for the mother, with both photos; the station accepts it.
    mother_photos = (
        write_jpeg(tmp_path / "khay-test.jpg", 1),
        write_jpeg(tmp_path / "cccd.jpg", 2),
    )
    first = declare_for(page, mother, test_date=yesterday, photos=mother_photos)
    staff_decides(staff_page, first, "Tiếp nhận")

    page.reload()
    case_code = F0Declaration.objects.get(pk=first).case_code
    expect(page.locator("[data-case-code]")).to_have_text(case_code)
    assert SmsMessage.objects.filter(purpose="f0_accepted", body__contains=case_code).exists()

    # 2. A declaration for the brother; the station rejects it with a reason.
    brother_photos = (
        write_jpeg(tmp_path / "khay-2.jpg", 3),
        write_jpeg(tmp_path / "cccd-2.jpg", 4),
    )
    second = declare_for(page, brother, test_date=today, photos=brother_photos)
    staff_decides(
        staff_page,
        second,
        "Từ chối và gửi lý do",
        reason="Ảnh không rõ, không đọc được",
        note="Chụp lại gần hơn.",
    )
    page.reload()
    reason = page.locator(".alert-danger")
    expect(reason).to_contain_text("Ảnh không rõ, không đọc được")
    expect(reason).to_contain_text("Chụp lại gần hơn.")
    assert SmsMessage.objects.filter(purpose="f0_rejected", to="+84912000888").exists()

    # Fix and resubmit: the photos sent before are kept and sent again as they were.
    page.get_by_role("link", name="Sửa và gửi lại").click()
    expect(page.locator("#id_test_photo_box figcaption")).to_be_visible()
    expect(page.locator("#id_id_photo_box figcaption")).to_be_visible()
    kept = F0Declaration.objects.get(pk=second)
    page.get_by_role("button", name="Gửi lại khai báo").click()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "submitted")
    resubmitted = F0Declaration.objects.get(pk=second)
    assert resubmitted.status == F0Status.SUBMITTED
    assert (resubmitted.test_photo_id, resubmitted.id_photo_id) == (
        kept.test_photo_id,
        kept.id_photo_id,
    )

    # 3. The mother's isolation ends: a negative test today, then the station confirms.
    page.goto(f"/f0/{first}/")
    page.get_by_role("link", name="Khai báo hoàn thành cách ly").click()
    page.get_by_label("Ngày test âm tính").fill(today.strftime("%d/%m/%Y"))
    page.locator("#id_photo").set_input_files(write_jpeg(tmp_path / "am-tinh.jpg", 5))
    page.get_by_role("button", name="Gửi khai báo hoàn thành cách ly").click()
    expect(page.get_by_text("Đã gửi khai báo hoàn thành cách ly.")).to_be_visible()
    expect(page.locator("[data-status]").first).to_have_attribute(
        "data-status", "completion_requested"
    )
    assert SmsMessage.objects.filter(purpose="f0_completion_requested").exists()

    staff_decides(staff_page, first, "Xác nhận hoàn thành cách ly")
    assert SmsMessage.objects.filter(purpose="f0_completed", body__contains=case_code).exists()

    page.reload()
    page.get_by_role("link", name="Giấy xác nhận hoàn thành cách ly").click()
    expect(page.get_by_role("heading", name="GIẤY XÁC NHẬN HOÀN THÀNH CÁCH LY")).to_be_visible()
    expect(page.get_by_text(case_code)).to_be_visible()
    expect(page.get_by_text(mother.full_name)).to_be_visible()
    expect(page.get_by_role("button", name="In giấy xác nhận")).to_be_visible()
    expect(page.get_by_text("dùng lệnh In của trình duyệt")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    qr_text = page.locator("textarea").first.input_value()
    assert qr_text.startswith("KB1:")
    page.reload()
    assert page.locator("textarea").first.input_value() == qr_text  # the same on every view

    # Printed: only the certificate, no header, navigation or footer.
    page.emulate_media(media="print")
    expect(page.locator(".kb-header")).to_be_hidden()
    expect(page.locator(".kb-footer")).to_be_hidden()
    expect(page.get_by_role("button", name="In giấy xác nhận")).to_be_hidden()
    expect(page.get_by_role("heading", name="GIẤY XÁC NHẬN HOÀN THÀNH CÁCH LY")).to_be_visible()
    page.emulate_media(media="screen")

    page.goto("/verify/")
    page.locator("textarea").first.fill(qr_text)
    page.get_by_role("button", name="Kiểm tra").click()
    expect(page.get_by_text("Hợp lệ", exact=True)).to_be_visible()
    expect(page.get_by_text("Chứng nhận hoàn thành cách ly")).to_be_visible()
    expect(page.get_by_text(mother.full_name)).to_be_visible()


def sign_in(page: Page, account, live_server) -> None:
    """Give the browser a session of `account` (the OTP login is tested above)."""
    client = Client()
    client.force_login(account)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_the_certificate_prints_without_javascript(
    page_without_javascript: Page, live_server, settings, family, ward1_staff, tmp_path, set_rule
):
    """Without JavaScript there is no dead print button, only the browser's own Print."""
    set_rule("f0_timing", isolation_days=1)
    account, mother = family["account"], family["mother"]
    today = timezone.localdate()

    declaration = make_declaration(
        person=mother,
        account=account,
        relationship=Relationship.PARENT,
        test_date=today - datetime.timedelta(days=1),
        test_content=tray_jpeg(11),
        contact_phone="+84912000888",
    )
    f0_accept(declaration=declaration, by=ward1_staff)
    f0_completion_request(
        declaration=declaration,
        account=account,
        negative_test_date=today,
        photo=store_upload(mother, account, tray_jpeg(13), TEST_RESULT_PHOTO),
    )
    f0_completion_confirm(declaration=declaration, by=ward1_staff)
    page = page_without_javascript
    sign_in(page, account, live_server)

    page.goto(f"/f0/{declaration.pk}/giay-xac-nhan/")

    expect(page.get_by_role("heading", name="GIẤY XÁC NHẬN HOÀN THÀNH CÁCH LY")).to_be_visible()
    expect(page.get_by_role("button", name="In giấy xác nhận")).to_be_hidden()
    expect(page.get_by_text("dùng lệnh In của trình duyệt")).to_be_visible()
    qr_text = page.locator("textarea").first.input_value()
    assert qr_verify(qr_text).status == "valid"
