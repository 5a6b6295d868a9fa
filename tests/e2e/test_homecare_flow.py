"""Home care end to end on a phone (390×844), on a clock that moves a day on.

1. An accepted F0 patient sends a normal report; the next day a SpO2 of 93 is measured
   again, stays 93, and the red call-now page shows. The ward station's board shows
   the red row, the staff user acknowledges the alert with a note, and the patient's
   chart shows both days.
2. Self-registration: the form, the OTP from the dev inbox, the station accepts, the
   SMS with the link reaches the phone, the patient logs in with OTP and reports.
"""

import datetime
import re

import pytest
import time_machine
from playwright.sync_api import Page, expect

from declarations.f0.services import f0_accept
from declarations.homecare.models import Alert, AlertStatus, CareStatus, HomeCarePatient
from khaibao.notify.models import SmsMessage
from tests.conftest import STAFF_PASSWORD
from tests.declarations.factories import make_declaration
from tests.declarations.homecare.factories import make_unit
from tests.e2e.conftest import new_phone_page
from tests.e2e.test_citizen_login_qr import choose_address, read_code_from_dev_inbox
from tests.e2e.test_f0_flow import sign_in

pytestmark = pytest.mark.e2e

VN = datetime.timezone(datetime.timedelta(hours=7))
DAY_1 = datetime.datetime(2026, 12, 1, 8, 0, tzinfo=VN)
STATION_PHONE = "+842838221234"


@pytest.fixture
def clock():
    with time_machine.travel(DAY_1, tick=True) as traveller:
        yield traveller


@pytest.fixture
def station(transactional_db, ward1):
    return make_unit(area=ward1, name="Trạm Y tế phường Sài Gòn", phone=STATION_PHONE)


@pytest.fixture
def dev_inbox(settings, set_rule):
    settings.SMS_BACKEND = "khaibao.notify.backends.DatabaseBackend"
    settings.SMS_DEV_INBOX = True
    set_rule("login", captcha_after_per_ip=100)


def staff_sign_in(browser, live_server, staff):
    context, page = new_phone_page(browser, live_server)
    page.goto("/admin/login/")
    page.get_by_label("Tên đăng nhập").fill(staff.username)
    page.get_by_label("Mật khẩu").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    return context, page


def fill_report(page: Page, *, temperature: str, spo2: str, pulse: str, breathing: str) -> None:
    page.get_by_label("1. Nhiệt độ (°C)").fill(temperature)
    page.get_by_label("2. SpO2 (%)").fill(spo2)
    page.get_by_label("3. Mạch (lần/phút)").fill(pulse)
    page.get_by_label("4. Nhịp thở (lần/phút)").fill(breathing)
    page.locator("input[name=chest_pain][value=no]").check()


def test_f0_patient_reports_then_a_low_spo2_reaches_the_station(
    browser, live_server, clock, citizen, citizen_person, ward1_staff, station
):
    declaration = make_declaration(person=citizen_person, account=citizen)
    f0_accept(declaration=declaration, by=ward1_staff)
    patient = HomeCarePatient.objects.get(person=citizen_person)

    context, page = new_phone_page(browser, live_server)
    sign_in(page, citizen, live_server)
    page.goto("/cham-soc/")
    page.get_by_role("link", name="Gửi báo cáo sức khoẻ").first.click()
    fill_report(page, temperature="37,2", spo2="98", pulse="82", breathing="18")
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.get_by_text("Không có dấu hiệu nguy hiểm.")).to_be_visible()

    clock.move_to(DAY_1 + datetime.timedelta(days=1, minutes=30))
    sign_in(page, citizen, live_server)  # the idle session of yesterday is gone
    page.goto(f"/cham-soc/{patient.pk}/bao-cao/")
    fill_report(page, temperature="37,8", spo2="93", pulse="96", breathing="19")
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.get_by_role("heading", name="Đo lại SpO2 sau 1 phút")).to_be_visible()
    assert not Alert.objects.exists()  # nothing is filed before the second reading
    page.get_by_label("SpO2 đo lại (%)").fill("93")
    page.get_by_role("button", name="Gửi báo cáo").click()

    expect(page.get_by_role("heading", name="Gọi 115 hoặc Trạm Y tế ngay")).to_be_visible()
    expect(page.locator('a[href="tel:115"]').first).to_be_visible()
    expect(page.locator(f'a[href="tel:{STATION_PHONE}"]')).to_be_visible()
    alert = Alert.objects.get()
    assert alert.report.spo2 == 93 and alert.report.spo2_first == 93
    assert SmsMessage.objects.filter(purpose="homecare_alert", to=STATION_PHONE).count() == 1

    staff_context, staff = staff_sign_in(browser, live_server, ward1_staff)
    staff.goto("/admin/declarations/homecarepatient/")
    row = staff.locator("#result_list tbody tr").first
    expect(row).to_contain_text(citizen_person.full_name)
    expect(row).to_contain_text("93")
    expect(row.locator(".hc-state-danger")).to_be_visible()
    staff.goto(f"/admin/declarations/homecarepatient/{patient.pk}/change/")
    expect(staff.locator("#hc-open-alerts")).to_contain_text("SpO2 thấp (93%)")
    staff.get_by_label("Đã xử lý thế nào").fill("Đã gọi, hướng dẫn nằm sấp, chuyển BV quận 1")
    staff.get_by_role("button", name="Lưu xử lý").click()
    expect(staff.get_by_text(re.compile("Đã ghi xử lý cảnh báo của"))).to_be_visible()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert alert.acknowledged_by == ward1_staff

    # Both days are on the patient's chart (staff page and the patient's own history).
    staff.goto(f"/admin/declarations/homecarepatient/{patient.pk}/change/")
    staff_chart = staff.locator(".hc-chart svg")
    expect(staff_chart).to_contain_text("01/12")
    expect(staff_chart).to_contain_text("02/12")
    staff_context.close()
    page.goto(f"/cham-soc/{patient.pk}/lich-su/")
    chart = page.locator("svg").first
    expect(chart).to_contain_text("01/12")
    expect(chart).to_contain_text("02/12")
    expect(page.locator("table tbody tr")).to_have_count(2)
    context.close()


