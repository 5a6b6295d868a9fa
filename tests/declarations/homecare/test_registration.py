"""Self-registration for home care (seed 002, part 1): the form, the OTP sent by the
login's own machinery, the pending enrolment, and what the citizen reads after."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from declarations.homecare.models import CareSource, CareStatus, HomeCarePatient
from declarations.homecare.registration import SESSION_REGISTRATION
from declarations.homecare.services import homecare_register
from khaibao.accounts.models import OtpChallenge, OtpStatus, User
from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.notify.models import SmsMessage
from khaibao.people.ids import IdType, Sex
from khaibao.people.models import ManagedPerson, Person, Relationship
from tests.factories import cccd_for, make_person

PHONE = "0913 222 333"
E164 = "+84913222333"
DOB = datetime.date(1990, 3, 14)
ID_NUMBER = cccd_for(DOB, Sex.FEMALE)
TAKE_HOME_CARE = "Bạn có dấu hiệu không phù hợp để chăm sóc tại nhà"


@pytest.fixture(autouse=True)
def _clean_cache():
    """The OTP limits count in the cache: each test starts with none used."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def answers(place, **changes) -> dict:
    """Step 1 as a citizen fills it: a 36-year-old woman, mild symptoms, nothing that
    rules home care out."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    data = {
        "full_name": "Trần Thị Mai",
        "date_of_birth": DOB.strftime("%d/%m/%Y"),
        "sex": Sex.FEMALE,
        "id_type": IdType.CCCD,
        "id_number": ID_NUMBER,
        "relationship": Relationship.SELF,
        "onset_date": yesterday.strftime("%d/%m/%Y"),
        "health_status": "mild",
        "spo2": "98",
        "breathing_rate": "16",
        "vaccine_doses": "3",
        "has_carer": "yes",
        "province": str(place.parent_id),
        "ward": str(place.pk),
        "village": "",
        "isolation_street": "45 Nguyễn Huệ",
        "contact_phone": PHONE,
    }
    data.update(changes)
    return data


def register(client, data):
    return client.post(reverse("declarations:homecare-register"), data)


def sent_code(phone=E164) -> str:
    body = SmsMessage.objects.filter(to=phone, purpose="otp").latest("created_at", "id").body
    return re.search(r"\b(\d{6})\b", body).group(1)


def submit_code(client, code):
    return client.post(reverse("declarations:homecare-register-verify"), {"code": code})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# -- the happy path ---------------------------------------------------------------------------


def test_a_citizen_registers_with_the_otp_and_the_enrolment_waits_for_the_station(client, ward1):
    response = register(client, answers(ward1))

    assert response.status_code == 302
    assert response["Location"] == reverse("declarations:homecare-register-verify")
    assert not HomeCarePatient.objects.exists()
    assert client.session[SESSION_REGISTRATION]["phone"] == E164
    page = client.get(response["Location"]).content.decode()
    assert "0913 222 333" in page and "Trần Thị Mai" in page
    assert TAKE_HOME_CARE not in page

    response = submit_code(client, sent_code())

    patient = HomeCarePatient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "declarations:homecare-register-done", kwargs={"pk": patient.pk}
    )
    assert (patient.status, patient.source) == (CareStatus.PENDING, CareSource.SELF)
    assert (patient.area, patient.street, patient.phone) == (ward1, "45 Nguyễn Huệ", E164)
    assert patient.onset_date == timezone.localdate() - datetime.timedelta(days=1)
    assert patient.screening_flags == []
    assert patient.screening["spo2"] == 98
    assert patient.screening["breathing_rate"] == 16
    assert patient.screening["vaccine_doses"] == 3
    assert patient.screening["has_carer"] is True
    assert patient.screening["health_status"] == "mild"
    # Signed in with the phone, as the login does; the person is the account's own.
    account = User.objects.get(phone=E164)
    assert client.session["_auth_user_id"] == str(account.pk)
    assert patient.registered_by == account
    assert (patient.person.full_name, patient.person.id_number) == ("Trần Thị Mai", ID_NUMBER)
    link = ManagedPerson.objects.get(account=account)
    assert (link.person, link.relationship) == (patient.person, Relationship.SELF)
    assert OtpChallenge.objects.get(phone=E164).status == OtpStatus.USED
    assert SESSION_REGISTRATION not in client.session
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="declarations.homecarepatient"
    ).exists()

    page = client.get(response["Location"]).content.decode()
    assert "Đã gửi đăng ký, chờ Trạm Y tế xác nhận" in page
    assert "tin nhắn SMS có đường dẫn" in page
    assert "mã OTP gửi bằng tin nhắn (không có mật khẩu)" in page
    assert TAKE_HOME_CARE not in page


def test_flagged_answers_say_call_115_at_once_and_the_flags_are_stored(client, ward1):
    data = answers(ward1, spo2="93", has_carer="no", danger_symptoms=["short_of_breath"])

    register(client, data)
    # Before the code is even typed: the danger is said on the code's page.
    page = client.get(reverse("declarations:homecare-register-verify")).content.decode()
    assert TAKE_HOME_CARE in page
    assert 'href="tel:115"' in page
    response = submit_code(client, sent_code())

    patient = HomeCarePatient.objects.get()
    assert patient.screening_flags == ["danger_signs", "spo2_low", "no_carer"]
    assert patient.screening["danger_symptoms"] == ["short_of_breath"]
    page = client.get(response["Location"]).content.decode()
    assert TAKE_HOME_CARE in page
    assert "liên hệ Trạm Y tế hoặc gọi 115 ngay" in page
    assert 'href="tel:115"' in page
    for label in ("Có dấu hiệu nguy hiểm", "SpO2 thấp", "Không có người chăm sóc"):
        assert label in page


def test_a_child_without_an_id_is_registered_with_a_parents_phone(client, ward1):
    five = timezone.localdate().replace(year=timezone.localdate().year - 5, day=1)
    data = answers(
        ward1,
        full_name="Trần Minh Khang",
        date_of_birth=five.strftime("%d/%m/%Y"),
        sex=Sex.MALE,
        id_number="000000000",
        relationship=Relationship.CHILD,
    )

    register(client, data)
    submit_code(client, sent_code())

    person = HomeCarePatient.objects.get().person
    assert (person.id_type, person.id_number) == (IdType.NONE, "")
    assert ManagedPerson.objects.get(person=person).relationship == Relationship.CHILD


# -- bad input --------------------------------------------------------------------------------


def _tomorrow() -> str:
    return (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d/%m/%Y")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"spo2": "150"}, "Nhập một số từ 50 đến 100.", id="spo2-150"),
        pytest.param({"onset_date": "tomorrow"}, "không thể sau hôm nay", id="future-test-date"),
        pytest.param({"contact_phone": "0912"}, "Số điện thoại không hợp lệ", id="invalid-phone"),
        pytest.param(
            {"contact_phone": "024 3825 1234"}, "Đây không phải số di động", id="landline"
        ),
        pytest.param({"id_number": ""}, "Người từ 15 tuổi", id="adult-without-id"),
        pytest.param({"has_carer": ""}, "Chọn có hoặc không.", id="carer-unanswered"),
        pytest.param(
            {"pregnancy_weeks": "20", "sex": Sex.MALE}, "Người bệnh là nam", id="pregnant-man"
        ),
    ],
)
def test_bad_input_is_a_400_in_vietnamese_and_nothing_is_saved_or_sent(
    client, ward1, changes, message
):
    if changes.get("onset_date") == "tomorrow":
        changes = {**changes, "onset_date": _tomorrow()}
    persons = Person.objects.count()

    response = register(client, answers(ward1, **changes))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not HomeCarePatient.objects.exists()
    assert Person.objects.count() == persons
    assert not SmsMessage.objects.exists()
    assert SESSION_REGISTRATION not in client.session


def test_the_ward_list_follows_the_province_without_javascript_and_nothing_is_sent(
    client, ward1, ward2
):
    data = answers(ward1, ward="", spo2="150", _refresh="1")

    response = register(client, data)

    page = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{ward2.pk}">Phường Tân Định</option>' in page
    assert 'value="Trần Thị Mai"' in page
    assert "Nhập một số từ 50 đến 100." not in page  # not checked until it is sent
    assert not SmsMessage.objects.exists()


def test_the_captcha_is_asked_past_the_threshold_and_no_code_is_sent_without_it(
    client, ward1, set_rule
):
    set_rule("login", captcha_after_per_ip=0)

    response = register(client, answers(ward1))

    assert response.status_code == 400
    assert "Nhập các ký tự trong hình" in response.content.decode()
    assert not SmsMessage.objects.exists()


# -- the code -----------------------------------------------------------------------------


def test_a_wrong_code_keeps_every_answer_and_the_right_one_then_registers(client, ward1):
    register(client, answers(ward1, spo2="97"))
    code = sent_code()

    response = submit_code(client, wrong(code))

    assert response.status_code == 400
    page = response.content.decode()
    assert "Mã không đúng. Bạn còn 4 lần thử." in page
    assert "Trần Thị Mai" in page
    assert "_auth_user_id" not in client.session
    assert not HomeCarePatient.objects.exists()
    # "Sửa thông tin đăng ký" shows the answers as typed.
    form = client.get(reverse("declarations:homecare-register")).content.decode()
    assert 'value="Trần Thị Mai"' in form and 'value="97"' in form

    response = submit_code(client, code)

    assert response.status_code == 302
    assert HomeCarePatient.objects.get().screening["spo2"] == 97


def test_fixing_an_answer_after_the_code_was_sent_keeps_that_code(client, ward1):
    register(client, answers(ward1))
    code = sent_code()

    response = register(client, answers(ward1, full_name="Trần Thị Ngọc Mai"))

    assert response.status_code == 302
    assert SmsMessage.objects.filter(to=E164, purpose="otp").count() == 1
    submit_code(client, code)
    assert HomeCarePatient.objects.get().person.full_name == "Trần Thị Ngọc Mai"


def test_another_browser_asking_for_the_same_phone_at_once_is_told_to_wait(client, ward1):
    register(client, answers(ward1))

    other = client.__class__()
    response = register(other, answers(ward1))

    assert response.status_code == 429
    assert "Vui lòng đợi" in response.content.decode()
    assert SmsMessage.objects.filter(to=E164, purpose="otp").count() == 1


def test_the_code_page_without_step_1_goes_back_to_the_form(client, db):
    response = client.get(reverse("declarations:homecare-register-verify"))

    assert response.status_code == 302
    assert response["Location"] == reverse("declarations:homecare-register")


# -- signed in ----------------------------------------------------------------------------


def _own_answers(person, ward, **changes) -> dict:
    return answers(
        ward,
        full_name=person.full_name,
        date_of_birth=person.date_of_birth.strftime("%d/%m/%Y"),
        sex=person.sex,
        id_number=person.id_number,
        contact_phone="0912 345 678",
        **changes,
    )


def test_signed_in_with_the_same_phone_registers_at_once_without_a_code(
    client, citizen, citizen_person, ward1
):
    client.force_login(citizen)
    persons = Person.objects.count()

    response = register(client, _own_answers(citizen_person, ward1))

    patient = HomeCarePatient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "declarations:homecare-register-done", kwargs={"pk": patient.pk}
    )
    assert patient.person == citizen_person
    assert Person.objects.count() == persons
    assert not SmsMessage.objects.filter(purpose="otp").exists()


def test_the_form_starts_with_the_signed_in_citizens_own_details(client, citizen, citizen_person):
    client.force_login(citizen)

    page = client.get(reverse("declarations:homecare-register")).content.decode()

    assert 'value="Nguyễn Văn An"' in page
    assert 'value="0912 345 678"' in page
    assert "Gửi đăng ký" in page


def test_signed_in_with_another_phone_needs_that_phones_code_and_switches_account(
    client, citizen, ward1
):
    client.force_login(citizen)

    register(client, answers(ward1))
    response = submit_code(client, sent_code())

    account = User.objects.get(phone=E164)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(account.pk)
    assert HomeCarePatient.objects.get().registered_by == account


# -- an open enrolment ------------------------------------------------------------------------


def _enrol(person, account):
    return homecare_register(
        person=person,
        account=account,
        area=person.area,
        street="12 Lê Lợi",
        phone=account.phone,
        onset_date=timezone.localdate(),
        answers={"has_carer": True},
    )


def test_a_person_already_enrolled_gets_a_clear_message_and_nothing_is_saved(
    client, citizen, citizen_person, ward1
):
    _enrol(citizen_person, citizen)
    client.force_login(citizen)

    response = register(client, _own_answers(citizen_person, ward1))

    assert response.status_code == 409
    assert "đã có một đăng ký chăm sóc tại nhà" in response.content.decode()
    assert HomeCarePatient.objects.count() == 1


def test_an_enrolled_person_registered_again_from_another_phone_leaves_no_new_link(
    client, village1, ward1
):
    mai = make_person(area=village1, full_name="Trần Thị Mai", date_of_birth=DOB, sex=Sex.FEMALE)
    first = User.objects.create(username="+84987000111", phone="+84987000111")
    _enrol(mai, first)

    register(client, answers(ward1, id_number=mai.id_number))
    response = submit_code(client, sent_code())

    assert response.status_code == 409
    assert "không cần đăng ký lại" in response.content.decode()
    assert HomeCarePatient.objects.count() == 1
    assert Person.objects.filter(full_name="Trần Thị Mai").count() == 1
    assert not ManagedPerson.objects.filter(account__phone=E164).exists()
    assert SESSION_REGISTRATION not in client.session
