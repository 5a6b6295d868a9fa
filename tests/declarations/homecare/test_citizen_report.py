"""The daily report (seed 002 part 2): the six questions, refused input said next to the
field with nothing filed, one report per form however often it is sent, SpO2 measured
again after a minute when low (QĐ 261), the call-now page and the station's SMS on
danger signs, and drafts that keep what was typed."""

import datetime
import re
import uuid
from decimal import Decimal

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from declarations.homecare.forms import REMEASURE_SALT
from declarations.homecare.models import Alert, CareEnd, DailyReport, ReportDraft
from declarations.homecare.services import homecare_end, homecare_register, report_draft_save
from khaibao.notify.models import SmsMessage
from khaibao.rules.selectors import rules_in_force
from tests.declarations.homecare.conftest import WARD1_STATION_PHONE, enrol


@pytest.fixture(autouse=True)
def clock(morning):
    return morning


@pytest.fixture
def signed_in(client, citizen):
    client.force_login(citizen)
    return client


def report_url(patient) -> str:
    return reverse("declarations:homecare-report", kwargs={"pk": patient.pk})


def draft_url(patient) -> str:
    return reverse("declarations:homecare-draft-save", kwargs={"pk": patient.pk})


def answers(**changes) -> dict:
    """A normal report measured at 07:45 this morning, as the browser posts it."""
    data = {
        "submission_key": str(uuid.uuid4()),
        "temperature": "37,5",
        "spo2": "98",
        "pulse": "80",
        "breathing_rate": "18",
        "chest_pain": "no",
        "measured_date": "21/11/2026",
        "measured_time": "07:45",
        "note": "",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def alert_texts():
    return SmsMessage.objects.filter(purpose="homecare_alert")


def carried_answers(html: str) -> str:
    match = re.search(r'name="answers" value="([^"]+)"', html)
    assert match, "the re-measure page carries the answers"
    return match[1]


def field_error(html: str, name: str) -> str:
    """The error text crispy shows under field `name` (empty when there is none)."""
    match = re.search(
        rf'<(?:span|div|p)[^>]*id="error_\d+_id_{name}"[^>]*>\s*<strong>(.*?)</strong>', html, re.S
    )
    return match[1].strip() if match else ""


# -- the form -------------------------------------------------------------------------------


def test_the_form_asks_the_six_questions_with_number_pads_and_now_as_the_time(
    signed_in, active_patient
):
    response = signed_in.get(report_url(active_patient))

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'name="temperature"[^>]*inputmode="decimal"', html)
    for name in ("spo2", "pulse", "breathing_rate"):
        assert re.search(rf'name="{name}"[^>]*inputmode="numeric"', html), name
    assert "Khó thở, không đếm được" in html
    assert "Có đau tức ngực không?" in html
    for label in ("Lơ mơ, lú lẫn, khó đánh thức", "Môi, đầu ngón tay tím tái", "Ho"):
        assert label in html
    assert 'name="measured_date" value="21/11/2026"' in html
    assert 'name="measured_time" value="08:00"' in html
    assert re.search(r'type="hidden" name="submission_key" value="[0-9a-f-]{36}"', html)
    assert DailyReport.objects.count() == 0


def test_a_normal_report_is_filed_and_the_citizen_goes_home_with_a_message(
    signed_in, active_patient, citizen
):
    response = signed_in.post(report_url(active_patient), answers(symptoms=["cough"]))

    assert response.status_code == 302
    assert response["Location"] == reverse("declarations:homecare-home")
    page = signed_in.get(response["Location"]).content.decode()
    assert "Đã gửi báo cáo sức khoẻ của Nguyễn Văn An (đo lúc 07:45)" in page
    report = DailyReport.objects.get()
    assert report.patient == active_patient
    assert report.temperature == Decimal("37.5")
    assert (report.spo2, report.spo2_first, report.pulse, report.breathing_rate) == (
        98,
        None,
        80,
        18,
    )
    assert report.chest_pain is False
    assert report.symptoms == ["cough"]
    assert report.danger_signs == []
    assert timezone.localtime(report.measured_at).strftime("%H:%M %d/%m/%Y") == "07:45 21/11/2026"
    assert report.submitted_by == citizen
    assert not Alert.objects.exists()
    assert not alert_texts().exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"temperature": "abc"}, "temperature", "Nhập nhiệt độ là số từ 34 đến 43 độ C"),
        ({"temperature": "45"}, "temperature", "Nhập nhiệt độ là số từ 34 đến 43 độ C"),
        ({"spo2": "150"}, "spo2", "Nhập SpO2 là số từ 50 đến 100"),
        ({"pulse": "20"}, "pulse", "Nhập mạch là số lần/phút từ 30 đến 250"),
        ({"measured_time": "09:30"}, "measured_time", "Giờ đo không được ở tương lai"),
        ({"measured_date": "22/11/2026"}, "measured_time", "Giờ đo không được ở tương lai"),
        ({"measured_date": "01/11/2026"}, "measured_date", "Chỉ gửi được số đo trong 7 ngày"),
        ({"breathing_rate": ""}, "breathing_rate", "hoặc chọn “Khó thở, không đếm được”"),
        ({"systolic": "120"}, "diastolic", "Nhập cả hai số huyết áp"),
        ({"systolic": "80", "diastolic": "90"}, "diastolic", "Số dưới (tâm trương) phải nhỏ hơn"),
        ({"chest_pain": None}, "chest_pain", "Chọn Có hoặc Không."),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_filed(
    signed_in, active_patient, changes, field, message
):
    response = signed_in.post(report_url(active_patient), answers(**changes))

    html = response.content.decode()
    assert response.status_code == 400
    assert message in field_error(html, field)
    assert "Chưa gửi được: xem các ô được đánh dấu bên dưới." in html
    # What was typed is still there.
    assert 'name="pulse" value="' in html
    assert DailyReport.objects.count() == 0
    assert not ReportDraft.objects.exists()
    assert SmsMessage.objects.count() == 0


