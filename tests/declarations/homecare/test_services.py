"""Home care's services: enrolment from F0, daily reports judged by the rule in force,
alerts that reach the station's duty phone and stay open until acknowledged."""

import datetime
import uuid
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from declarations.f0.services import f0_accept
from declarations.homecare.chasing import alerts_resend_due
from declarations.homecare.models import Alert, AlertStatus, CareStatus, DailyReport
from declarations.homecare.scoring import SPO2
from declarations.homecare.services import (
    alert_acknowledge,
    homecare_end,
    report_submit,
)
from khaibao.audit.models import AuditEvent
from khaibao.notify.models import SmsMessage
from khaibao.rules.selectors import rules_in_force
from tests.concurrency import at_once
from tests.declarations.factories import make_declaration
from tests.factories import error_codes, make_person

from .factories import make_patient, make_unit, reading, submit

NOW = datetime.datetime(2026, 12, 2, 8, 30, tzinfo=datetime.UTC)  # 15:30 in Vietnam


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def station(ward1):
    return make_unit(area=ward1, name="Trạm Y tế phường Sài Gòn", phone="+84283822111")


@pytest.fixture
def patient(citizen_person, ward1_staff, station):
    return make_patient(person=citizen_person, by=ward1_staff)


def test_an_accepted_f0_declaration_enrols_the_person_at_the_isolation_address(
    citizen, citizen_person, ward1_staff
):
    declaration = make_declaration(person=citizen_person, account=citizen)
    f0_accept(declaration=declaration, by=ward1_staff)

    patient = citizen_person.homecare_enrolments.get()
    assert patient.status == CareStatus.ACTIVE
    assert patient.declaration == declaration
    assert patient.area == declaration.isolation_area
    assert patient.onset_date == declaration.test_date
    # One decision, one text: the F0 acceptance SMS is the patient's notice.
    purposes = list(SmsMessage.objects.values_list("purpose", flat=True))
    assert "homecare_accepted" not in purposes
    assert "f0_accepted" in purposes


def test_a_normal_report_opens_no_alert(patient, citizen):
    report = submit(patient, account=citizen)

    assert report.danger_signs == []
    assert report.rules_version_id == rules_in_force("homecare", patient.area).version_id
    assert not Alert.objects.exists()
    assert not SmsMessage.objects.filter(purpose="homecare_alert").exists()


def test_a_danger_sign_alerts_the_duty_phone_with_the_rule_version(patient, citizen, station):
    report = submit(patient, account=citizen, spo2=93, spo2_first=94)

    alert = Alert.objects.get()
    assert alert.report == report
    assert alert.signs == [SPO2]
    assert alert.rules_version_id == report.rules_version_id
    assert alert.status == AlertStatus.OPEN
    sms = SmsMessage.objects.get(purpose="homecare_alert")
    assert sms.to == station.phone
    assert f"CS-{patient.pk:06d}" in sms.body
    assert "SpO2" in sms.body and "93%" in sms.body
    # No name or ID number goes to the duty phone.
    assert "Nguyen" not in sms.body and "Nguyễn" not in sms.body


def test_each_alert_carries_the_version_in_force_when_it_was_raised(
    patient, citizen, set_rule, province
):
    first = submit(patient, account=citizen, chest_pain=True)
    version = set_rule("homecare", province=province, spo2_below=94)
    second = submit(patient, account=citizen, spo2=94, chest_pain=True)

    alerts = {a.report_id: a.rules_version_id for a in Alert.objects.all()}
    assert alerts[first.pk] != version.pk
    assert alerts[second.pk] == version.pk
    # SpO2 94 is no danger under the province's own threshold of 94.
    assert second.danger_signs == ["chest_pain"]


def test_the_open_alert_is_resent_until_acknowledged_then_stops(
    patient, citizen, ward1_staff, clock
):
    submit(patient, account=citizen, spo2=92)
    alert = Alert.objects.get()
    assert SmsMessage.objects.filter(purpose="homecare_alert").count() == 1

    assert alerts_resend_due() == 0  # not due yet: the rule says 15 minutes
    clock.shift(datetime.timedelta(minutes=15))
    assert alerts_resend_due() == 1
    assert alerts_resend_due() == 0  # a second run in the same minute sends nothing
    clock.shift(datetime.timedelta(minutes=15))
    assert alerts_resend_due() == 1
    assert SmsMessage.objects.filter(purpose="homecare_alert").count() == 3

    alert_acknowledge(alert=alert, by=ward1_staff, note="Đã gọi, chuyển bệnh viện quận", ip=None)
    clock.shift(datetime.timedelta(hours=2))
    assert alerts_resend_due() == 0
    alert.refresh_from_db()
    assert (alert.status, alert.sent_count, alert.next_send_at) == ("acknowledged", 3, None)
    assert SmsMessage.objects.filter(purpose="homecare_alert").count() == 3
    event = AuditEvent.objects.get(object_type="declarations.alert")
    assert event.actor == ward1_staff and event.detail["decision"] == "acknowledge"


