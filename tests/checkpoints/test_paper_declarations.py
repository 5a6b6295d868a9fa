"""Paper declarations ("khai báo giấy") typed in by checkpoint and ward staff: the person
found or created, the declaration filed as staff-entered, audited, the QR's link sent by
SMS; bad input refused in Vietnamese with nothing saved."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from checkpoints.declaring.links import access_url
from checkpoints.declaring.models import EntryDeclaration, HealthDeclaration, Source
from checkpoints.declaring.paper import PaperPerson, SelfDeclaredStatus, paper_entry_file
from checkpoints.declaring.services import Trip
from khaibao.accounts.models import StaffProfile
from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.notify.models import SmsMessage
from khaibao.people.ids import IdType, Sex
from khaibao.people.models import Person
from tests.checkpoints.conftest import days_from_today, policy_row, today
from tests.concurrency import at_once
from tests.factories import cccd_for

ENTRY_ADD = reverse("admin:checkpoints_entrydeclaration_add")
ENTRY_FILED = reverse("admin:checkpoints_entrydeclaration_paper_filed")
HEALTH_ADD = reverse("admin:checkpoints_healthdeclaration_add")
HEALTH_FILED = reverse("admin:checkpoints_healthdeclaration_paper_filed")
BIRTH = datetime.date(1985, 4, 12)


def _day(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


@pytest.fixture
def paper(province, ward1, village1, other_province, other_ward, origin_village):
    """paper(**changes): what a paper entry form says, as posted."""

    def _paper(**changes):
        data = {
            "submission_key": str(uuid.uuid4()),
            "full_name": "Phạm Thị Hoa",
            "date_of_birth": _day(BIRTH),
            "sex": Sex.FEMALE,
            "id_type": IdType.CCCD,
            "id_number": cccd_for(BIRTH, Sex.FEMALE, "001"),
            "phone": "0903 222 333",
            "street_address": "",
            "origin_province": other_province.pk,
            "origin_ward": other_ward.pk,
            "origin_village": origin_village.pk,
            "origin_street": "8 Hàng Đào",
            "departed_on": _day(today()),
            "arrival_on": _day(days_from_today(1)),
            "means": "coach",
            "vehicle_number": "29b-123.45",
            "destination_province": province.pk,
            "destination_ward": ward1.pk,
            "destination_village": village1.pk,
            "destination_street": "5 Lê Lợi",
            "vaccine_doses": "2",
            "last_dose_on": _day(datetime.date(2021, 9, 1)),
            "test_outcome": "",
        }
        data.update(changes)
        return {key: value for key, value in data.items() if value is not None}

    return _paper


def _counts():
    return (
        Person.objects.count(),
        EntryDeclaration.objects.count(),
        HealthDeclaration.objects.count(),
        SmsMessage.objects.count(),
        AuditEvent.objects.filter(action=AuditAction.CREATE).count(),
    )


# -- entry declarations -----------------------------------------------------------------


def test_a_checkpoint_officer_files_a_paper_entry_for_a_new_person(
    client, checkpoint_officer, paper, village1, ward1, origin_village, publish_policy
):
    publish_policy([policy_row(origin_village, "central_quarantine", 14)])
    client.force_login(checkpoint_officer)

    form = client.get(ENTRY_ADD)
    response = client.post(ENTRY_ADD, paper())

    assert form.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == ENTRY_FILED
    person = Person.objects.get(full_name="Phạm Thị Hoa")
    assert (person.date_of_birth, person.sex, person.phone) == (BIRTH, "F", "+84903222333")
    # No residence written: the person lives where they come from.
    assert person.area == origin_village
    declaration = EntryDeclaration.objects.get(person=person)
    assert declaration.entered_by_staff is True
    assert declaration.declared_by == checkpoint_officer
    assert (declaration.destination_area, declaration.destination_ward) == (village1, ward1)
    assert declaration.vehicle_number == "29B-123.45"
    assert (declaration.vaccination_source, declaration.vaccine_doses) == (Source.SELF, 2)
    assert (declaration.policy_measure, declaration.policy_days) == ("central_quarantine", 14)
    event = AuditEvent.objects.get(
        action=AuditAction.CREATE, object_type="checkpoints.entrydeclaration"
    )
    assert (event.actor, event.person, event.area) == (checkpoint_officer, person, ward1)
    assert event.detail == {"entered_by_staff": True}
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="people.person", actor=checkpoint_officer
    ).exists()
    [sms] = SmsMessage.objects.all()
    assert sms.to == "+84903222333"
    assert access_url(declaration) in sms.body
    assert "PHAM THI HOA" in sms.body.upper()


def test_the_filed_page_shows_the_policy_and_where_the_sms_went(
    client, checkpoint_officer, paper, origin_village, publish_policy
):
    publish_policy([policy_row(origin_village, "self_monitor", 7)])
    client.force_login(checkpoint_officer)

    response = client.post(ENTRY_ADD, paper(), follow=True)

    page = response.content.decode()
    declaration = EntryDeclaration.objects.get()
    assert response.status_code == 200
    assert "Phạm Thị Hoa" in page
    assert "Tự theo dõi sức khoẻ tại nhà 7 ngày" in page
    assert "đã được xếp gửi tới 0903 222 333" in page
    assert access_url(declaration) in page
    # The checkpoint files papers but does not read the province's arrivals.
    assert reverse("admin:checkpoints_entrydeclaration_change", args=[declaration.pk]) not in page


def test_without_a_phone_no_sms_is_sent_and_the_page_says_to_print_the_qr(
    client, checkpoint_officer, paper
):
    client.force_login(checkpoint_officer)

    response = client.post(ENTRY_ADD, paper(phone=""), follow=True)

    declaration = EntryDeclaration.objects.get()
    assert (declaration.contact_phone, declaration.entered_by_staff) == ("", True)
    assert SmsMessage.objects.count() == 0
    assert "Không có số điện thoại: không gửi tin nhắn" in response.content.decode()


def test_two_children_without_id_on_paper_become_two_persons(client, ward1_staff, paper):
    child = today().replace(year=today().year - 6, day=1)
    client.force_login(ward1_staff)

    for name in ("Phạm Minh Khôi", "Phạm Minh Khang"):
        response = client.post(
            ENTRY_ADD,
            paper(
                full_name=name,
                date_of_birth=_day(child),
                sex=Sex.MALE,
                id_type=IdType.CCCD,
                id_number="000000000",
                vaccine_doses="0",
            ),
        )
        assert response.status_code == 302

    children = Person.objects.filter(date_of_birth=child).order_by("full_name")
    assert [(p.full_name, p.id_type, p.id_number) for p in children] == [
        ("Phạm Minh Khang", IdType.NONE, ""),
        ("Phạm Minh Khôi", IdType.NONE, ""),
    ]
    assert EntryDeclaration.objects.filter(person__in=children).count() == 2
    assert SmsMessage.objects.filter(to="+84903222333").count() == 2


def test_a_person_already_on_file_is_found_not_created_again(client, ward1_staff, paper):
    client.force_login(ward1_staff)
    client.post(ENTRY_ADD, paper(arrival_on=_day(today())))

    response = client.post(ENTRY_ADD, paper(full_name="PHẠM THỊ HOA", phone="0903222333"))

    assert response.status_code == 302
    assert Person.objects.filter(name_key="pham thi hoa").count() == 1
    assert EntryDeclaration.objects.filter(person__name_key="pham thi hoa").count() == 2


def test_the_same_page_posted_twice_files_once(client, ward1_staff, paper):
    client.force_login(ward1_staff)
    data = paper()

    first = client.post(ENTRY_ADD, data)
    second = client.post(ENTRY_ADD, data)

    assert first.status_code == second.status_code == 302
    assert EntryDeclaration.objects.count() == 1
    assert SmsMessage.objects.count() == 1


def test_ward_staff_may_file_for_another_ward_of_the_province_which_then_owns_it(
    client, ward1_staff, paper, ward2, village2
):
    client.force_login(ward1_staff)

    response = client.post(
        ENTRY_ADD, paper(destination_ward=ward2.pk, destination_village=village2.pk), follow=True
    )

    declaration = EntryDeclaration.objects.get()
    assert declaration.destination_ward == ward2
    change = reverse("admin:checkpoints_entrydeclaration_change", args=[declaration.pk])
    assert change not in response.content.decode()
    assert client.get(change).status_code == 404


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"full_name": ""}, "Nhập họ và tên."),
        ({"full_name": "Hoa 123"}, "Họ và tên chỉ gồm chữ cái"),
        ({"date_of_birth": "31/02/1985"}, "Nhập ngày dạng ngày/tháng/năm"),
        ({"date_of_birth": "_future"}, "Ngày sinh không thể ở tương lai."),
        ({"origin_ward": "999999", "origin_village": ""}, "Chọn trong danh sách"),
        ({"id_number": "12345"}, "Số căn cước / CCCD phải gồm đúng 12 chữ số."),
        ({"phone": "0243 123 456"}, None),
        ({"means": ""}, "Chọn phương tiện."),
        ({"vehicle_number": ""}, "Ghi số hiệu chuyến bay, chuyến tàu hoặc biển số xe khách."),
        ({"origin_ward": "", "origin_village": ""}, "Chọn phường / xã."),
        ({"departed_on": "_tomorrow2", "arrival_on": "_tomorrow"}, "Ngày đến không thể trước"),
        ({"arrival_on": "_far"}, "Chỉ khai báo trước ngày đến tối đa"),
        ({"origin_village_text": "Thôn Tây"}, "Đã chọn thôn / tổ trong danh sách"),
        ({"destination_ward": "", "destination_village": ""}, "Chọn phường / xã."),
        ({"submission_key": ""}, "Trang đã cũ"),
    ],
)
def test_bad_input_is_a_400_in_vietnamese_and_saves_nothing(
    client, checkpoint_officer, paper, changes, message
):
    dates = {
        "_tomorrow": _day(days_from_today(1)),
        "_tomorrow2": _day(days_from_today(2)),
        "_far": _day(days_from_today(60)),
        "_future": _day(days_from_today(30)),
    }
    changes = {key: dates.get(value, value) for key, value in changes.items()}
    client.force_login(checkpoint_officer)
    before = _counts()

    response = client.post(ENTRY_ADD, paper(**changes))

    assert response.status_code == 400
    page = response.content.decode()
    assert "Vui lòng sửa lỗi bên dưới." in page
    if message:
        assert message in page
    assert _counts() == before


def test_an_origin_in_the_destinations_province_is_refused(
    client, checkpoint_officer, paper, province, ward2, village2
):
    client.force_login(checkpoint_officer)

    response = client.post(
        ENTRY_ADD,
        paper(origin_province=province.pk, origin_ward=ward2.pk, origin_village=village2.pk),
    )

    assert response.status_code == 400
    assert "dùng khai báo y tế trong tỉnh" in response.content.decode()
    assert EntryDeclaration.objects.count() == 0


def test_a_destination_outside_the_staff_province_is_refused(
    client, checkpoint_officer, paper, other_province, other_ward, province, ward1, village1
):
    client.force_login(checkpoint_officer)
    before = _counts()

    response = client.post(
        ENTRY_ADD,
        paper(
            origin_province=province.pk,
            origin_ward=ward1.pk,
            origin_village=village1.pk,
            destination_province=other_province.pk,
            destination_ward=other_ward.pk,
            destination_village="",
        ),
    )

    assert response.status_code == 400
    assert "Chọn trong danh sách" in response.content.decode()
    assert _counts() == before


def test_the_service_refuses_a_destination_outside_the_staff_province_before_any_person(
    checkpoint_officer, other_ward, village1
):
    before = _counts()

    with pytest.raises(ValidationError) as refused:
        paper_entry_file(
            by=checkpoint_officer,
            person=PaperPerson(
                full_name="Lê Văn Tâm",
                date_of_birth=BIRTH,
                sex=Sex.MALE,
                id_type=IdType.CCCD,
                id_number=cccd_for(BIRTH, Sex.MALE),
                phone="",
                area=village1,
            ),
            trip=Trip(
                origin_area=village1,
                departed_on=today(),
                arrival_on=today(),
                means="car",
                destination_area=other_ward,
            ),
            status=SelfDeclaredStatus(),
            submission_key=uuid.uuid4(),
        )

    assert refused.value.error_dict["destination_area"][0].code == "outside_province"
    assert _counts() == before


def test_the_refresh_button_fills_the_lists_and_saves_nothing(
    client, ward1_staff, paper, other_province, other_ward
):
    client.force_login(ward1_staff)

    response = client.post(
        ENTRY_ADD,
        paper(full_name="", origin_ward="", origin_village="", _refresh="1"),
    )

    assert response.status_code == 200
    assert "Vui lòng sửa lỗi" not in response.content.decode()
    wards = response.context["form"].fields["origin_ward"].queryset
    assert list(wards) == [other_ward]
    assert EntryDeclaration.objects.count() == 0


def test_a_checkpoint_officer_of_a_checkpoint_files_at_their_checkpoint(
    client, checkpoint_officer, checkpoint, paper
):
    StaffProfile.objects.filter(user=checkpoint_officer).update(unit=checkpoint)
    client.force_login(checkpoint_officer)

    response = client.post(ENTRY_ADD, paper(checkpoint=""))

    assert response.status_code == 302
    assert EntryDeclaration.objects.get().checkpoint == checkpoint


def test_who_may_not_file_a_paper_gets_403(client, province_admin, lab_user, paper):
    for user in (province_admin, lab_user):
        client.force_login(user)
        assert client.get(ENTRY_ADD).status_code == 403
        assert client.post(ENTRY_ADD, paper()).status_code == 403
    assert EntryDeclaration.objects.count() == 0


# -- health declarations ----------------------------------------------------------------


@pytest.fixture
def health_paper(province, ward1, village1):
    def _paper(**changes):
        data = {
            "submission_key": str(uuid.uuid4()),
            "full_name": "Vũ Thị Mai",
            "date_of_birth": _day(BIRTH),
            "sex": Sex.FEMALE,
            "id_type": IdType.CCCD,
            "id_number": cccd_for(BIRTH, Sex.FEMALE),
            "phone": "0912 000 111",
            "residence_province": province.pk,
            "residence_ward": ward1.pk,
            "residence_village": village1.pk,
            "street_address": "3 Nguyễn Huệ",
            "symptoms": ["fever", "cough"],
            "contact_with_case": "no",
        }
        data.update(changes)
        return data

    return _paper


def test_a_paper_health_declaration_is_filed_audited_and_its_link_sent(
    client, checkpoint_officer, health_paper, village1
):
    client.force_login(checkpoint_officer)

    response = client.post(HEALTH_ADD, health_paper(), follow=True)

    assert response.redirect_chain[-1][0] == HEALTH_FILED
    declaration = HealthDeclaration.objects.get()
    assert (declaration.entered_by_staff, declaration.declared_by) == (True, checkpoint_officer)
    assert declaration.area == village1
    assert declaration.symptoms == ["fever", "cough"]
    assert declaration.person.area == village1
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE,
        object_type="checkpoints.healthdeclaration",
        actor=checkpoint_officer,
        person=declaration.person,
    ).exists()
    [sms] = SmsMessage.objects.all()
    assert sms.to == "+84912000111"
    assert access_url(declaration) in sms.body
    assert "đã được xếp gửi tới 0912 000 111" in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"travelled": "on", "travel_places": ""}, "Ghi nơi đã đến."),
        ({"residence_ward": "", "residence_village": ""}, "Chọn phường / xã."),
        ({"contact_with_case": "maybe"}, "Chọn có tiếp xúc với ca bệnh hay không."),
        ({"symptoms": ["sneezing"]}, "Triệu chứng không có trong danh sách."),
    ],
)
def test_a_bad_paper_health_declaration_is_a_400_and_saves_nothing(
    client, ward1_staff, health_paper, changes, message
):
    client.force_login(ward1_staff)
    before = _counts()

    response = client.post(HEALTH_ADD, health_paper(**changes))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert _counts() == before


def test_a_paper_health_declaration_outside_the_province_is_refused(
    client, ward1_staff, health_paper, other_province, other_ward
):
    client.force_login(ward1_staff)

    response = client.post(
        HEALTH_ADD,
        health_paper(
            residence_province=other_province.pk,
            residence_ward=other_ward.pk,
            residence_village="",
        ),
    )

    assert response.status_code == 400
    assert HealthDeclaration.objects.count() == 0


def test_the_same_paper_posted_twice_at_once_files_one_child_once(
    transactional_db, postgres_and_redis, checkpoint_officer, village1, other_ward
):
    """Two taps on "Lưu tờ khai" for a child written as 000000000: the second waits for
    the first and finds its declaration, instead of a second child and a second text."""
    key = uuid.uuid4()
    child = PaperPerson(
        full_name="Lê Minh Tú",
        date_of_birth=datetime.date(2019, 4, 2),
        sex="M",
        id_type="none",
        id_number="000000000",
        phone="+84903222333",
        area=village1,
    )
    arrival = days_from_today(1)
    trip = Trip(
        origin_area=other_ward,
        departed_on=arrival,
        arrival_on=arrival,
        means="car",
        destination_area=village1,
        contact_phone="+84903222333",
    )

    def file():
        return paper_entry_file(
            by=checkpoint_officer,
            person=child,
            trip=trip,
            status=SelfDeclaredStatus(),
            submission_key=key,
        ).pk

    first, second = at_once(file, file)

    assert first == second
    assert Person.objects.filter(full_name="Lê Minh Tú").count() == 1
    assert EntryDeclaration.objects.filter(submission_key=key).count() == 1
    assert SmsMessage.objects.filter(purpose="checkpoint_paper_entry").count() == 1