def test_self_registration_then_the_station_accepts_and_the_patient_reports(
    browser, live_server, clock, dev_inbox, province, ward1, village1, ward1_staff, station
):
    context, page = new_phone_page(browser, live_server)
    page.goto("/cham-soc/dang-ky/")
    page.get_by_label("Họ và tên người bệnh").fill("Phạm Thị Mai")
    page.get_by_label("Ngày sinh").fill("12/07/1992")
    page.get_by_label("Nữ").check()
    page.get_by_label("Số giấy tờ").fill("079192000123")
    page.get_by_label("Ngày xét nghiệm dương tính").fill("30/11/2026")
    page.get_by_label("Không có triệu chứng").check()
    page.get_by_label("SpO2 (%)").fill("98")
    page.get_by_label("Nhịp thở (lần/phút)").fill("16")
    page.locator("input[name=has_carer][value=yes]").check()
    choose_address(page, province, ward1, village1)
    page.get_by_label("Số nhà, đường").fill("45 Nguyễn Huệ")
    page.get_by_label("Số điện thoại di động").fill("0903 456 789")
    page.get_by_role("button", name="Nhận mã OTP").click()

    code = read_code_from_dev_inbox(browser, live_server, "+84903456789")
    page.get_by_label("Mã xác thực (6 số)").fill(code)
    page.get_by_role("button", name="Gửi đăng ký").click()
    expect(page.get_by_text("chờ Trạm Y tế xác nhận", exact=False)).to_be_visible()
    patient = HomeCarePatient.objects.get(person__full_name="Phạm Thị Mai")
    assert patient.status == CareStatus.PENDING and patient.screening_flags == []
    context.close()

    staff_context, staff = staff_sign_in(browser, live_server, ward1_staff)
    staff.goto(f"/admin/declarations/homecarepatient/{patient.pk}/change/")
    staff.get_by_role("button", name="Tiếp nhận", exact=True).click()
    expect(staff.get_by_text(re.compile("Đã tiếp nhận Phạm Thị Mai"))).to_be_visible()
    staff_context.close()

    sms = SmsMessage.objects.get(purpose="homecare_accepted")
    assert sms.to == "+84903456789"
    assert "/cham-soc/" in sms.body and "ma OTP" in sms.body
    assert "mat khau" not in sms.body.lower()

    # The link in the SMS, opened on the phone an hour later: log in with OTP, report.
    clock.move_to(DAY_1 + datetime.timedelta(hours=1))
    context, page = new_phone_page(browser, live_server)
    page.goto(re.search(r"(/cham-soc/\S*)", sms.body).group(1))
    page.get_by_label("Số điện thoại di động").fill("0903456789")
    page.get_by_role("button", name="Nhận mã xác thực").click()
    code = read_code_from_dev_inbox(browser, live_server, "+84903456789")
    page.get_by_label("Mã xác thực (6 số)").fill(code)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.get_by_role("link", name="Gửi báo cáo sức khoẻ").first.click()
    fill_report(page, temperature="36,9", spo2="97", pulse="76", breathing="16")
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.get_by_text("Không có dấu hiệu nguy hiểm.")).to_be_visible()
    assert patient.reports.count() == 1
    context.close()
