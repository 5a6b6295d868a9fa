"""Isolation completion, citizen side: the form from day N, finding a declaration filed
from another phone, and the printable certificate with its signed KB1 QR."""

import datetime
import html
import re
import unicodedata

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from declarations.f0.completion_lookup import lookups_per_hour
from declarations.f0.models import F0Status
from declarations.f0.services import (
    completion_certificate_text,
    f0_completion_confirm,
    f0_completion_refuse,
)
from declarations.kinds import TEST_RESULT_PHOTO
from khaibao.notify.models import SmsMessage
from khaibao.people.ids import Sex
from khaibao.people.models import ManagedPerson, Relationship
from khaibao.trust.services import qr_verify
from khaibao.uploads.models import Photo
from tests.declarations.f0.test_matching import NOON, accepted, declare
from tests.declarations.factories import tray_jpeg
from tests.factories import make_citizen
from tests.uploads.images import uploaded

DAY_N = datetime.date(2026, 11, 29)  # TODAY + F0_ISOLATION_DAYS (7)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _isolation_days(set_rule):
    set_rule("f0_timing", isolation_days=7)


@pytest.fixture(autouse=True)
def _no_lookup_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def case(citizen, citizen_person, ward1_staff):
    """The citizen's own F0 case, accepted by the ward-1 station on 22/11/2026."""
    return accepted(citizen, citizen_person, ward1_staff, contact_phone="+84912345678")


@pytest.fixture
def citizen_client(client, citizen):
    client.account = citizen
    client.force_login(citizen)
    return client


def on_day(clock, day: datetime.date, *clients) -> None:
    """Noon on `day`; the clients sign in again (days later the session has timed out)."""
    clock.move_to(NOON + datetime.timedelta(days=(day - NOON.date()).days))
    for client in clients:
        client.force_login(client.account)


def completion_url(declaration) -> str:
    return reverse("declarations:completion", kwargs={"pk": declaration.pk})


def certificate_url(declaration) -> str:
    return reverse("declarations:certificate", kwargs={"pk": declaration.pk})


def post_completion(client, declaration, *, day=DAY_N, seed=50, photo=True):
    data = {"negative_test_date": day.strftime("%d/%m/%Y")}
    if photo:
        data["photo"] = uploaded(tray_jpeg(seed))
    return client.post(completion_url(declaration), data)


def qr_text_of(response) -> str:
    match = re.search(r"<textarea[^>]*>([^<]+)</textarea>", response.content.decode())
    return html.unescape(match.group(1)).strip()


# --- the completion form ------------------------------------------------------------------


def test_before_day_n_the_page_says_from_which_date_it_opens(citizen_client, case, clock):
    on_day(clock, DAY_N - datetime.timedelta(days=1), citizen_client)

    response = citizen_client.get(completion_url(case))

    assert response.status_code == 200
    assert "Từ ngày <strong>29/11/2026</strong>" in response.content.decode()
    assert "Còn 1 ngày" in response.content.decode()
    assert 'name="photo"' not in response.content.decode()


def test_a_post_before_day_n_changes_nothing(citizen_client, case, clock):
    on_day(clock, DAY_N - datetime.timedelta(days=1), citizen_client)

    response = post_completion(citizen_client, case, day=DAY_N - datetime.timedelta(days=1))

    assert response.status_code == 409
    assert "Từ ngày" in response.content.decode()
    case.refresh_from_db()
    assert case.status == F0Status.ACCEPTED
    assert not SmsMessage.objects.filter(purpose="f0_completion_requested").exists()


def test_on_day_n_a_negative_test_photo_requests_completion(citizen_client, case, clock, citizen):
    on_day(clock, DAY_N, citizen_client)
    assert 'name="photo"' in citizen_client.get(completion_url(case)).content.decode()

    response = post_completion(citizen_client, case)

    assert response.status_code == 302
    assert response["Location"] == reverse("declarations:status", kwargs={"pk": case.pk})
    case.refresh_from_db()
    assert case.status == F0Status.COMPLETION_REQUESTED
    assert case.completion_test_date == DAY_N
    assert case.completion_photo.kind == TEST_RESULT_PHOTO
    assert case.completion_photo.person_id == case.person_id
    assert case.completion_photo.uploaded_by == citizen
    sms = SmsMessage.objects.get(purpose="f0_completion_requested")
    assert sms.to == "+84912345678"
    assert case.case_code in sms.body


