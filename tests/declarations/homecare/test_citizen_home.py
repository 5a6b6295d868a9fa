"""/cham-soc/: each person the account manages, with the state of their home care today
(waiting, in care and reported or not by the deadline of the rule in force, not
accepted, ended), in a fixed number of queries however many persons there are."""

import datetime
import re
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from declarations.homecare.models import CareEnd
from declarations.homecare.scoring import Reading
from declarations.homecare.services import (
    homecare_end,
    homecare_register,
    homecare_reject,
    report_submit,
)
from khaibao.people.ids import Sex
from khaibao.people.models import Relationship
from khaibao.people.services import person_link_to_account
from tests.declarations.homecare.conftest import MORNING, enrol
from tests.factories import make_person

HOME = reverse("declarations:homecare-home")


@pytest.fixture(autouse=True)
def clock(morning):
    return morning


def file_report(patient, *, at: datetime.datetime, account, **changes):
    values = {"temperature": Decimal("37.0"), "spo2": 98, "pulse": 80, "breathing_rate": 16}
    values.update(changes)
    return report_submit(
        patient=patient,
        account=account,
        reading=Reading(**values),
        measured_at=at,
        submission_key=uuid.uuid4(),
    )


def family_member(citizen, area, name: str, relationship=Relationship.PARENT, year=1960):
    person = make_person(
        area=area, full_name=name, date_of_birth=datetime.date(year, 1, 1), sex=Sex.FEMALE
    )
    person_link_to_account(account=citizen, person=person, relationship=relationship)
    return person


def register(person, account, area):
    return homecare_register(
        person=person,
        account=account,
        area=area,
        street="12 Lê Lợi",
        phone="+84912345678",
        onset_date=datetime.date(2026, 11, 20),
        answers={"has_carer": True},
    )


def card(html: str, name: str) -> str:
    """The card of the person called `name` on the home page."""
    for section in re.findall(r"<section class=\"card.*?</section>", html, re.S):
        if name in section:
            return section
    raise AssertionError(f"no card for {name}")


def test_a_signed_out_visitor_goes_to_the_login():
    response = Client().get(HOME)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={HOME}"


def test_each_person_shows_the_state_of_their_home_care(
    client, citizen, citizen_person, relative, village1, ward1_staff, ward1_station
):
    patient = enrol(citizen_person, by=ward1_staff)
    register(relative, citizen, village1)
    rejected = register(family_member(citizen, village1, "Lê Thị Cúc"), citizen, village1)
    homecare_reject(patient=rejected, by=ward1_staff, note="Cần theo dõi tại cơ sở y tế")
    ended = enrol(family_member(citizen, village1, "Phạm Thị Dung", year=1950), by=ward1_staff)
    homecare_end(patient=ended, reason=CareEnd.HOSPITAL, by=ward1_staff, note="Bệnh viện Quận 1")
    family_member(citizen, village1, "Hoàng Thị Em", year=1990)
    client.force_login(citizen)

    html = client.get(HOME).content.decode()

    active = card(html, "Nguyễn Văn An")
    assert 'data-status="active"' in active
    assert "Hôm nay chưa báo cáo. Hạn gửi: trước 10:00." in active
    assert "ngày thứ 3" in active
    assert reverse("declarations:homecare-report", kwargs={"pk": patient.pk}) in active
    assert "Gửi báo cáo sức khoẻ" in active and "Lịch sử" in active
    pending = card(html, "Nguyễn Thị Bình")
    assert "Đang chờ Trạm Y tế tiếp nhận" in pending
    assert "(Con)" in pending
    assert "Gửi báo cáo sức khoẻ" not in pending
    assert "Cần theo dõi tại cơ sở y tế" in card(html, "Lê Thị Cúc")
    assert "Chuyển viện: Bệnh viện Quận 1" in card(html, "Phạm Thị Dung")
    assert "Chưa đăng ký chăm sóc sức khoẻ tại nhà." in card(html, "Hoàng Thị Em")
    patient.refresh_from_db()
    assert patient.status == "active"


def test_a_report_today_shows_its_time_and_the_count_for_the_day(client, citizen, active_patient):
    file_report(active_patient, at=MORNING - datetime.timedelta(minutes=15), account=citizen)
    client.force_login(citizen)

    html = client.get(HOME).content.decode()

    assert "Hôm nay: đã báo cáo, lần gần nhất đo lúc 07:45 (1/2 lần trong ngày)." in card(
        html, "Nguyễn Văn An"
    )


def test_yesterdays_report_does_not_count_for_today(client, citizen, active_patient):
    file_report(active_patient, at=MORNING - datetime.timedelta(hours=12), account=citizen)
    client.force_login(citizen)

    html = client.get(HOME).content.decode()

    assert 'data-today="not_yet"' in card(html, "Nguyễn Văn An")


def test_after_the_deadline_a_missing_report_is_overdue(client, citizen, active_patient, clock):
    clock.move_to(MORNING.replace(hour=10, minute=30))
    client.force_login(citizen)

    html = client.get(HOME).content.decode()

    assert "Hôm nay chưa báo cáo — đã quá hạn 10:00. Hãy gửi ngay." in card(html, "Nguyễn Văn An")


def test_the_deadline_is_the_provinces_rule_in_force(
    client, citizen, active_patient, province, set_rule
):
    set_rule("homecare", province, report_deadline="07:30", call_list_at="12:00")
    client.force_login(citizen)

    html = client.get(HOME).content.decode()

    assert "đã quá hạn 07:30" in card(html, "Nguyễn Văn An")


def test_another_accounts_patients_are_not_listed(
    client, citizen, active_patient, ward2_person, ward2_staff
):
    enrol(ward2_person, by=ward2_staff)
    client.force_login(citizen)

    html = client.get(HOME).content.decode()

    assert "Trần Thị Cúc" not in html
    assert html.count('class="card mb-3 kb-care-card"') == 1


def test_the_home_page_reads_a_fixed_number_of_queries_however_many_persons(
    client, citizen, active_patient, village1, ward1_staff
):
    client.force_login(citizen)
    client.get(HOME)  # the first request of a session writes its last-seen time
    with CaptureQueriesContext(connection) as one_person:
        assert client.get(HOME).status_code == 200

    for number in range(4):
        person = family_member(citizen, village1, f"Người nhà số {number}", year=1950 + number)
        patient = enrol(person, by=ward1_staff)
        file_report(patient, at=timezone.now() - datetime.timedelta(minutes=5), account=citizen)
    with CaptureQueriesContext(connection) as five_persons:
        response = client.get(HOME)

    assert response.content.decode().count('data-today="reported"') == 4
    assert len(five_persons) == len(one_person)
    # The session, the user, the persons, their enrolments with today's reports.
    assert len(one_person) == 4, [query["sql"][:120] for query in one_person.captured_queries]


def test_the_home_page_leads_to_registration_and_guidance(client, citizen):
    client.force_login(citizen)
    text = client.get(reverse("declarations:homecare-home")).content.decode()

    assert f'href="{reverse("declarations:homecare-register")}"' in text
    assert f'href="{reverse("declarations:homecare-guidance-list")}"' in text
    guidance = client.get(reverse("declarations:homecare-guidance-list"))
    assert guidance.status_code == 200
