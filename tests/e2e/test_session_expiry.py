"""The login expires while a citizen types the F0 declaration (issue 17, defect 5).

What was typed after the last draft save used to be lost while the expiry page promised
nothing was: now the page says at once that the login is gone, keeps what is typed in
the tab, and after logging in again in the same tab puts it all back and saves it."""

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import Page, expect

from declarations.f0.models import F0Draft
from tests.declarations.f0.test_citizen_declare import declare_url, use_private_media
from tests.e2e.conftest import otp_login, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    return use_private_media(settings, tmp_path)


def is_draft_save(response) -> bool:
    return response.url.endswith("/nhap/") and response.request.method == "POST"


def test_text_typed_after_the_login_expired_is_back_after_logging_in_again(
    page: Page, browser, live_server, transactional_db, dev_inbox, citizen, citizen_person
):
    sign_in(page, citizen, live_server)
    page.goto(declare_url(citizen_person))
    with page.expect_response(is_draft_save):
        page.get_by_label("Số nhà, đường").fill("7 Pasteur")
    expect(page.locator("[data-draft-status]")).to_contain_text("Đã lưu nháp lúc")

    # The login expires (idle timeout, or the session is gone) while the page stays open.
    Session.objects.all().delete()
    with page.expect_response(is_draft_save) as refused:
        page.get_by_label("Số nhà, đường").fill("7 Pasteur, phòng 12")
        page.get_by_label("Bệnh nền khác (nếu có)").fill("Hen suyễn")
    assert refused.value.status == 403
    status = page.locator("[data-draft-status]")
    expect(status).to_contain_text("Phiên đăng nhập đã hết")
    expect(status).to_contain_text("vẫn được giữ trên trình duyệt này")

    # The citizen presses "Gửi khai báo" anyway: the login page, then back to the form.
    page.get_by_role("button", name="Gửi khai báo").click()
    expect(page.get_by_role("heading", name="Đăng nhập bằng số điện thoại")).to_be_visible()
    with page.expect_response(is_draft_save) as saved:
        otp_login(page, browser, live_server, "0912 345 678")
    assert saved.value.status == 200

    expect(page.get_by_label("Số nhà, đường")).to_have_value("7 Pasteur, phòng 12")
    expect(page.get_by_label("Bệnh nền khác (nếu có)")).to_have_value("Hen suyễn")
    expect(status).to_contain_text("Đã điền lại những gì bạn nhập")
    draft = F0Draft.objects.get(person=citizen_person)
    assert draft.data["isolation_street"] == "7 Pasteur, phòng 12"
    assert draft.data["other_conditions"] == "Hen suyễn"


def test_a_new_visit_after_the_kept_text_was_saved_shows_the_server_draft_only(
    page: Page, live_server, transactional_db, citizen, citizen_person
):
    """What the tab keeps is dropped once the server has it: another phone's later
    changes to the same draft are not overwritten by this tab."""
    sign_in(page, citizen, live_server)
    page.goto(declare_url(citizen_person))
    with page.expect_response(is_draft_save):
        page.get_by_label("Số nhà, đường").fill("7 Pasteur")
    expect(page.locator("[data-draft-status]")).to_contain_text("Đã lưu nháp lúc")
    draft = F0Draft.objects.get(person=citizen_person)
    draft.data = {**draft.data, "isolation_street": "9 Lý Tự Trọng"}  # typed on another phone
    draft.save()

    page.reload()

    expect(page.get_by_label("Số nhà, đường")).to_have_value("9 Lý Tự Trọng")
    expect(page.locator("[data-draft-status]")).not_to_contain_text("Đã điền lại")