def test_without_a_photo_the_form_asks_for_one(citizen_client, case, clock):
    on_day(clock, DAY_N, citizen_client)

    response = post_completion(citizen_client, case, photo=False)

    assert response.status_code == 400
    assert "Hãy chọn hoặc chụp một ảnh." in response.content.decode()
    case.refresh_from_db()
    assert case.status == F0Status.ACCEPTED


def test_a_negative_test_not_after_the_positive_one_is_refused_and_the_photo_kept(
    citizen_client, case, clock
):
    on_day(clock, DAY_N, citizen_client)

    response = post_completion(citizen_client, case, day=case.test_date)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Ngày test âm tính phải sau ngày test dương tính" in page
    kept = Photo.objects.filter(kind=TEST_RESULT_PHOTO, person=case.person).latest("pk")
    assert kept.pk != case.test_photo_id
    assert f'name="photo_id" value="{kept.public_id}"' in page
    case.refresh_from_db()
    assert case.status == F0Status.ACCEPTED


@pytest.mark.parametrize("wrong", ["", "01/13/2026", "30/11/2026"])
def test_the_chosen_photo_is_kept_after_a_validation_error_and_sent_with_the_fix(
    citizen_client, case, clock, wrong
):
    # Issue 17: the completion form dropped the chosen photo on an error; the F0 form
    # keeps it. The citizen only fixes the date and sends again, choosing nothing.
    on_day(clock, DAY_N, citizen_client)

    refused = citizen_client.post(
        completion_url(case), {"negative_test_date": wrong, "photo": uploaded(tray_jpeg(60))}
    )

    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Đã tải ảnh lên." in page
    photo_id = re.search(r'name="photo_id" value="([0-9a-f-]+)"', page).group(1)
    assert f'src="{reverse("uploads:photo", args=[photo_id])}"' in page

    sent = citizen_client.post(
        completion_url(case), {"negative_test_date": "29/11/2026", "photo_id": photo_id}
    )

    assert sent.status_code == 302
    case.refresh_from_db()
    assert case.status == F0Status.COMPLETION_REQUESTED
    assert str(case.completion_photo.public_id) == photo_id


def test_a_photo_id_of_someone_else_is_not_taken(citizen_client, case, clock, ward2_declaration):
    on_day(clock, DAY_N, citizen_client)

    response = citizen_client.post(
        completion_url(case),
        {
            "negative_test_date": "29/11/2026",
            "photo_id": str(ward2_declaration.test_photo.public_id),
        },
    )

    assert response.status_code == 400
    case.refresh_from_db()
    assert case.status == F0Status.ACCEPTED


def test_a_negative_test_in_the_future_is_refused(citizen_client, case, clock):
    on_day(clock, DAY_N, citizen_client)

    response = post_completion(citizen_client, case, day=DAY_N + datetime.timedelta(days=1))

    assert response.status_code == 400
    assert "không thể ở tương lai" in response.content.decode()


def test_a_declaration_still_waiting_for_the_station_says_why(
    citizen_client, citizen, citizen_person, clock
):
    declaration = declare(citizen, citizen_person, contact_phone="+84912345678")
    on_day(clock, DAY_N, citizen_client)

    response = citizen_client.get(completion_url(declaration))

    assert response.status_code == 200
    assert "đang chờ Trạm Y tế tiếp nhận" in response.content.decode()
    assert 'name="photo"' not in response.content.decode()


def test_a_second_submit_says_it_was_already_sent(citizen_client, case, clock):
    on_day(clock, DAY_N, citizen_client)
    post_completion(citizen_client, case)

    response = post_completion(citizen_client, case, seed=51)

    assert response.status_code == 409
    assert "Bạn đã khai báo hoàn thành cách ly ngày 29/11/2026" in response.content.decode()
    assert SmsMessage.objects.filter(purpose="f0_completion_requested").count() == 1


def test_a_refusal_is_shown_on_the_form_for_the_next_try(citizen_client, case, clock, ward1_staff):
    on_day(clock, DAY_N, citizen_client)
    post_completion(citizen_client, case)
    f0_completion_refuse(declaration=case, by=ward1_staff, reason="Ảnh mờ, không thấy vạch test.")

    response = citizen_client.get(completion_url(case))

    assert response.status_code == 200
    assert "Ảnh mờ, không thấy vạch test." in response.content.decode()
    assert 'name="photo"' in response.content.decode()


