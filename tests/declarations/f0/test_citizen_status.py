"""After the submit: the status page, "remind the station", fix and resubmit, the FAQ."""

import datetime

import pytest
from django.urls import reverse

from declarations.f0.models import F0Declaration, F0Status, RejectReason
from declarations.f0.services import f0_accept, f0_reject
from declarations.kinds import TEST_RESULT_PHOTO
from khaibao.accounts.models import StaffProfile
from khaibao.notify.models import SmsMessage
from tests.declarations.f0.test_citizen_declare import (
    TODAY,
    address,
    file_declaration,
    frozen_at_noon,
    tray_jpeg,
    upload,
    use_private_media,
)
from tests.factories import make_citizen
from tests.uploads.images import uploaded


@pytest.fixture(autouse=True)
def clock():
    with frozen_at_noon() as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    return use_private_media(settings, tmp_path)


@pytest.fixture
def declaration(citizen, citizen_person):
    return file_declaration(citizen, citizen_person)


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


def later(clock, client, account, delta: datetime.timedelta) -> None:
    """Time passes; the citizen, logged out meanwhile, signs in again."""
    clock.shift(delta)
    client.logout()
    client.force_login(account)


def url(name: str, declaration) -> str:
    return reverse(f"declarations:{name}", kwargs={"pk": declaration.pk})


def resubmit_data(declaration, **overrides) -> dict:
    """The resubmit form as it comes prefilled: the same photos, the same answers."""
    return {
        "test_date": declaration.test_date.strftime("%d/%m/%Y"),
        "test_type": declaration.test_type,
        "test_photo_id": str(declaration.test_photo.public_id),
        "id_photo_id": str(declaration.id_photo.public_id),
        **address(declaration.isolation_area),
        "isolation_street": declaration.isolation_street,
        "contact_phone": "0912 345 678",
        **overrides,
    }


# -- the status page ------------------------------------------------------------------------


def test_a_submitted_declaration_shows_the_station_the_deadline_and_the_history(
    citizen_client, declaration, ward1_staff
):
    StaffProfile.objects.filter(user=ward1_staff).update(unit_name="Trạm Y tế phường Sài Gòn")

    response = citizen_client.get(url("status", declaration))

    text = response.content.decode()
    assert response.status_code == 200
    assert "Chờ Trạm Y tế xác nhận" in text
    assert "Gửi lúc 12:00 22/11/2026" in text
    assert "cần xác nhận trước 12:00 23/11/2026" in text
    assert "Trạm Y tế phường Sài Gòn" in text
    assert '<a href="tel:1022">1022</a>' in text
    assert f'action="{url("remind", declaration)}"' in text
    assert 'data-event="submitted"' in text
    assert "Sửa và gửi lại" not in text


def test_without_a_station_profile_the_ward_is_named(citizen_client, declaration):
    text = citizen_client.get(url("status", declaration)).content.decode()

    assert "Trạm Y tế Phường Sài Gòn" in text


def test_an_accepted_declaration_shows_its_case_code(citizen_client, declaration, ward1_staff):
    f0_accept(declaration=declaration, by=ward1_staff)

    text = citizen_client.get(url("status", declaration)).content.decode()

    declaration.refresh_from_db()
    assert "Đã được tiếp nhận" in text
    assert f"<strong data-case-code>{declaration.case_code}</strong>" in text
    assert "Từ ngày 29/11/2026, khai báo hoàn thành cách ly" in text
    assert "Nhắc Trạm Y tế" not in text
    assert "(Trạm Y tế)" in text  # the station's decision in the history


def test_a_rejected_declaration_shows_the_reason_the_note_and_the_fix_button(
    citizen_client, declaration, ward1_staff
):
    f0_reject(
        declaration=declaration,
        by=ward1_staff,
        reason=RejectReason.TEST_PHOTO_INVALID,
        note="Khay test chưa ghi họ tên",
    )

    text = citizen_client.get(url("status", declaration)).content.decode()

    assert "Bị từ chối, cần bổ sung" in text
    assert "Ảnh kết quả test không có họ tên, ngày test hoặc không đúng" in text
    assert "Khay test chưa ghi họ tên" in text
    assert f'href="{url("resubmit", declaration)}">Sửa và gửi lại' in text


# -- remind the station ---------------------------------------------------------------------


