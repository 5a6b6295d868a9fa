"""Lab results in the admin: the list, the scopes, the audited result page, the add form
and the correction."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from declarations.labresults.models import LabResult, ResultSource, ResultStatus
from khaibao.audit.models import AuditAction, AuditEvent
from tests.factories import make_staff

from .factories import record

CHANGELIST = "admin:declarations_labresult_changelist"
ADD = "admin:declarations_labresult_add"


def _change(result) -> str:
    return reverse("admin:declarations_labresult_change", args=[result.pk])


def _form_data(village1, **changes) -> dict:
    now = timezone.localtime()
    data = {
        "sample_id": "CR-0099",
        "full_name": "Phạm Thị Hoa",
        "date_of_birth": "1990-05-06",
        "sex": "F",
        "id_type": "cccd",
        "id_number": "079190001234",
        "phone": "0911222333",
        "area": str(village1.pk),
        "street_address": "5 Hai Bà Trưng",
        "test_type": "pcr",
        "outcome": "negative",
        "sampled_at": (now - datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "resulted_at": (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    data.update(changes)
    return data


# -- scopes ------------------------------------------------------------------------------


def test_lab_staff_list_shows_their_labs_results_only(client, lab_a, lab_b, lab_a_staff, ward1):
    own = record(lab_a, area=ward1, sample_id="A-1").result
    other = record(lab_b, area=ward1, sample_id="B-1").result
    client.force_login(lab_a_staff)

    response = client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert shown == {own.pk}
    assert other.pk not in shown
    assert "A-1" in response.text and "B-1" not in response.text


def test_lab_b_staff_gets_404_on_lab_a_result(client, lab_a, lab_b_staff, ward1):
    result = record(lab_a, area=ward1).result
    client.force_login(lab_b_staff)

    assert client.get(_change(result)).status_code == 404
    assert client.post(_change(result), {"outcome": "positive", "note": "x"}).status_code == 404
    result.refresh_from_db()
    assert result.status == ResultStatus.CURRENT


def test_ward2_station_gets_404_on_a_ward1_result(client, lab_a, ward1, ward2_staff, ward1_staff):
    result = record(lab_a, area=ward1).result
    client.force_login(ward2_staff)
    assert client.get(_change(result)).status_code == 404

    client.force_login(ward1_staff)
    assert client.get(_change(result)).status_code == 200


def test_other_provinces_admin_gets_404(
    client, superuser, lab_a, ward1, other_province, province_admin
):
    result = record(lab_a, area=ward1).result
    other_admin = make_staff(
        username="so-y-te-ha-noi", role="province_admin", area=other_province, by=superuser
    )
    client.force_login(other_admin)
    assert client.get(_change(result)).status_code == 404

    client.force_login(province_admin)
    assert client.get(_change(result)).status_code == 200


def test_lab_staff_see_results_of_people_living_anywhere(client, lab_a, lab_a_staff, ward2):
    result = record(lab_a, area=ward2).result
    client.force_login(lab_a_staff)

    assert client.get(_change(result)).status_code == 200


# -- the list ----------------------------------------------------------------------------


def test_list_query_count_does_not_grow_with_rows(
    client, lab_a, lab_a_staff, ward1, django_assert_max_num_queries
):
    record(lab_a, area=ward1, sample_id="Q-0")
    client.force_login(lab_a_staff)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse(CHANGELIST))
    for number in range(1, 8):
        record(lab_a, area=ward1, sample_id=f"Q-{number}", phone=f"091234560{number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse(CHANGELIST))
    assert len(response.context["cl"].result_list) == 8


def test_search_finds_a_result_by_sample_id_and_by_name_without_accents(
    client, lab_a, lab_a_staff, ward1
):
    record(lab_a, area=ward1, sample_id="S-777")
    record(
        lab_a,
        area=ward1,
        sample_id="S-888",
        full_name="Trần Văn Bình",
        date_of_birth=datetime.date(1970, 1, 2),
        id_number="079070001111",
        phone="0912000111",
    )
    client.force_login(lab_a_staff)

    by_sample = client.get(reverse(CHANGELIST), {"q": "S-777"})
    by_name = client.get(reverse(CHANGELIST), {"q": "van binh"})

    assert [r.sample_id for r in by_sample.context["cl"].result_list] == ["S-777"]
    assert [r.sample_id for r in by_name.context["cl"].result_list] == ["S-888"]


def test_late_filter_lists_late_results_only(client, lab_a, lab_a_staff, ward1):
    now = timezone.now()
    record(lab_a, area=ward1, sample_id="ON-TIME")
    record(
        lab_a,
        area=ward1,
        sample_id="LATE",
        sampled_at=now - datetime.timedelta(hours=9),
        resulted_at=now - datetime.timedelta(hours=5),
        phone="0912000222",
    )
    client.force_login(lab_a_staff)

    response = client.get(reverse(CHANGELIST), {"is_late__exact": "1"})

    assert [r.sample_id for r in response.context["cl"].result_list] == ["LATE"]
    assert "Trễ 5 giờ 00 phút" in response.text


# -- the result page -----------------------------------------------------------------------


def test_viewing_a_result_is_audited(client, lab_a, lab_a_staff, ward1):
    result = record(lab_a, area=ward1).result
    client.force_login(lab_a_staff)

    response = client.get(_change(result))

    assert response.status_code == 200
    assert "Đính chính" in response.text
    event = AuditEvent.objects.get(action=AuditAction.VIEW, object_id=str(result.pk))
    assert event.actor == lab_a_staff
    assert event.person_id == result.person_id


def test_ward_station_reads_the_result_but_cannot_correct_it(client, lab_a, ward1, ward1_staff):
    result = record(lab_a, area=ward1).result
    client.force_login(ward1_staff)

    page = client.get(_change(result))
    posted = client.post(_change(result), {"outcome": "positive", "note": "Nhầm"})

    assert page.status_code == 200
    assert 'id="correct_form"' not in page.text
    assert posted.status_code == 403
    result.refresh_from_db()
    assert result.status == ResultStatus.CURRENT


def test_a_result_is_never_deleted(client, lab_a, lab_a_staff, ward1):
    result = record(lab_a, area=ward1).result
    client.force_login(lab_a_staff)
    url = reverse("admin:declarations_labresult_delete", args=[result.pk])

    assert client.post(url, {"post": "yes"}).status_code == 403
    assert LabResult.objects.filter(pk=result.pk).exists()


# -- correction ------------------------------------------------------------------------------


def test_correction_replaces_the_result_and_shows_the_new_one(client, lab_a, lab_a_staff, ward1):
    result = record(lab_a, area=ward1).result
    client.force_login(lab_a_staff)

    response = client.post(
        _change(result), {"outcome": "invalid", "note": "Mẫu bị tán huyết"}, follow=True
    )

    result.refresh_from_db()
    corrected = result.replaced_by
    assert response.redirect_chain[-1][0] == _change(corrected)
    assert "Đã đính chính kết quả mẫu S-0001" in response.text
    assert result.status == ResultStatus.CORRECTED
    assert corrected.outcome == "invalid"
    assert corrected.correction_note == "Mẫu bị tán huyết"
    assert AuditEvent.objects.filter(
        action=AuditAction.DECIDE, object_id=str(corrected.pk), actor=lab_a_staff
    ).exists()


def test_correction_to_the_same_outcome_shows_the_services_error(client, lab_a, lab_a_staff, ward1):
    result = record(lab_a, area=ward1).result
    client.force_login(lab_a_staff)

    response = client.post(_change(result), {"outcome": "negative", "note": "Thử"})

    assert response.status_code == 400
    assert "Kết quả đính chính giống kết quả cũ." in response.text
    result.refresh_from_db()
    assert result.status == ResultStatus.CURRENT


def test_correction_without_a_reason_is_refused_in_vietnamese(client, lab_a, lab_a_staff, ward1):
    result = record(lab_a, area=ward1).result
    client.force_login(lab_a_staff)

    response = client.post(_change(result), {"outcome": "positive", "note": "  "})

    assert response.status_code == 400
    assert "Ghi lý do đính chính." in response.text
    assert LabResult.objects.count() == 1


# -- the add form ---------------------------------------------------------------------------


def test_add_form_saves_a_result_for_the_staffs_lab(client, lab_a, lab_a_staff, village1):
    client.force_login(lab_a_staff)

    response = client.post(reverse(ADD), _form_data(village1), follow=True)

    result = LabResult.objects.get(sample_id="CR-0099")
    assert response.redirect_chain[-1][0] == _change(result)
    assert "Đã lưu kết quả mẫu CR-0099 của Phạm Thị Hoa." in response.text
    assert result.lab == lab_a
    assert result.source == ResultSource.FORM
    assert result.entered_by == lab_a_staff
    assert result.phone == "+84911222333"
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(result.pk)).exists()


def test_add_form_without_phone_shows_the_error_next_to_the_field(
    client, lab_a, lab_a_staff, village1
):
    client.force_login(lab_a_staff)

    response = client.post(reverse(ADD), _form_data(village1, phone=""))

    assert response.status_code == 400
    assert response.context["form"].errors["phone"] == [
        "Nhập số điện thoại khi lấy mẫu (bắt buộc)."
    ]
    assert not LabResult.objects.exists()


def test_add_form_shows_the_services_error_next_to_its_field(client, lab_a, lab_a_staff, village1):
    client.force_login(lab_a_staff)
    future = (timezone.localtime() + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(reverse(ADD), _form_data(village1, resulted_at=future))

    assert response.status_code == 400
    assert response.context["form"].errors["resulted_at"] == [
        "Giờ có kết quả không được ở tương lai."
    ]
    assert not LabResult.objects.exists()


def test_the_same_sample_sent_again_says_it_is_unchanged(client, lab_a, lab_a_staff, village1):
    client.force_login(lab_a_staff)
    data = _form_data(village1)
    client.post(reverse(ADD), data)

    again = client.post(reverse(ADD), data, follow=True)
    conflict = client.post(reverse(ADD), {**data, "outcome": "positive"})

    assert "đã có, không thay đổi" in again.text
    assert conflict.status_code == 400
    assert "đã có kết quả khác" in conflict.context["form"].errors["sample_id"][0]
    assert LabResult.objects.count() == 1


def test_province_admin_may_not_add_a_result(client, province_admin, village1):
    client.force_login(province_admin)

    assert client.get(reverse(ADD)).status_code == 403
    assert client.post(reverse(ADD), _form_data(village1)).status_code == 403
    assert not LabResult.objects.exists()


@pytest.mark.parametrize("name", ["lab_a_staff"])
def test_add_page_opens_with_the_labs_name(client, request, name, lab_a):
    client.force_login(request.getfixturevalue(name))

    response = client.get(reverse(ADD))

    assert response.status_code == 200
    assert lab_a.name in response.text


# -- the F0 case a positive result opened ----------------------------------------------------


def test_f0_page_of_a_case_opened_by_a_result_shows_the_result_instead_of_photos(
    client, lab_a, ward1, ward1_station, ward1_staff
):
    result = record(lab_a, area=ward1, sample_id="POS-1", outcome="positive").result
    client.force_login(ward1_staff)

    queue = client.get(reverse("admin:declarations_f0declaration_changelist"), {"status": "all"})
    page = client.get(reverse("admin:declarations_f0declaration_change", args=[result.case_id]))

    assert queue.status_code == 200
    assert result.case.case_code in queue.text
    assert page.status_code == 200
    assert "Mở từ kết quả xét nghiệm" in page.text
    assert _change(result) in page.text
    assert "Không áp dụng: ca mở từ kết quả xét nghiệm, không có ảnh." in page.text
    assert 'class="f0-photos"' not in page.text