def test_another_citizen_gets_404_on_completion_and_certificate(
    client, case, clock, ward1_staff, citizen_client
):
    on_day(clock, DAY_N, citizen_client)
    post_completion(citizen_client, case)
    f0_completion_confirm(declaration=case, by=ward1_staff)
    client.force_login(make_citizen(phone="+84987000111"))

    assert client.get(completion_url(case)).status_code == 404
    assert post_completion(client, case).status_code == 404
    assert client.get(certificate_url(case)).status_code == 404


def test_anonymous_visitors_are_sent_to_the_phone_login(client, case):
    response = client.get(completion_url(case))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- the certificate ----------------------------------------------------------------------


def test_no_certificate_before_the_station_confirms(citizen_client, case, clock):
    on_day(clock, DAY_N, citizen_client)
    post_completion(citizen_client, case)

    assert citizen_client.get(certificate_url(case)).status_code == 404


def test_the_confirmed_certificate_shows_the_case_and_a_valid_signed_qr(
    citizen_client, case, clock, ward1_staff
):
    on_day(clock, DAY_N, citizen_client)
    post_completion(citizen_client, case)
    f0_completion_confirm(declaration=case, by=ward1_staff)
    case.refresh_from_db()

    response = citizen_client.get(certificate_url(case))

    assert response.status_code == 200
    page = response.content.decode()
    assert "GIẤY XÁC NHẬN HOÀN THÀNH CÁCH LY" in page
    assert "Nguyễn Văn An" in page and "14/03/1988" in page
    assert case.case_code in page
    assert "từ ngày 22/11/2026 đến ngày 29/11/2026" in page
    assert "Trạm Y tế Phường Sài Gòn" in page
    assert "In giấy xác nhận" in page
    assert "css/print.css" in page and 'media="print"' in page
    assert "/verify/" in page
    text = qr_text_of(response)
    assert text.startswith("KB1:")
    assert text == completion_certificate_text(case)
    verification = qr_verify(text)
    assert verification.status == "valid"
    assert verification.kind == "KB1:completion"
    assert verification.claims["cert_id"] == case.certificate_id
    assert verification.claims["case"] == case.case_code
    assert verification.claims["from"] == "2026-11-22"
    assert verification.claims["to"] == "2026-11-29"
    assert verification.claims["name"] == "Nguyễn Văn An"
    assert case.person.id_number not in str(verification.claims)
    sms = SmsMessage.objects.get(purpose="f0_completed")
    assert case.case_code in sms.body


def test_the_certificate_shows_the_same_qr_text_on_every_view(
    citizen_client, case, clock, ward1_staff
):
    on_day(clock, DAY_N, citizen_client)
    post_completion(citizen_client, case)
    f0_completion_confirm(declaration=case, by=ward1_staff)

    first = qr_text_of(citizen_client.get(certificate_url(case)))
    on_day(clock, DAY_N + datetime.timedelta(days=30), citizen_client)
    later = qr_text_of(citizen_client.get(certificate_url(case)))

    assert first == later
    assert qr_verify(later).status == "valid"


def test_confirming_stores_whole_seconds_as_the_certificates_issue_time(
    citizen_client, case, clock, ward1_staff
):
    on_day(clock, DAY_N, citizen_client)
    clock.shift(datetime.timedelta(microseconds=654321))
    post_completion(citizen_client, case)

    f0_completion_confirm(declaration=case, by=ward1_staff)

    case.refresh_from_db()
    assert case.completed_at.microsecond == 0
    assert qr_verify(completion_certificate_text(case)).claims["issued_at"] == (
        case.completed_at.isoformat()
    )


# --- finding a declaration filed from another phone ---------------------------------------

FIND_URL = reverse("declarations:completion-find")


@pytest.fixture
def other_phone_client(client, db):
    """The patient's own phone: not the account that filed the declaration."""
    account = make_citizen(phone="+84987000222")
    client.force_login(account)
    client.account = account
    return client


def find_form(**changes):
    data = {
        "full_name": unicodedata.normalize("NFD", "NGUYỄN  VĂN   AN"),
        "date_of_birth": "14/03/1988",
        "sex": Sex.MALE,
        "id_number": "",
        "phone": "+84 912 345 678",
    }
    return {**data, **changes}