def test_remind_before_the_deadline_goes_to_the_station(citizen_client, declaration, clock):
    clock.shift(datetime.timedelta(hours=3))

    response = citizen_client.post(url("remind", declaration), follow=True)

    text = response.content.decode()
    assert response.redirect_chain == [(url("status", declaration), 302)]
    assert "Đã nhắc Trạm Y tế Phường Sài Gòn." in text
    assert "Nếu đến 12:00 23/11/2026 vẫn chưa có kết quả" in text
    assert "Bạn đã nhắc Trạm Y tế lúc 15:00 22/11/2026." in text
    declaration.refresh_from_db()
    assert declaration.reminded_at is not None
    assert declaration.escalated_at is None
    assert declaration.events.last().note == "Người dân nhắc Trạm Y tế"


def test_remind_after_the_deadline_is_escalated_to_the_province(
    citizen_client, citizen, declaration, clock, settings
):
    later(clock, citizen_client, citizen, datetime.timedelta(hours=24, minutes=1))
    assert "lời nhắc sẽ được chuyển lên Sở Y tế" in (
        citizen_client.get(url("status", declaration)).content.decode()
    )

    response = citizen_client.post(url("remind", declaration), follow=True)

    text = response.content.decode()
    assert "Đã quá 24 giờ mà Trạm Y tế chưa xác nhận" in text
    assert "Lời nhắc đã được chuyển lên Sở Y tế lúc 12:01 23/11/2026." in text
    declaration.refresh_from_db()
    assert declaration.escalated_at is not None


def test_the_escalation_delay_follows_the_rule_in_force(
    citizen_client, citizen, declaration, clock, set_rule
):
    set_rule("f0_timing", decision_hours=4)
    later(clock, citizen_client, citizen, datetime.timedelta(hours=3))
    citizen_client.post(url("remind", declaration))
    declaration.refresh_from_db()
    assert declaration.escalated_at is None

    later(clock, citizen_client, citizen, datetime.timedelta(hours=1))
    citizen_client.post(url("remind", declaration))

    declaration.refresh_from_db()
    assert declaration.escalated_at is not None


def test_remind_after_a_decision_only_says_so(citizen_client, declaration, ward1_staff):
    f0_accept(declaration=declaration, by=ward1_staff)

    response = citizen_client.post(url("remind", declaration), follow=True)

    assert "Khai báo này đã được Trạm Y tế xử lý." in response.content.decode()
    declaration.refresh_from_db()
    assert declaration.reminded_at is None


# -- fix and resubmit -------------------------------------------------------------------------


@pytest.fixture
def rejected(declaration, ward1_staff):
    f0_reject(declaration=declaration, by=ward1_staff, reason=RejectReason.PHOTO_UNREADABLE)
    declaration.refresh_from_db()
    return declaration


def test_the_resubmit_form_comes_prefilled_with_the_photos_sent_before(citizen_client, rejected):
    response = citizen_client.get(url("resubmit", rejected))

    text = response.content.decode()
    assert response.status_code == 200
    assert "Ảnh không rõ, không đọc được" in text
    assert 'value="22/11/2026"' in text
    assert 'value="12 Lê Lợi"' in text
    for photo in (rejected.test_photo, rejected.id_photo):
        assert f'value="{photo.public_id}"' in text
        assert f'src="/photos/{photo.public_id}/"' in text


def test_resubmitting_with_the_same_photos_sends_it_back_to_the_station(citizen_client, rejected):
    photos = (rejected.test_photo_id, rejected.id_photo_id)

    response = citizen_client.post(
        url("resubmit", rejected), resubmit_data(rejected, test_type="pcr")
    )

    assert response.status_code == 302
    assert response["Location"] == url("status", rejected)
    rejected.refresh_from_db()
    assert rejected.status == F0Status.SUBMITTED
    assert (rejected.test_photo_id, rejected.id_photo_id) == photos
    assert (rejected.test_type, rejected.reject_reason) == ("pcr", "")
    assert SmsMessage.objects.filter(purpose="f0_submitted").count() == 2
    assert F0Declaration.objects.count() == 1
    text = citizen_client.get(response["Location"]).content.decode()
    assert "Đã gửi lại khai báo." in text
    assert "Gửi lại sau khi bổ sung" in text


