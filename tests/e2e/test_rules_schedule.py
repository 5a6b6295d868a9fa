"""A province admin lengthens isolation from 7 to 10 days from tomorrow, on a phone; the
next day the citizen's completion page shows the later date. The live server runs on a
frozen clock that is moved a day on."""

import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from declarations.f0.services import f0_accept
from khaibao.rules.models import RuleVersion
from tests.conftest import STAFF_PASSWORD
from tests.declarations.factories import make_declaration
from tests.e2e.conftest import new_phone_page
from tests.e2e.test_f0_flow import sign_in

pytestmark = pytest.mark.e2e

# 09:00 on Wednesday 02/12/2026 in Vietnam.
START = datetime.datetime(2026, 12, 2, 2, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=True) as traveller:
        yield traveller


@pytest.fixture
def accepted(transactional_db, clock, citizen, citizen_person, ward1_staff):
    declaration = make_declaration(person=citizen_person, account=citizen)
    return f0_accept(declaration=declaration, by=ward1_staff)


def test_a_scheduled_isolation_change_reaches_the_citizen_the_next_day(
    browser, live_server, clock, accepted, citizen, province_admin
):
    staff_context, staff = new_phone_page(browser, live_server)
    staff.goto("/admin/login/")
    staff.get_by_label("Tên đăng nhập").fill(province_admin.username)
    staff.get_by_label("Mật khẩu").fill(STAFF_PASSWORD)
    staff.get_by_role("button", name="Đăng nhập").click()
    staff.goto("/admin/rules/ruleversion/add/")
    staff.get_by_role("link", name="Khai báo F0: thời hạn").click()

    expect(staff.get_by_label("Có hiệu lực từ ngày")).to_have_value("03/12/2026")
    staff.get_by_label("Số ngày cách ly trước khi khai báo hoàn thành").fill("10")
    staff.get_by_label("Văn bản căn cứ").fill("QĐ 1234/QĐ-SYT ngày 01/12/2026")
    staff.get_by_role("button", name="Xem trước").click()
    preview = staff.locator("#kb-preview")
    expect(preview).to_contain_text("7 ngày → 10 ngày")
    expect(preview).to_contain_text("1 người đang cách ly sẽ có ngày được khai báo hoàn thành mới")
    staff.get_by_role("button", name="Lên lịch phiên bản này").click()
    expect(
        staff.get_by_text("Đã lên lịch phiên bản 1, có hiệu lực từ 00:00 03/12/2026.")
    ).to_be_visible()
    staff_context.close()
    assert (
        RuleVersion.objects.get(province=province_admin.staff_profile.area).values["isolation_days"]
        == 10
    )

    citizen_context, page = new_phone_page(browser, live_server)
    sign_in(page, citizen, live_server)
    page.goto(f"/f0/{accepted.pk}/hoan-thanh/")
    expect(
        page.get_by_text("Từ ngày 09/12/2026 bạn có thể khai báo hoàn thành cách ly.")
    ).to_be_visible()

    clock.move_to(START + datetime.timedelta(days=1))
    sign_in(page, citizen, live_server)  # a day later the idle session is long gone
    page.goto(f"/f0/{accepted.pk}/hoan-thanh/")

    expect(
        page.get_by_text("Từ ngày 12/12/2026 bạn có thể khai báo hoàn thành cách ly.")
    ).to_be_visible()
    expect(page.get_by_text("QĐ 1234/QĐ-SYT ngày 01/12/2026")).to_be_visible()
    citizen_context.close()