def test_a_temperature_typed_with_a_comma_or_a_point_is_the_same(signed_in, active_patient):
    signed_in.post(report_url(active_patient), answers(temperature="38,2"))
    signed_in.post(report_url(active_patient), answers(temperature="38.2 °C"))

    assert list(DailyReport.objects.values_list("temperature", flat=True)) == [
        Decimal("38.2"),
        Decimal("38.2"),
    ]


def test_the_short_of_breath_box_stands_in_for_the_breathing_rate_and_is_a_danger_sign(
    signed_in, active_patient
):
    response = signed_in.post(
        report_url(active_patient), answers(breathing_rate="", short_of_breath="on")
    )

    report = DailyReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "declarations:homecare-danger", kwargs={"pk": active_patient.pk, "report_pk": report.pk}
    )
    assert (report.breathing_rate, report.short_of_breath) == (None, True)
    assert report.danger_signs == ["short_of_breath"]
    assert alert_texts().count() == 1


def test_the_same_form_sent_twice_files_one_report_and_one_alert(signed_in, active_patient):
    data = answers(chest_pain="yes")

    first = signed_in.post(report_url(active_patient), data)
    second = signed_in.post(report_url(active_patient), data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert DailyReport.objects.count() == 1
    assert Alert.objects.count() == 1
    assert alert_texts().count() == 1


# -- whose report ----------------------------------------------------------------------------


def test_a_patient_the_account_does_not_manage_is_a_404(
    signed_in, ward2_person, ward2_staff, ward1_station
):
    other = enrol(ward2_person, by=ward2_staff)

    assert signed_in.get(report_url(other)).status_code == 404
    assert signed_in.post(report_url(other), answers()).status_code == 404
    assert signed_in.post(draft_url(other), answers()).status_code == 404
    assert DailyReport.objects.count() == 0
    assert not ReportDraft.objects.exists()


def test_the_report_page_sends_a_signed_out_visitor_to_the_login(active_patient):
    response = Client().get(report_url(active_patient))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_ended_enrolment_says_why_and_takes_no_report(signed_in, active_patient, ward1_staff):
    homecare_end(
        patient=active_patient, reason=CareEnd.HOSPITAL, by=ward1_staff, note="Bệnh viện Quận 1"
    )

    page = signed_in.get(report_url(active_patient))
    posted = signed_in.post(report_url(active_patient), answers())

    assert page.status_code == 200
    assert "đã kết thúc, không nhận báo cáo nữa" in page.content.decode()
    assert "Chuyển viện: Bệnh viện Quận 1" in page.content.decode()
    assert posted.status_code == 409
    assert DailyReport.objects.count() == 0
    assert not alert_texts().exists()


def test_a_pending_registration_cannot_report_yet(signed_in, citizen, citizen_person, village1):
    pending = homecare_register(
        person=citizen_person,
        account=citizen,
        area=village1,
        street="12 Lê Lợi",
        phone="+84912345678",
        onset_date=datetime.date(2026, 11, 20),
        answers={"has_carer": True},
    )

    response = signed_in.post(report_url(pending), answers())

    assert response.status_code == 409
    assert "đang chờ Trạm Y tế tiếp nhận" in response.content.decode()
    assert DailyReport.objects.count() == 0


# -- danger ------------------------------------------------------------------------------------


def test_chest_pain_texts_the_station_and_shows_the_call_now_page(signed_in, active_patient):
    response = signed_in.post(report_url(active_patient), answers(chest_pain="yes"))
    page = signed_in.get(response["Location"])

    html = page.content.decode()
    assert page.status_code == 200
    assert "Gọi 115 hoặc Trạm Y tế ngay" in html
    assert 'href="tel:115"' in html
    assert f'href="tel:{WARD1_STATION_PHONE}"' in html
    assert "Trạm Y tế Phường Sài Gòn: 028 3822 1234" in html
    assert "<li>Đau tức ngực</li>" in html
    assert "Trạm Y tế đã được báo lúc 08:00" in html
    report = DailyReport.objects.get()
    assert report.danger_signs == ["chest_pain"]
    assert Alert.objects.get().report == report
    text = alert_texts().get()
    assert text.to == WARD1_STATION_PHONE
    assert f"CS-{active_patient.pk:06d}" in text.body


def test_the_danger_page_lists_a_low_spo2_with_its_value(signed_in, active_patient):
    first = signed_in.post(report_url(active_patient), answers(spo2="92"))
    response = signed_in.post(
        report_url(active_patient),
        {"answers": carried_answers(first.content.decode()), "spo2": "91"},
    )

    page = signed_in.get(response["Location"]).content.decode()
    assert "<li>SpO2 thấp (91%)</li>" in page
    assert alert_texts().count() == 1


def test_the_danger_page_of_another_accounts_report_is_a_404(
    signed_in, active_patient, ward2_person, ward2_staff
):
    other = enrol(ward2_person, by=ward2_staff)
    signed_in.post(report_url(active_patient), answers(chest_pain="yes"))
    own = DailyReport.objects.get()

    # Someone else's patient, and this account's report under someone else's patient.
    assert (
        signed_in.get(
            reverse("declarations:homecare-danger", kwargs={"pk": other.pk, "report_pk": own.pk})
        ).status_code
        == 404
    )
    assert (
        signed_in.get(
            reverse(
                "declarations:homecare-danger",
                kwargs={"pk": active_patient.pk, "report_pk": own.pk + 1000},
            )
        ).status_code
        == 404
    )


def test_the_danger_page_of_a_normal_report_goes_to_the_history(signed_in, active_patient):
    signed_in.post(report_url(active_patient), answers())
    report = DailyReport.objects.get()

    response = signed_in.get(
        reverse(
            "declarations:homecare-danger",
            kwargs={"pk": active_patient.pk, "report_pk": report.pk},
        )
    )

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "declarations:homecare-history", kwargs={"pk": active_patient.pk}
    )