def test_resubmitting_with_a_new_test_photo_replaces_only_that_one(citizen_client, rejected):
    new_photo = upload(citizen_client, rejected.person, tray_jpeg(42)).json()["id"]
    id_photo = rejected.id_photo_id

    citizen_client.post(url("resubmit", rejected), resubmit_data(rejected, test_photo_id=new_photo))

    rejected.refresh_from_db()
    assert str(rejected.test_photo.public_id) == new_photo
    assert rejected.id_photo_id == id_photo


def test_resubmitting_without_javascript_takes_a_new_photo_with_the_form(citizen_client, rejected):
    data = resubmit_data(rejected, test_photo=uploaded(tray_jpeg(43)))

    response = citizen_client.post(url("resubmit", rejected), data)

    assert response.status_code == 302
    rejected.refresh_from_db()
    assert rejected.test_photo.kind == TEST_RESULT_PHOTO
    assert str(rejected.test_photo.public_id) != data["test_photo_id"]


def test_the_no_javascript_ward_list_on_resubmit_keeps_the_answers_without_errors(
    citizen_client, rejected, other_province, other_ward
):
    data = resubmit_data(rejected, province=str(other_province.pk), isolation_street="9 Tràng Tiền")

    response = citizen_client.post(url("resubmit", rejected), {**data, "_refresh": "1"})

    text = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{other_ward.pk}">Phường Hoàn Kiếm</option>' in text
    assert 'value="9 Tràng Tiền"' in text
    assert f'value="{rejected.test_photo.public_id}"' in text
    assert "Chưa gửi được" not in text
    rejected.refresh_from_db()
    assert rejected.status == F0Status.REJECTED


def test_the_original_test_date_may_stay_after_the_window_but_a_new_one_may_not(
    citizen_client, citizen, rejected, clock
):
    later(clock, citizen_client, citizen, datetime.timedelta(days=4))

    new_date = citizen_client.post(
        url("resubmit", rejected), resubmit_data(rejected, test_date="21/11/2026")
    )
    same_date = citizen_client.post(url("resubmit", rejected), resubmit_data(rejected))

    assert new_date.status_code == 400
    assert "Đã quá thời hạn khai báo kết quả test này" in new_date.content.decode()
    assert same_date.status_code == 302
    rejected.refresh_from_db()
    assert (rejected.status, rejected.test_date) == (F0Status.SUBMITTED, TODAY)


def test_a_declaration_that_is_not_rejected_has_nothing_to_resubmit(citizen_client, declaration):
    response = citizen_client.post(url("resubmit", declaration), resubmit_data(declaration))

    assert response.status_code == 302
    assert response["Location"] == url("status", declaration)
    assert SmsMessage.objects.filter(purpose="f0_submitted").count() == 1


# -- someone else's declaration ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, method",
    [("status", "get"), ("remind", "post"), ("resubmit", "get"), ("resubmit", "post")],
)
def test_another_citizen_gets_404(client, rejected, name, method):
    client.force_login(make_citizen(phone="+84987000333"))

    response = getattr(client, method)(url(name, rejected))

    assert response.status_code == 404
    rejected.refresh_from_db()
    assert (rejected.status, rejected.reminded_at) == (F0Status.REJECTED, None)


def test_a_relative_managed_by_the_account_is_visible(citizen_client, citizen, relative):
    declaration = file_declaration(citizen, relative)

    assert citizen_client.get(url("status", declaration)).status_code == 200


def test_staff_do_not_use_the_citizen_status_page(client, declaration, ward1_staff):
    client.force_login(ward1_staff)

    response = client.get(url("status", declaration))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# -- the FAQ ------------------------------------------------------------------------------------


def test_the_faq_answers_the_seeds_eleven_questions_for_this_portal(client, db, settings):
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024

    response = client.get(reverse("declarations:faq"))

    text = response.content.decode()
    assert response.status_code == 200
    for number in range(1, 12):
        assert f'<section id="q{number}"' in text
        assert f'href="#q{number}"' in text
    assert "https" in text
    assert "Mỗi ảnh tối đa 10 MB" in text
    assert "Nhắc Trạm Y tế" in text
    assert "Sửa và gửi lại" in text
    assert "trong ngày test hoặc 2 ngày sau đó" in text
