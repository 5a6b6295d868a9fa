"""Status texts with two phones (issue 17, defects 2 and 3): a son declares for his mother
and gives her phone as the contact. Both phones get each text; each text's link opens on
the phone that got it: the son's on the status page, the mother's on the lookup, which
finds the declaration and adds her to her own account."""

import re

import pytest
from playwright.sync_api import Page, expect

from declarations.f0.services import f0_accept
from khaibao.people.models import ManagedPerson, Relationship
from tests.declarations.factories import make_declaration, tray_jpeg
from tests.e2e.conftest import new_phone_page, otp_login, sign_in, texts_on_phone
from tests.e2e.test_f0_flow import family, write_jpeg  # noqa: F401  (a fixture)
from tests.factories import make_citizen

pytestmark = pytest.mark.e2e

SON = "0912000888"
MOTHER = "0912000777"


@pytest.fixture
def accepted_for_mother(family, ward1_staff, tmp_path, settings, live_server, set_rule):  # noqa: F811
    """test_f0_flow's family: the son's account declared for his mother, giving her phone
    as the contact; the station accepted it."""
    settings.KHAIBAO_PUBLIC_URL = live_server.url
    set_rule("f0_timing", isolation_days=7)
    son, mother = family["account"], family["mother"]

    declaration = make_declaration(
        person=mother,
        account=son,
        relationship=Relationship.PARENT,
        test_content=tray_jpeg(21),
        contact_phone="+84912000777",
    )
    f0_accept(declaration=declaration, by=ward1_staff)
    declaration.refresh_from_db()
    return {"son": son, "mother": mother, "declaration": declaration}


def link_in(text: str, live_server) -> str:
    return re.search(rf"{re.escape(live_server.url)}\S+", text).group(0)


def test_both_phones_get_the_texts_and_each_link_opens_on_its_phone(
    browser, live_server, dev_inbox, accepted_for_mother
):
    declaration = accepted_for_mother["declaration"]
    mother = accepted_for_mother["mother"]

    # The son's phone: the "received" and "accepted" texts, the link opens the status page.
    son_context, son_page = new_phone_page(browser, live_server)
    son_texts = texts_on_phone(son_page, SON)
    accepted = next(text for text in son_texts if declaration.case_code in text)
    assert any("Da nhan khai bao F0" in text for text in son_texts)
    sign_in(son_page, accepted_for_mother["son"], live_server)
    son_page.goto(link_in(accepted, live_server))
    expect(
        son_page.get_by_role("heading", name=f"Khai báo F0 của {mother.full_name}")
    ).to_be_visible()
    expect(son_page.locator("[data-case-code]")).to_have_text(declaration.case_code)
    son_context.close()

    # The mother's phone: the same texts; her link leads to the lookup, through the login.
    context, page = new_phone_page(browser, live_server)
    mother_texts = texts_on_phone(page, MOTHER)
    accepted = next(text for text in mother_texts if declaration.case_code in text)
    assert f"/f0/{declaration.pk}/" not in accepted
    page.goto(link_in(accepted, live_server))
    expect(page.get_by_role("heading", name="Đăng nhập bằng số điện thoại")).to_be_visible()
    otp_login(page, browser, live_server, MOTHER)
    expect(
        page.get_by_role("heading", name="Tìm khai báo F0 được gửi từ số điện thoại khác")
    ).to_be_visible()
    page.get_by_label("Họ và tên người bệnh").fill("le thi hong nhung")
    page.get_by_label("Ngày sinh").fill("19/08/1961")
    page.get_by_label("Nữ", exact=True).check()
    page.get_by_label("Số điện thoại đã khai báo").fill("0912 000 777")
    page.get_by_role("button", name="Tìm khai báo").click()

    expect(page.get_by_text(f"Đã tìm thấy khai báo F0 của {mother.full_name}")).to_be_visible()
    expect(page.get_by_text(declaration.case_code)).to_be_visible()
    assert ManagedPerson.objects.filter(account__phone="+84912000777", person=mother).exists()
    # From now on the status page opens on her phone too.
    page.goto(f"/f0/{declaration.pk}/")
    expect(page.locator("[data-case-code]")).to_have_text(declaration.case_code)
    context.close()


def test_the_lookup_is_linked_from_the_f0_start_page(page: Page, live_server, transactional_db):
    account = make_citizen(phone="+84912000777")
    sign_in(page, account, live_server)

    page.goto("/f0/")
    page.get_by_role("link", name="Tìm khai báo F0 bằng họ tên, ngày sinh và số điện thoại").click()

    expect(
        page.get_by_role("heading", name="Tìm khai báo F0 được gửi từ số điện thoại khác")
    ).to_be_visible()
    page.goto("/f0/hoi-dap/")
    expect(page.get_by_role("link", name="Tìm khai báo F0", exact=True)).to_have_attribute(
        "href", "/f0/hoan-thanh/tim/"
    )
