"""Lab results end to end, the citizen on a phone (390×844).

The lab's staff upload a CSV on the admin page and save its good rows; the "result
ready" text reaches the citizen's phone (the dev inbox); the citizen follows its link,
logs in with an OTP, is taken straight back to the results, opens the result and its
QR, and the verify page says the QR is valid.
"""

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from declarations.labresults.models import LabResult
from declarations.labresults.parsing import RECORD_FIELDS
from khaibao.notify.models import SmsMessage
from tests.declarations.labresults.factories import STAFF_PASSWORD, make_lab, make_lab_staff
from tests.e2e.conftest import new_phone_page

# The trust tests' key folder with an HC1 signing certificate, and tasks run in this
# process (the QR image is drawn by one), for each test (autouse).
from tests.trust.conftest import csca_dir, eager_tasks, signing_keys  # noqa: F401

pytestmark = pytest.mark.e2e

PHONE_LOCAL = "0912345678"  # the citizen fixture's phone, as the lab types it


@pytest.fixture
def lab_a(transactional_db, superuser, province):
    return make_lab(by=superuser, area=province)


@pytest.fixture
def lab_a_staff(superuser, lab_a):
    return make_lab_staff(by=superuser, lab=lab_a, username="xet-nghiem-cho-ray")


def results_csv(person, ward) -> bytes:
    """One negative RT-PCR result of `person`, sampled three hours ago."""
    now = timezone.localtime()
    row = {
        "sample_id": "CR-E2E-0001",
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth.strftime("%d/%m/%Y"),
        "sex": "nam",
        "id_type": "cccd",
        "id_number": person.id_number,
        "phone": PHONE_LOCAL,
        "ward_code": ward.code,
        "street_address": "12 Lê Lợi",
        "test_type": "pcr",
        "result": "negative",
        "sampled_at": (now - datetime.timedelta(hours=3)).strftime("%d/%m/%Y %H:%M"),
        "resulted_at": (now - datetime.timedelta(hours=1)).strftime("%d/%m/%Y %H:%M"),
    }
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(RECORD_FIELDS)
    writer.writerow([row[name] for name in RECORD_FIELDS])
    return buffer.getvalue().encode("utf-8")


def inbox_texts(browser, live_server, phone: str) -> list[str]:
    context, inbox = new_phone_page(browser, live_server)
    inbox.goto(f"/dev/sms/?phone={phone}")
    texts = inbox.locator(".sms-body").all_inner_texts()
    context.close()
    return texts


def upload_as_lab_staff(browser, live_server, staff, content: bytes) -> None:
    context, page = new_phone_page(browser, live_server)
    page.goto("/admin/login/")
    page.get_by_label("Tên đăng nhập").fill(staff.username)
    page.get_by_label("Mật khẩu").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(reverse("admin:declarations_labresult_import"))
    page.locator("input[type=file]").set_input_files(
        {"name": "ket-qua.csv", "mimeType": "text/csv", "buffer": content}
    )
    page.get_by_role("button", name="Tải lên và xem trước").click()
    page.get_by_role("button", name="Lưu các dòng hợp lệ").click()
    expect(page.get_by_text(re.compile(r"Đã lưu: 1 kết quả mới"))).to_be_visible()
    context.close()


def test_lab_uploads_then_the_citizen_sees_the_result_and_its_qr_verifies(
    transactional_db,
    browser,
    live_server,
    dev_inbox,
    citizen,
    citizen_person,
    ward1,
    lab_a,
    lab_a_staff,
):
    upload_as_lab_staff(browser, live_server, lab_a_staff, results_csv(citizen_person, ward1))

    result = LabResult.objects.get(sample_id="CR-E2E-0001")
    assert result.person == citizen_person and result.phone == citizen.phone
    ready = SmsMessage.objects.get(purpose="labresult_ready")
    assert ready.to == citizen.phone
    texts = inbox_texts(browser, live_server, PHONE_LOCAL)
    ready_text = next(text for text in texts if "ket qua xet nghiem" in text)
    link = re.search(r"https?://\S+", ready_text).group(0)
    path = re.sub(r"^https?://[^/]+", "", link)
    assert path == reverse("declarations:labresults-home")

    context, page = new_phone_page(browser, live_server)
    page.goto(path)  # signed out: the login page, then straight back here
    page.get_by_label("Số điện thoại di động").fill(PHONE_LOCAL)
    page.get_by_role("button", name="Nhận mã xác thực").click()
    expect(page.get_by_role("heading", name="Nhập mã xác thực")).to_be_visible()
    otp_text = next(
        text for text in inbox_texts(browser, live_server, PHONE_LOCAL) if "ket qua" not in text
    )
    page.get_by_label("Mã xác thực (6 số)").fill(re.search(r"\b(\d{6})\b", otp_text).group(1))
    page.get_by_role("button", name="Đăng nhập", exact=True).click()

    expect(page.get_by_role("heading", name="Kết quả xét nghiệm")).to_be_visible()
    assert page.url.endswith(path)
    card = page.locator("article", has_text=citizen_person.full_name)
    expect(card.locator("[data-outcome=negative]")).to_have_text("Âm tính")
    expect(card).to_contain_text("RT-PCR")
    expect(card).to_contain_text(lab_a.name)
    card.get_by_role("link", name="Xem kết quả và mã QR").click()

    expect(page.get_by_text("KẾT QUẢ XÉT NGHIỆM COVID-19")).to_be_visible()
    expect(
        page.get_by_text("Kết quả xét nghiệm được xác nhận bằng mã QR có giá trị như bản giấy.")
    ).to_be_visible()
    qr = page.locator("img.kb-qr-image")
    expect(qr).to_be_visible()
    # The worker (run in this process) has drawn the code: the image is the real one.
    page.wait_for_function(
        "document.querySelector('img.kb-qr-image').naturalWidth > 64", timeout=15_000
    )
    qr_text = page.locator("textarea").first.input_value()
    assert qr_text.startswith("HC1:")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto("/verify/")
    page.locator("textarea").first.fill(qr_text)
    page.get_by_role("button", name="Kiểm tra").click()

    expect(page.locator("[data-status]")).to_have_attribute("data-status", "valid")
    expect(page.get_by_text("Hợp lệ", exact=True)).to_be_visible()
    expect(page.get_by_text("Chứng nhận xét nghiệm COVID-19")).to_be_visible()
    expect(page.get_by_text("Âm tính")).to_be_visible()
    context.close()
