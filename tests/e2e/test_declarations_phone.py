"""On a phone (390×844, JavaScript on): the entry declaration for self and a child from a
ward without villages, and the BHYT look-up answering in place."""

import datetime

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from checkpoints.declaring.models import EntryDeclaration
from khaibao.people.models import Relationship
from tests.checkpoints.test_citizen_pages import day
from tests.e2e.conftest import sign_in
from tests.factories import make_citizen, make_person


def test_on_a_phone_a_parent_declares_a_trip_for_self_and_child_from_a_ward_without_villages(
    page, live_server, transactional_db, citizen, citizen_person, relative, village1, other_ward
):
    today = timezone.localdate()
    sign_in(page, citizen, live_server)
    page.goto(reverse("checkpoints:home"))
    page.get_by_role("link", name="Khai báo vào tỉnh", exact=True).click()
    # The pickers' script runs once the page has loaded (deferred).
    page.wait_for_load_state("load")

    page.locator(f"#person-{relative.public_id}").check()
    page.get_by_label("Nơi đi: tỉnh / thành phố").select_option(str(other_ward.parent_id))
    # area-picker.js fills the ward list; the ward has no villages, so the name is typed.
    page.locator("select[name='origin-ward']").select_option(str(other_ward.pk))
    typed = page.get_by_label("Thôn / tổ dân phố", exact=True)
    expect(typed).to_be_visible()
    expect(page.locator("select[name='origin-village']")).to_be_hidden()
    typed.fill("Thôn Đông")
    page.get_by_label("Ngày khởi hành").fill(day(today))
    page.get_by_label("Ngày đến").fill(day(today))
    page.get_by_label("Phương tiện").select_option("car")
    page.get_by_role("button", name="Gửi khai báo").click()

    expect(page.get_by_role("heading", name="Đã khai báo vào tỉnh")).to_be_visible()
    expect(page.locator("article[data-entry]")).to_have_count(2)
    expect(page.get_by_text("Nơi đi: Thôn Đông, Phường Hoàn Kiếm, Thành phố Hà Nội")).to_have_count(
        2
    )
    rows = EntryDeclaration.objects.all()
    assert {row.person_id for row in rows} == {citizen_person.pk, relative.pk}
    assert {(row.origin_area_id, row.origin_village_text) for row in rows} == {
        (other_ward.pk, "Thôn Đông")
    }


def test_on_a_phone_a_bhyt_card_number_ticks_the_child_without_leaving_the_page(
    page, live_server, transactional_db, citizen, citizen_person, village1, ward2_person
):
    """checkpoints-declare.js: the look-up answers in place (test_bhyt.py has the rest)."""
    from khaibao.people.services import person_link_to_account, person_update

    child = make_person(
        area=village1,
        full_name="Nguyễn Minh Khôi",
        date_of_birth=datetime.date(2019, 6, 1),
        id_type="health_ins",
        id_number="HS4790000000001",
    )
    person_link_to_account(account=citizen, person=child, relationship=Relationship.CHILD)
    make_citizen(phone="+84987654321", person=ward2_person)
    person_update(person=ward2_person, health_insurance_number="GD4790999999999")
    sign_in(page, citizen, live_server)
    page.goto(reverse("checkpoints:entry-declare"))
    box = page.get_by_label("Số thẻ bảo hiểm y tế")

    box.fill("GD4790999999999")
    page.get_by_role("button", name="Tìm theo số thẻ BHYT").click()
    expect(
        page.get_by_text("Không tìm thấy số thẻ này trong danh sách người bạn quản lý.")
    ).to_be_visible()

    box.fill("HS4790000000001")
    box.press("Enter")
    result = page.locator("[data-bhyt-result]")
    expect(result).to_contain_text("Đã chọn người có số thẻ này:")
    expect(result).to_contain_text("Nguyễn Minh Khôi")
    expect(result).to_contain_text("01/06/2019")
    expect(page.locator(f"#person-{child.public_id}")).to_be_checked()
    assert page.url.endswith(reverse("checkpoints:entry-declare"))
    assert not EntryDeclaration.objects.exists()