def test_acknowledging_needs_a_note_and_happens_once(patient, citizen, ward1_staff):
    submit(patient, account=citizen, spo2=92)
    alert = Alert.objects.get()

    with pytest.raises(ValidationError) as blank:
        alert_acknowledge(alert=alert, by=ward1_staff, note="   ")
    assert error_codes(blank.value) == {"note": ["required"]}
    assert blank.value.message_dict["note"] == ["Ghi lại đã xử lý thế nào."]
    alert_acknowledge(alert=alert, by=ward1_staff, note="Đã gọi")
    with pytest.raises(ValidationError) as again:
        alert_acknowledge(alert=alert, by=ward1_staff, note="Gọi lần hai")
    assert again.value.code == "already_acknowledged"
    alert.refresh_from_db()
    assert alert.action_note == "Đã gọi"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"measured_at": NOW + datetime.timedelta(hours=1)}, "future"),
    ],
)
def test_a_report_time_in_the_future_is_refused_and_nothing_saved(patient, citizen, changes, code):
    with pytest.raises(ValidationError) as error:
        report_submit(
            patient=patient,
            account=citizen,
            reading=reading(),
            submission_key=uuid.uuid4(),
            **changes,
        )
    assert error.value.error_dict["measured_at"][0].code == code
    assert not DailyReport.objects.exists()


def test_out_of_range_values_are_refused_by_the_model(patient, citizen):
    with pytest.raises(ValidationError) as spo2:
        submit(patient, account=citizen, spo2=150)
    assert error_codes(spo2.value) == {"__all__": ["spo2_range"]}
    with pytest.raises(ValidationError) as temperature:
        submit(patient, account=citizen, temperature=Decimal("45.0"))
    assert error_codes(temperature.value) == {"__all__": ["temperature_range"]}
    assert not DailyReport.objects.exists()
    assert not SmsMessage.objects.filter(purpose="homecare_alert").exists()


def test_a_double_submit_files_one_report(patient, citizen):
    key = uuid.uuid4()
    first = report_submit(
        patient=patient,
        account=citizen,
        reading=reading(spo2=90),
        measured_at=NOW,
        submission_key=key,
    )
    second = report_submit(
        patient=patient,
        account=citizen,
        reading=reading(spo2=90),
        measured_at=NOW,
        submission_key=key,
    )
    assert first.pk == second.pk
    assert DailyReport.objects.count() == 1 and Alert.objects.count() == 1


def test_a_key_already_used_by_another_patients_report_is_refused(patient, citizen, ward1):
    key = uuid.uuid4()
    report_submit(
        patient=patient, account=citizen, reading=reading(), measured_at=NOW, submission_key=key
    )
    other = make_patient(
        person=make_person(area=ward1, full_name="Lê Thị Tám", phone="0903000222"),
        phone="+84903000222",
    )
    with pytest.raises(ValidationError) as error:
        report_submit(
            patient=other,
            account=citizen,
            reading=reading(spo2=90),
            measured_at=NOW,
            submission_key=key,
        )
    assert error.value.code == "key_taken"
    assert not other.reports.exists()
    assert not Alert.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("spo2", "alerts"), [(98, 0), (90, 1)])
def test_the_same_report_sent_twice_at_once_on_postgresql_files_one(
    postgres_and_redis, patient, citizen, spo2, alerts
):
    # A normal report is saved on its own, a danger sign's with its alert in a
    # transaction: either way the second INSERT of the one-time key fails and answers
    # with the first report.
    key = uuid.uuid4()

    def send():
        return report_submit(
            patient=patient,
            account=citizen,
            reading=reading(spo2=spo2),
            measured_at=NOW,
            submission_key=key,
        ).pk

    first, second = at_once(send, send)

    assert first == second
    assert DailyReport.objects.count() == 1
    assert Alert.objects.count() == alerts
    assert SmsMessage.objects.filter(purpose="homecare_alert").count() == alerts


def test_after_the_end_of_care_reports_are_refused_and_alerts_closed(patient, citizen, ward1_staff):
    submit(patient, account=citizen, spo2=90)
    homecare_end(patient=patient, reason="hospital", by=ward1_staff, note="BV Quận 1")

    patient.refresh_from_db()
    assert patient.status == CareStatus.ENDED and patient.end_reason == "hospital"
    alert = Alert.objects.get()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert alert.action_note == "Chuyển viện: BV Quận 1"
    with pytest.raises(ValidationError) as error:
        submit(patient, account=citizen)
    assert error.value.code == "not_in_care"
    assert DailyReport.objects.count() == 1


def test_a_confirmed_isolation_completion_ends_care(citizen, citizen_person, ward1_staff, clock):
    from declarations.f0.services import f0_completion_confirm, f0_completion_request
    from tests.declarations.factories import store_photo, tray_image

    declaration = make_declaration(person=citizen_person, account=citizen)
    f0_accept(declaration=declaration, by=ward1_staff)
    clock.shift(datetime.timedelta(days=8))
    photo = store_photo(citizen_person, citizen, tray_image(5), "test_result")
    f0_completion_request(
        declaration=declaration,
        account=citizen,
        negative_test_date=timezone.localdate(),
        photo=photo,
    )
    f0_completion_confirm(declaration=declaration, by=ward1_staff)

    patient = citizen_person.homecare_enrolments.get()
    assert (patient.status, patient.end_reason) == (CareStatus.ENDED, "completed")
