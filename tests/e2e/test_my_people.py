"""My people on a phone (issue 17, defect 1): adding "a relative" with your own details
leads to your own record, still "Bản thân"; nothing is rewritten."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from khaibao.people.ids import Sex
from khaibao.people.models import ManagedPerson, Relationship
from tests.e2e.conftest import sign_in
from tests.e2e.test_citizen_login_qr import choose_address
from tests.factories import make_citizen, make_person

pytestmark = pytest.mark.e2e


def test_adding_yourself_as_a_relative_keeps_your_own_record(
    page: Page, live_server, transactional_db, province, ward1, village1
):
    me = make_person(
        area=village1,
        full_name="Đặng Thị Mai",
        date_of_birth=datetime.date(1992, 7, 9),
        sex=Sex.FEMALE,
        phone="0912000010",
    )
    account = make_citizen(phone="+84912000010", person=me)
    sign_in(page, account, live_server)

    page.goto("/nguoi-than/")
    page.get_by_role("link", name="Thêm người thân").click()
    # The relationship is left as the form offers it ("Con"), as in the report.
    expect(page.get_by_label("Quan hệ với bạn")).to_have_value("child")
    page.get_by_label("Họ và tên").fill("Đặng Thị Mai")
    page.get_by_label("Ngày sinh").fill("09/07/1992")
    page.get_by_label("Nữ", exact=True).check()
    page.get_by_label("Loại giấy tờ").select_option("cccd")
    page.get_by_label("Số giấy tờ").fill(me.id_number)
    choose_address(page, province, ward1, village1)
    page.get_by_role("button", name="Lưu", exact=True).click()

    expect(page.get_by_role("heading", name="Người thân của tôi")).to_be_visible()
    expect(
        page.get_by_text("Đặng Thị Mai đã có trong danh sách của bạn (Bản thân).")
    ).to_be_visible()
    cards = page.locator(".kb-person")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Bản thân")
    expect(cards.first).not_to_contain_text("Con ·")
    link = ManagedPerson.objects.get(account=account)
    assert (link.person_id, link.relationship) == (me.pk, Relationship.SELF)