def test_an_nfd_name_and_a_plus84_phone_find_the_case_and_link_the_person(
    other_phone_client, case, clock
):
    response = other_phone_client.post(FIND_URL, find_form())

    assert response.status_code == 302
    assert response["Location"] == completion_url(case)
    link = ManagedPerson.objects.get(account=other_phone_client.account, person=case.person)
    assert link.relationship == Relationship.OTHER
    on_day(clock, DAY_N, other_phone_client)
    page = other_phone_client.get(completion_url(case))
    assert page.status_code == 200
    assert 'name="photo"' in page.content.decode()


def test_a_person_already_on_the_account_keeps_its_relationship(citizen_client, citizen, case):
    response = citizen_client.post(FIND_URL, find_form(phone="0912.345.678"))

    assert response.status_code == 302
    assert ManagedPerson.objects.get(account=citizen, person=case.person).relationship == (
        Relationship.SELF
    )


def test_a_real_mismatch_names_the_group_and_shows_no_stored_data(other_phone_client, case):
    response = other_phone_client.post(
        FIND_URL, find_form(full_name="Nguyễn Văn Bảo", id_number="079088001234")
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Kiểm tra lại họ tên và ngày sinh" in page
    assert "Bệnh nhân không tồn tại" not in page
    for stored in (case.case_code, case.person.id_number, "0912 345 678", "Nguyễn Văn An"):
        assert stored not in page
    assert not ManagedPerson.objects.filter(account=other_phone_client.account).exists()


def test_a_wrong_phone_for_the_right_person_names_the_phone(other_phone_client, case):
    response = other_phone_client.post(FIND_URL, find_form(phone="0912 000 111"))

    assert response.status_code == 400
    assert "Kiểm tra lại số điện thoại" in response.content.decode()
    assert case.case_code not in response.content.decode()


def test_neither_id_nor_phone_is_a_form_error(other_phone_client, case):
    response = other_phone_client.post(FIND_URL, find_form(phone="", id_number="000000000"))

    assert response.status_code == 400
    assert "Nhập số giấy tờ hoặc số điện thoại" in response.content.decode()


def test_lookups_are_limited_per_account_per_hour(other_phone_client, case):
    for _ in range(lookups_per_hour()):
        wrong = other_phone_client.post(FIND_URL, find_form(phone="0912 000 111"))
        assert wrong.status_code == 400

    response = other_phone_client.post(FIND_URL, find_form())

    assert response.status_code == 429
    assert "Hãy thử lại sau một giờ" in response.content.decode()
    assert not ManagedPerson.objects.filter(account=other_phone_client.account).exists()


def test_the_lookup_limit_is_per_account(other_phone_client, client, case, citizen):
    for _ in range(lookups_per_hour() + 1):
        other_phone_client.post(FIND_URL, find_form(phone="0912 000 111"))
    client.force_login(citizen)

    assert client.post(FIND_URL, find_form()).status_code == 302


def test_a_child_without_id_is_found_with_000000000_and_the_parents_phone(
    other_phone_client, citizen, relative, ward1_staff
):
    child_case = accepted(
        citizen, relative, ward1_staff, contact_phone="+84912345678", relationship="child", seed=9
    )

    response = other_phone_client.post(
        FIND_URL,
        find_form(
            full_name="nguyen thi binh",
            date_of_birth="02/09/2016",
            sex=Sex.FEMALE,
            id_number="000 000 000",
            phone="0912345678",
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == completion_url(child_case)


def test_the_find_form_needs_a_signed_in_citizen(client):
    response = client.get(FIND_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_verify_page_shows_the_case_and_isolation_dates_of_a_certificate(
    citizen_client, case, clock, ward1_staff
):
    on_day(clock, DAY_N, citizen_client)
    post_completion(citizen_client, case)
    f0_completion_confirm(declaration=case, by=ward1_staff)
    case.refresh_from_db()
    text = completion_certificate_text(case)

    page = citizen_client.post(reverse("trust:verify"), {"qr": text}).content.decode()

    assert "Hợp lệ" in page and "Chứng nhận hoàn thành cách ly" in page
    assert case.case_code in page
    assert "22/11/2026" in page and "29/11/2026" in page
