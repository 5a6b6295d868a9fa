"""The vaccination correction request end to end, on a phone (390×844).

A citizen whose second dose is missing sends the "Phản ánh thông tin" without logging
in: the form with the photo of the paper record and the captcha, the code from the
text message (the dev inbox), then the tracking code on the status page. The unit's
staff approve it in the admin. The citizen's Tiêm chủng page then shows dose 2 with a
new certificate; /verify/ says the new QR is valid and the old one revoked.
"""

import re

import pytest
from captcha.models import CaptchaStore
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.conftest import new_phone_page, otp_login

# HC1 signing keys, and tasks run in this process (the QR image is drawn by one).
from tests.trust.conftest import csca_dir, eager_tasks, signing_keys  # noqa: F401
from tests.uploads.images import jpeg_bytes
from tests.vaccination.factories import STAFF_PASSWORD, give_dose, make_unit, make_unit_staff
from vaccination.certificates import certificate_text
from vaccination.models import CorrectionRequest, CorrectionStatus, VaccinationCertificate

pytestmark = pytest.mark.e2e

PHONE_LOCAL = "0912345678"  # the citizen fixture's phone


@pytest.fixture
def unit(transactional_db, superuser, ward1):
    return make_unit(by=superuser, area=ward1)


@pytest.fixture
def unit_staff(superuser, unit):
    return make_unit_staff(by=superuser, unit=unit, username="diem-tiem-sai-gon")


def inbox_texts(browser, live_server, phone: str) -> list[str]:
    context, inbox = new_phone_page(browser, live_server)
    inbox.goto(f"/dev/sms/?phone={phone}")
    texts = inbox.locator(".sms-body").all_inner_texts()
    context.close()
    return texts


def verify_status(page, qr_text: str) -> str:
    page.goto("/verify/")
    page.locator("textarea").first.fill(qr_text)
    page.get_by_role("button", name="Kiểm tra").click()
    return page.locator("[data-status]").first.get_attribute("data-status")


def test_a_missing_dose_is_requested_approved_and_its_new_certificate_verifies(
    transactional_db,
    browser,
    live_server,
    dev_inbox,
    citizen,
    citizen_person,
    ward1,
    unit,
    unit_staff,
    settings,
):
    # The login's code follows the request's within a minute: no resend wait here.
    settings.OTP_RESEND_COOLDOWN_SECONDS = 0
    give_dose(citizen_person, unit, lot="NJ0342")
    old = VaccinationCertificate.objects.get(person=citizen_person, status="current")
    old_text = certificate_text(old)

    context, page = new_phone_page(browser, live_server)
    page.goto(reverse("vaccination:correction"))
    expect(page.get_by_role("heading", name="Phản ánh thông tin tiêm chủng")).to_be_visible()
    page.get_by_label("Họ và tên").fill(citizen_person.full_name)
    page.get_by_label("Ngày sinh").fill("14/03/1988")
    page.get_by_label("Nam", exact=True).check()
    page.get_by_label("Số điện thoại di động").fill(PHONE_LOCAL)
    page.get_by_label("Số CCCD / CMND").fill(citizen_person.id_number)
    page.get_by_label("Tỉnh / thành phố").select_option(str(ward1.parent_id))
    page.get_by_label("Phường / xã").select_option(str(ward1.pk))  # area-picker.js filled it
    page.get_by_label("Tôi đã tiêm mũi 2 nhưng chỉ có chứng nhận tiêm mũi 1").check()
    dose2 = page.locator("#dose2")
    dose2.get_by_label("Ngày tiêm").fill("15/10/2021")
    dose2.get_by_label("Vắc xin").select_option("astrazeneca")
    dose2.get_by_label("Số lô").fill("NJ0377")
    dose2.get_by_label("Nơi tiêm", exact=True).select_option(str(unit.pk))
    page.locator("input[type=file][name=photo]").set_input_files(
        {"name": "giay-xac-nhan.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes((1000, 800))}
    )
    key = page.locator("input[name=captcha_0]").input_value()
    page.locator("input[name=captcha_1]").fill(CaptchaStore.objects.get(hashkey=key).response)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Nhận mã OTP").click()

    expect(page.get_by_role("heading", name="Nhập mã xác thực")).to_be_visible()
    assert not CorrectionRequest.objects.exists()  # nothing before the code
    otp_text = inbox_texts(browser, live_server, PHONE_LOCAL)[0]
    page.get_by_label("Mã xác thực (6 số)").fill(re.search(r"\b(\d{6})\b", otp_text).group(1))
    page.get_by_role("button", name="Gửi phản ánh").click()

    request = CorrectionRequest.objects.get()
    expect(page.get_by_role("heading", name=f"Phản ánh {request.tracking_code}")).to_be_visible()
    expect(page.locator("[data-status=pending]")).to_have_text("Đang chờ đơn vị tiêm xử lý")
    assert any(
        request.tracking_code in text for text in inbox_texts(browser, live_server, PHONE_LOCAL)
    )

    staff_context, admin = new_phone_page(browser, live_server)
    admin.goto("/admin/login/")
    admin.get_by_label("Tên đăng nhập").fill(unit_staff.username)
    admin.get_by_label("Mật khẩu").fill(STAFF_PASSWORD)
    admin.get_by_role("button", name="Đăng nhập").click()
    admin.goto(reverse("admin:vaccination_correctionrequest_change", args=[request.pk]))
    expect(admin.get_by_text("NJ0377").first).to_be_visible()
    admin.locator("#approve_form").get_by_role("button", name="Duyệt").click()
    expect(admin.get_by_text(f"Đã duyệt phản ánh {request.tracking_code}")).to_be_visible()
    staff_context.close()
    request.refresh_from_db()
    assert request.status == CorrectionStatus.APPROVED

    # Later, on another phone, the citizen logs in: the doses and the new certificate.
    context.close()
    context, page = new_phone_page(browser, live_server)
    page.goto(reverse("vaccination:home"))  # signed out: the login page, then back here
    otp_login(page, browser, live_server, PHONE_LOCAL)
    expect(page.get_by_role("heading", name="Tiêm chủng")).to_be_visible()
    card = page.locator("article", has_text=citizen_person.full_name)
    expect(card).to_contain_text("NJ0377")
    card.get_by_role("link", name="Xem chứng nhận tiêm chủng và mã QR").click()
    expect(page.get_by_text("CHỨNG NHẬN TIÊM CHỦNG COVID-19")).to_be_visible()
    expect(page.locator("[data-series]")).to_have_text("2/2")
    new_text = page.locator("textarea").first.input_value()
    assert new_text.startswith("HC1:") and new_text != old_text

    assert verify_status(page, new_text) == "valid"
    assert verify_status(page, old_text) == "revoked"
    context.close()
