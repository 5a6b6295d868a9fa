"""The citizen's lab-result pages: which results an account sees, in which order, and
what each result's page says."""

import datetime

import pytest
from django.urls import reverse

from declarations.labresults.models import LabResult, ResultStatus
from declarations.labresults.services import result_correct
from khaibao.notify.models import SmsMessage

from .factories import record

HOME = "declarations:labresults-home"


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


def detail_url(result) -> str:
    return reverse("declarations:labresults-detail", kwargs={"pk": result.pk})


def relatives_result(lab, area, **changes):
    """A result of the relative (the citizen's child), sampled with the other parent's
    phone: the account sees it because it manages the child, not by the phone."""
    values = {
        "sample_id": "S-0002",
        "full_name": "Nguyễn Thị Bình",
        "date_of_birth": datetime.date(2016, 9, 2),
        "sex": "F",
        "id_type": "none",
        "id_number": "",
        "phone": "0977000111",
        "outcome": "positive",
        "test_type": "rapid",
    }
    return record(lab, area=area, **{**values, **changes}).result


def test_signed_out_goes_to_login_and_back(client, db):
    response = client.get(reverse(HOME))

    assert response.status_code == 302
    assert reverse(HOME) in response["Location"]
    assert response["Location"] != reverse(HOME)


def test_it_lists_the_phones_results_and_the_relatives(
    citizen_client, citizen, relative, lab_a, village1, ward2_person, ward1_station
):
    own = record(lab_a, area=village1).result
    childs = relatives_result(lab_a, village1)
    strangers = record(
        lab_a,
        area=ward2_person.area,
        sample_id="S-0003",
        full_name="Trần Thị Cúc",
        date_of_birth=datetime.date(1975, 11, 30),
        sex="F",
        id_type="none",
        id_number="",
        phone="0987654321",
    ).result
    assert childs.person == relative
    assert own.phone == citizen.phone

    response = citizen_client.get(reverse(HOME))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Nguyễn Văn An" in text
    assert "Nguyễn Thị Bình" in text
    assert "Trần Thị Cúc" not in text
    assert "Âm tính" in text and "Dương tính" in text
    assert "RT-PCR" in text and "Test nhanh kháng nguyên" in text
    assert lab_a.name in text
    assert detail_url(own) in text and detail_url(childs) in text
    assert detail_url(strangers) not in text


def test_a_result_sampled_with_the_accounts_phone_is_shown_for_anyone(
    citizen_client, lab_a, village1
):
    """A neighbour tested with this phone: the lab sent the text to this phone."""
    result = record(
        lab_a,
        area=village1,
        sample_id="S-0009",
        full_name="Lê Văn Cường",
        date_of_birth=datetime.date(1950, 1, 1),
        id_number="079050009999",
    ).result

    response = citizen_client.get(detail_url(result))

    assert response.status_code == 200
    assert "Lê Văn Cường" in response.content.decode()


def test_another_persons_result_is_a_404(citizen_client, lab_a, ward2_person):
    result = record(
        lab_a,
        area=ward2_person.area,
        full_name="Trần Thị Cúc",
        date_of_birth=datetime.date(1975, 11, 30),
        sex="F",
        id_type="none",
        id_number="",
        phone="0987654321",
    ).result

    assert citizen_client.get(detail_url(result)).status_code == 404
    assert (
        citizen_client.get(reverse("declarations:labresults-detail", args=[999999])).status_code
        == 404
    )


def test_current_results_come_first_newest_first_and_corrected_ones_are_marked(
    citizen_client, lab_a, lab_a_staff, village1, ward1_station
):
    older = record(lab_a, area=village1, sample_id="S-OLD").result
    LabResult.objects.filter(pk=older.pk).update(
        sampled_at=older.sampled_at - datetime.timedelta(days=3),
        resulted_at=older.resulted_at - datetime.timedelta(days=3),
    )
    wrong = record(lab_a, area=village1, sample_id="S-NEW").result
    corrected = result_correct(
        result=wrong, outcome="positive", note="Nhầm ống mẫu", by=lab_a_staff
    )

    response = citizen_client.get(reverse(HOME))

    text = response.content.decode()
    positions = [text.index(detail_url(row)) for row in (corrected, older, wrong)]
    assert positions == sorted(positions)
    assert text.count("Đã được đính chính") == 1
    assert text.index("Đã được đính chính") > positions[1]
    wrong.refresh_from_db()
    assert wrong.status == ResultStatus.CORRECTED


def test_the_result_page_shows_the_certificate_and_the_seeds_sentence(
    citizen_client, lab_a, village1
):
    result = record(lab_a, area=village1).result

    response = citizen_client.get(detail_url(result))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Kết quả xét nghiệm được xác nhận bằng mã QR có giá trị như bản giấy." in text
    assert "HC1:" in text
    assert result.certificate_id in text
    assert 'href="/qr/' in text and "download=" in text
    assert "print.css" in text
    assert "Âm tính" in text and "RT-PCR" in text and lab_a.name in text


def test_an_invalid_result_has_no_certificate_and_says_why(citizen_client, lab_a, village1):
    result = record(lab_a, area=village1, outcome="invalid").result
    assert result.certificate_id == ""

    response = citizen_client.get(detail_url(result))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Mẫu không đạt nên không có kết quả và không có mã QR chứng nhận." in text
    assert "HC1:" not in text
    assert "Không xác định" in text


def test_a_corrected_result_has_no_certificate_and_links_the_new_one(
    citizen_client, lab_a, lab_a_staff, village1, ward1_station
):
    wrong = record(lab_a, area=village1).result
    corrected = result_correct(result=wrong, outcome="positive", note="Nhầm mẫu", by=lab_a_staff)

    response = citizen_client.get(detail_url(wrong))

    assert response.status_code == 200
    text = response.content.decode()
    assert "đã được đơn vị xét nghiệm đính chính" in text
    assert "HC1:" not in text
    assert detail_url(corrected) in text
    new_page = citizen_client.get(detail_url(corrected)).content.decode()
    assert "HC1:" in new_page and corrected.certificate_id in new_page


def test_the_ready_text_links_to_the_results_page(lab_a, village1):
    record(lab_a, area=village1)

    sms = SmsMessage.objects.get(purpose="labresult_ready")
    assert sms.to == "+84912345678"
    assert reverse(HOME) in sms.body
    assert "Âm tính" not in sms.body and "am tinh" not in sms.body.lower()


def test_the_list_costs_the_same_queries_for_one_result_or_many(
    citizen_client, citizen, lab_a, village1, django_assert_max_num_queries
):
    record(lab_a, area=village1)
    citizen_client.get(reverse(HOME))  # the session seen once, as on any visit
    with django_assert_max_num_queries(6) as one:
        assert citizen_client.get(reverse(HOME)).status_code == 200
    for number in range(2, 8):
        record(lab_a, area=village1, sample_id=f"S-{number:04d}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = citizen_client.get(reverse(HOME)).content.decode()
    assert page.count(detail_url(LabResult.objects.get(sample_id="S-0007"))) >= 1
