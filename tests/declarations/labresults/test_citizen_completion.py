"""Isolation completion with a lab result: a current negative result sampled from the day
completion opens is offered in place of the photo, files the completion with it, and
the station still confirms."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from declarations.f0.models import F0Event, F0Status
from declarations.f0.services import f0_completion_confirm, f0_completion_request
from declarations.labresults.services import result_correct
from khaibao.notify.models import SmsMessage
from tests.declarations.f0.test_matching import NOON, accepted

from .factories import record

DAY_N = datetime.date(2026, 11, 29)  # the positive test (22/11) + 7 isolation days
MORNING_N = datetime.datetime(2026, 11, 29, 1, 0, tzinfo=datetime.UTC)  # 08:00 local
NOON_N = NOON + datetime.timedelta(days=7)
OFFER = "Dùng kết quả xét nghiệm âm tính của Phòng xét nghiệm BV Chợ Rẫy lấy mẫu ngày 29/11/2026"


@pytest.fixture(autouse=True)
def _isolation_days(set_rule):
    set_rule("f0_timing", isolation_days=7)


@pytest.fixture
def case(citizen, citizen_person, ward1_staff):
    with time_machine.travel(NOON, tick=False):
        return accepted(citizen, citizen_person, ward1_staff, contact_phone="+84912345678")


@pytest.fixture
def day_n():
    with time_machine.travel(NOON_N, tick=False) as traveller:
        yield traveller


@pytest.fixture
def citizen_client(client, citizen, day_n):
    client.force_login(citizen)
    return client


def negative_on(lab, area, sampled_at, **changes):
    return record(
        lab,
        area=area,
        sampled_at=sampled_at,
        resulted_at=sampled_at + datetime.timedelta(hours=2),
        **changes,
    ).result


def completion_url(declaration) -> str:
    return reverse("declarations:completion", kwargs={"pk": declaration.pk})


def test_the_form_offers_a_negative_result_sampled_from_day_n(
    citizen_client, case, lab_a, village1
):
    result = negative_on(lab_a, village1, MORNING_N)
    assert result.person_id == case.person_id

    response = citizen_client.get(completion_url(case))

    assert response.status_code == 200
    page = response.content.decode()
    assert OFFER in page
    assert f'name="lab_result" value="{result.pk}"' in page
    assert "Tôi tải ảnh kết quả test lên" in page
    assert 'name="photo"' in page  # the photo stays possible


@pytest.mark.parametrize(
    "changes",
    [
        {"sampled_at": MORNING_N - datetime.timedelta(days=1)},  # before completion opens
        {"outcome": "positive"},
        {"outcome": "invalid"},
    ],
    ids=["sampled-before-day-n", "positive", "invalid"],
)
def test_the_form_does_not_offer_other_results(
    citizen_client, case, lab_a, village1, ward1_station, changes
):
    sampled_at = changes.pop("sampled_at", MORNING_N)
    negative_on(lab_a, village1, sampled_at, **changes)

    page = citizen_client.get(completion_url(case)).content.decode()

    assert 'name="lab_result"' not in page
    assert "Dùng kết quả xét nghiệm" not in page


def test_a_corrected_result_is_not_offered(
    citizen_client, case, lab_a, lab_a_staff, village1, ward1_station
):
    result = negative_on(lab_a, village1, MORNING_N)
    result_correct(result=result, outcome="positive", note="Nhầm mẫu", by=lab_a_staff)

    page = citizen_client.get(completion_url(case)).content.decode()

    assert 'name="lab_result"' not in page


def test_choosing_the_result_files_the_completion_without_a_photo(
    citizen_client, case, lab_a, village1, ward1_staff
):
    result = negative_on(lab_a, village1, MORNING_N)

    response = citizen_client.post(completion_url(case), {"lab_result": str(result.pk)})

    assert response.status_code == 302
    assert response["Location"] == reverse("declarations:status", kwargs={"pk": case.pk})
    case.refresh_from_db()
    result.refresh_from_db()
    assert case.status == F0Status.COMPLETION_REQUESTED
    assert case.completion_test_date == DAY_N
    assert case.completion_photo is None
    assert result.case == case
    event = F0Event.objects.filter(declaration=case).latest("pk")
    assert event.status == F0Status.COMPLETION_REQUESTED
    assert result.sample_id in event.note and lab_a.name in event.note
    assert SmsMessage.objects.filter(purpose="f0_completion_requested").exists()
    # The station still confirms.
    f0_completion_confirm(declaration=case, by=ward1_staff)
    case.refresh_from_db()
    assert case.status == F0Status.COMPLETED


def test_choosing_the_photo_still_asks_for_the_date_and_the_photo(
    citizen_client, case, lab_a, village1
):
    negative_on(lab_a, village1, MORNING_N)

    response = citizen_client.post(completion_url(case), {"lab_result": ""})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nhập ngày test âm tính." in page
    assert "Hãy chọn hoặc chụp một ảnh." in page
    case.refresh_from_db()
    assert case.status == F0Status.ACCEPTED


def test_another_persons_result_is_refused(citizen_client, case, lab_a, village1, ward2_person):
    mine = negative_on(lab_a, village1, MORNING_N)
    theirs = negative_on(
        lab_a,
        ward2_person.area,
        MORNING_N,
        sample_id="S-0777",
        full_name="Trần Thị Cúc",
        date_of_birth=datetime.date(1975, 11, 30),
        sex="F",
        id_type="none",
        id_number="",
        phone="0987654321",
    )
    assert mine.person_id != theirs.person_id

    response = citizen_client.post(completion_url(case), {"lab_result": str(theirs.pk)})

    assert response.status_code == 400
    case.refresh_from_db()
    theirs.refresh_from_db()
    assert case.status == F0Status.ACCEPTED
    assert theirs.case_id is None


def test_the_service_refuses_a_result_sampled_before_completion_opens(
    case, citizen, lab_a, village1, day_n
):
    early = negative_on(lab_a, village1, MORNING_N - datetime.timedelta(days=2))

    with pytest.raises(ValidationError) as refused:
        f0_completion_request(declaration=case, account=citizen, lab_result=early)

    assert refused.value.error_dict["lab_result"][0].code == "lab_result"
    case.refresh_from_db()
    assert case.status == F0Status.ACCEPTED


def test_the_service_without_a_photo_or_a_result_refuses(case, citizen, day_n):
    with pytest.raises(ValidationError) as refused:
        f0_completion_request(declaration=case, account=citizen, negative_test_date=DAY_N)

    assert refused.value.error_dict["photo"][0].code == "required"