# -- SpO2 measured again (QĐ 261) ----------------------------------------------------------------


def test_a_low_first_spo2_asks_to_rest_and_measure_again_and_files_no_report(
    signed_in, active_patient
):
    response = signed_in.post(report_url(active_patient), answers(spo2="93"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Đo lại SpO2 sau 1 phút" in html
    assert "SpO2 93%, thấp hơn 96%" in html
    assert "Ngồi yên, nghỉ ngơi" in html
    assert 'name="spo2"' in html
    carried_answers(html)
    assert DailyReport.objects.count() == 0
    assert SmsMessage.objects.count() == 0
    # Left here, the answers come back on the form from the draft.
    assert ReportDraft.objects.get(patient=active_patient).data["spo2"] == "93"


def test_a_normal_second_reading_files_a_normal_report_keeping_the_first(signed_in, active_patient):
    first = signed_in.post(report_url(active_patient), answers(spo2="93", pulse="88"))

    response = signed_in.post(
        report_url(active_patient),
        {"answers": carried_answers(first.content.decode()), "spo2": "97"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("declarations:homecare-home")
    report = DailyReport.objects.get()
    assert (report.spo2, report.spo2_first, report.pulse) == (97, 93, 88)
    assert report.danger_signs == []
    assert not ReportDraft.objects.exists()
    assert not Alert.objects.exists()
    assert SmsMessage.objects.count() == 0


def test_a_low_second_reading_files_a_danger_report(signed_in, active_patient):
    first = signed_in.post(report_url(active_patient), answers(spo2="93"))

    response = signed_in.post(
        report_url(active_patient),
        {"answers": carried_answers(first.content.decode()), "spo2": "94"},
    )

    report = DailyReport.objects.get()
    assert response["Location"] == reverse(
        "declarations:homecare-danger", kwargs={"pk": active_patient.pk, "report_pk": report.pk}
    )
    assert (report.spo2, report.spo2_first, report.danger_signs) == (94, 93, ["spo2"])
    assert "(94%)" in alert_texts().get().body


def test_the_second_reading_sent_twice_files_one_report(signed_in, active_patient):
    first = signed_in.post(report_url(active_patient), answers(spo2="90"))
    data = {"answers": carried_answers(first.content.decode()), "spo2": "90"}

    signed_in.post(report_url(active_patient), data)
    again = signed_in.post(report_url(active_patient), data)

    assert again.status_code == 302
    assert DailyReport.objects.count() == 1
    assert alert_texts().count() == 1


def test_a_bad_second_reading_shows_the_remeasure_page_again(signed_in, active_patient):
    first = signed_in.post(report_url(active_patient), answers(spo2="93"))

    response = signed_in.post(
        report_url(active_patient),
        {"answers": carried_answers(first.content.decode()), "spo2": "abc"},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Nhập SpO2 là số từ 50 đến 100" in field_error(html, "spo2")
    assert "Đo lại SpO2 sau 1 phút" in html
    assert DailyReport.objects.count() == 0


def test_tampered_carried_answers_are_refused(signed_in, active_patient):
    first = signed_in.post(report_url(active_patient), answers(spo2="93"))
    carried = carried_answers(first.content.decode())
    tampered = carried[:-3] + ("AAA" if not carried.endswith("AAA") else "BBB")

    response = signed_in.post(report_url(active_patient), {"answers": tampered, "spo2": "97"})

    assert response.status_code == 302
    assert response["Location"] == report_url(active_patient)
    page = signed_in.get(response["Location"]).content.decode()
    assert "Không đọc được các câu trả lời trước. Hãy nhập lại báo cáo." in page
    assert DailyReport.objects.count() == 0


def test_carried_answers_of_another_patient_are_refused(
    signed_in, active_patient, citizen, relative, ward1_staff
):
    child = enrol(relative, by=ward1_staff)
    first = signed_in.post(report_url(child), answers(spo2="93"))

    response = signed_in.post(
        report_url(active_patient),
        {"answers": carried_answers(first.content.decode()), "spo2": "97"},
    )

    assert response.status_code == 302
    assert DailyReport.objects.count() == 0


def test_signed_answers_are_validated_again(signed_in, active_patient):
    """A signature says where the answers came from, not that they hold."""
    forged = signing.dumps(
        {
            "patient": active_patient.pk,
            "answers": {**{k: [v] for k, v in answers().items()}, "temperature": ["50"]},
        },
        salt=REMEASURE_SALT,
    )

    response = signed_in.post(report_url(active_patient), {"answers": forged, "spo2": "97"})

    assert response.status_code == 400
    assert "Nhập nhiệt độ là số từ 34 đến 43 độ C" in field_error(
        response.content.decode(), "temperature"
    )
    assert DailyReport.objects.count() == 0


def test_the_remeasure_page_expires_after_an_hour(signed_in, active_patient, clock):
    first = signed_in.post(report_url(active_patient), answers(spo2="93"))
    # Busy elsewhere on the portal (so not signed out for being idle) for over an hour.
    for minutes in (20, 20, 21):
        clock.shift(datetime.timedelta(minutes=minutes))
        signed_in.get(reverse("declarations:homecare-home"))

    response = signed_in.post(
        report_url(active_patient),
        {"answers": carried_answers(first.content.decode()), "spo2": "97"},
    )

    assert response.status_code == 302
    page = signed_in.get(response["Location"]).content.decode()
    assert "Trang đo lại đã mở quá lâu. Hãy nhập lại báo cáo." in page
    assert DailyReport.objects.count() == 0


def test_a_low_spo2_with_another_danger_sign_is_filed_at_once(signed_in, active_patient):
    """Chest pain must reach the station now, not after a minute's rest."""
    response = signed_in.post(report_url(active_patient), answers(spo2="93", chest_pain="yes"))

    report = DailyReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "declarations:homecare-danger", kwargs={"pk": active_patient.pk, "report_pk": report.pk}
    )
    assert (report.spo2, report.spo2_first, report.danger_signs) == (
        93,
        None,
        ["spo2", "chest_pain"],
    )
    assert alert_texts().count() == 1


def test_the_spo2_threshold_is_the_rule_in_force(signed_in, active_patient, set_rule):
    set_rule("homecare", spo2_below=94)

    response = signed_in.post(report_url(active_patient), answers(spo2="95"))

    assert response.status_code == 302
    report = DailyReport.objects.get()
    assert (report.spo2, report.spo2_first, report.danger_signs) == (95, None, [])


# -- drafts ------------------------------------------------------------------------------------


def test_autosaved_answers_come_back_on_the_form(signed_in, active_patient, citizen):
    key = str(uuid.uuid4())
    typed = answers(
        submission_key=key, temperature="38,4", chest_pain="yes", symptoms=["cough", "blue_lips"]
    )

    saved = signed_in.post(draft_url(active_patient), typed)
    page = signed_in.get(report_url(active_patient)).content.decode()

    assert saved.status_code == 200
    assert saved.json() == {"saved_at": "08:00"}
    draft = ReportDraft.objects.get(account=citizen, patient=active_patient)
    assert draft.data["temperature"] == "38,4"
    assert draft.data["symptoms"] == "cough,blue_lips"
    assert 'name="temperature" value="38,4"' in page
    assert re.search(r'value="yes"[^>]*checked', page)
    assert re.search(r'value="cough"[^>]*checked', page)
    assert re.search(r'value="blue_lips"[^>]*checked', page)
    assert not re.search(r'value="confusion"[^>]*checked', page)
    assert f'name="submission_key" value="{key}"' in page
    assert DailyReport.objects.count() == 0


def test_the_save_draft_button_keeps_the_answers_without_javascript(
    signed_in, active_patient, citizen
):
    response = signed_in.post(
        report_url(active_patient), answers(temperature="", pulse="92", _save_draft="1")
    )

    assert response.status_code == 302
    assert response["Location"] == report_url(active_patient)
    assert ReportDraft.objects.get(account=citizen).data["pulse"] == "92"
    page = signed_in.get(response["Location"]).content.decode()
    assert "Đã lưu nháp." in page
    assert 'name="pulse" value="92"' in page
    assert DailyReport.objects.count() == 0


def test_filing_the_report_clears_the_draft(signed_in, active_patient):
    data = answers()
    signed_in.post(draft_url(active_patient), data)

    signed_in.post(report_url(active_patient), data)

    assert DailyReport.objects.count() == 1
    assert not ReportDraft.objects.exists()


def test_the_autosave_of_a_signed_out_visitor_is_a_json_403(active_patient):
    response = Client().post(draft_url(active_patient), answers())

    assert response.status_code == 403
    assert response.json()["code"] == "login_required"
    assert not ReportDraft.objects.exists()


def test_the_autosave_of_an_ended_enrolment_is_a_409(signed_in, active_patient, ward1_staff):
    homecare_end(patient=active_patient, reason=CareEnd.COMPLETED, by=ward1_staff)

    response = signed_in.post(draft_url(active_patient), answers())

    assert response.status_code == 409
    assert response.json()["code"] == "not_in_care"
    assert not ReportDraft.objects.exists()


def test_an_autosave_arriving_after_the_submit_is_refused(signed_in, active_patient):
    data = answers()
    signed_in.post(report_url(active_patient), data)

    late = signed_in.post(draft_url(active_patient), data)

    assert late.status_code == 409
    assert late.json()["code"] == "submitted"
    assert not ReportDraft.objects.exists()
    assert DailyReport.objects.count() == 1


def test_a_draft_left_over_from_a_sent_report_is_not_put_back(signed_in, active_patient, citizen):
    data = answers(temperature="39,0")
    signed_in.post(report_url(active_patient), data)
    report_draft_save(account=citizen, patient=active_patient, data=data)

    page = signed_in.get(report_url(active_patient)).content.decode()

    assert data["submission_key"] not in page
    assert 'value="39,0"' not in page
    assert DailyReport.objects.count() == 1


def test_a_report_costs_five_statements(signed_in, active_patient):
    # The hot path of home care: the session, the account, the enrolment (with the
    # person and area), the report's INSERT and the draft's DELETE. The rules come from
    # the cache, warm as on any morning; the session was seen a moment ago (the form).
    signed_in.get(report_url(active_patient))
    rules_in_force("homecare", active_patient.area)
    rules_in_force("homecare", active_patient.area)
    with CaptureQueriesContext(connection) as captured:
        response = signed_in.post(report_url(active_patient), answers())
    assert response.status_code == 302
    assert DailyReport.objects.count() == 1
    statements = [
        " ".join(query["sql"].split()[:3])
        for query in captured.captured_queries
        if "SAVEPOINT" not in query["sql"]  # the test's own transaction
    ]
    tables = [re.search(r'"(\w+)"', statement).group(1) for statement in statements]
    assert tables == [
        "django_session",
        "accounts_user",
        "declarations_homecarepatient",
        "declarations_dailyreport",
        "declarations_reportdraft",
    ]
    assert [statement.split()[0] for statement in statements] == [
        "SELECT",
        "SELECT",
        "SELECT",
        "INSERT",
        "DELETE",
    ]
