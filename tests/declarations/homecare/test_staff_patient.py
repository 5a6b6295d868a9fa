"""The patient page in the admin: read-only and audited, with the reports (a table and
the chart), the alerts and the rule version behind each, the call notes; and the
station's decisions on it, each through its service: accept or reject a registration,
acknowledge an alert, add a call note, end care."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from declarations.homecare.chasing import alerts_resend_due
from declarations.homecare.models import (
    Alert,
    AlertStatus,
    CallNote,
    CareEnd,
    CareStatus,
    HomeCarePatient,
)
from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.notify.models import SmsMessage

from .factories import make_unit, submit
from .staff_fixtures import (
    acknowledge_url,
    at,
    make_facility,
    messages_of,
    patient_with_alert,
    self_registration,
    url,
)

#: The patient page stays under this many queries, whatever it shows.
PAGE_QUERY_BUDGET = 30


@pytest.fixture
def clock():
    with time_machine.travel(at(9), tick=False) as traveller:
        yield traveller


@pytest.fixture
def station(ward1):
    # The duty phone alerts go to (and the acknowledgement stops).
    return make_unit(area=ward1, name="Trạm Y tế phường Sài Gòn", phone="+84283822111")


@pytest.fixture
def patient(clock, citizen_person, ward1_staff, station):
    """In care since 30 November; a normal report yesterday, a danger report today."""
    patient = patient_with_alert(citizen_person, by=ward1_staff, onset=datetime.date(2026, 11, 30))
    report = patient.reports.get()
    yesterday = at(8, day=1)
    submit(patient, account=ward1_staff, measured_at=yesterday, spo2=97, temperature=37.8)
    return HomeCarePatient.objects.get(pk=patient.pk), report


@pytest.fixture
def pending(clock, citizen, citizen_person):
    return self_registration(
        citizen_person, citizen, spo2=93, has_carer=False, danger_symptoms=["chest_pain"]
    )


def _decide_events(obj) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=AuditAction.DECIDE, object_type=obj._meta.label_lower, object_id=str(obj.pk)
        )
    )


# -- the page ----------------------------------------------------------------------------------


def test_the_patient_page_shows_reports_chart_alerts_and_the_rule_behind_each(
    client, ward1_staff, patient
):
    patient, report = patient
    client.force_login(ward1_staff)

    response = client.get(url("change", patient.pk))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nguyễn Văn An" in page and f"CS-{patient.pk:06d}" in page
    # The chart, drawn with the rule's thresholds.
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="kb-chart"' in page
    assert 'data-threshold="spo2_below" data-value="96"' in page
    # The history, newest first, the low SpO2 marked; day 3 of the illness today.
    reports = page[page.index('id="hc-reports"') :]
    assert reports.index("09:00 02/12/2026") < reports.index("08:00 01/12/2026")
    assert '<span class="hc-low">⚠ 92%</span>' in reports
    assert "37,8 °C" in reports or "37.8 °C" in reports
    # The alert, with the version of the rule that raised it.
    alert = Alert.objects.get(report=report)
    version = alert.rules_version
    assert f"phiên bản {version.number}, {version.document} (Toàn quốc)" in page
    assert acknowledge_url(alert) in page
    assert "SpO2 thấp (92%) · báo lúc 09:00 02/12/2026 · đã báo số trực 1 lần" in page
    for form in ("call_note_form", "end_form", f"ack_form_{alert.pk}"):
        assert f'id="{form}"' in page
    assert 'id="accept_form"' not in page  # not a pending registration


def test_reading_the_patient_page_is_audited(client, ward1_staff, patient):
    patient, _report = patient
    client.force_login(ward1_staff)

    client.get(url("change", patient.pk))

    event = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert event.actor == ward1_staff
    assert event.object_type == "declarations.homecarepatient"
    assert event.object_id == str(patient.pk)
    assert event.person == patient.person


def test_the_patient_page_cannot_be_edited_added_or_deleted(client, ward1_staff, patient):
    patient, _report = patient
    client.force_login(ward1_staff)

    edit = client.post(url("change", patient.pk), {"phone": "+84900000000"})

    assert edit.status_code == 403
    assert client.get(url("add")).status_code == 403
    assert client.get(url("delete", patient.pk)).status_code == 403
    patient.refresh_from_db()
    assert patient.phone == "+84912345678"


def test_the_patient_page_runs_the_same_queries_for_2_and_for_20_reports(
    client, ward1_staff, patient
):
    patient, _report = patient
    client.force_login(ward1_staff)
    client.get(url("change", patient.pk))

    with CaptureQueriesContext(connection) as few:
        client.get(url("change", patient.pk))
    for hour in range(9):
        submit(patient, account=ward1_staff, measured_at=at(hour, day=2), spo2=95)
        submit(patient, account=ward1_staff, measured_at=at(hour + 9, day=1), spo2=98)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("change", patient.pk))

    assert response.status_code == 200
    assert patient.reports.count() == 20 and patient.alerts.count() == 10
    assert len(few) == len(many)
    assert len(few) <= PAGE_QUERY_BUDGET


def test_a_pending_self_registration_shows_what_the_screening_found(client, ward1_staff, pending):
    client.force_login(ward1_staff)

    page = client.get(url("change", pending.pk)).content.decode()

    flags = page[page.index("hc-screening") : page.index("</section>")]
    assert "Tự đăng ký, chờ Trạm Y tế tiếp nhận" in flags
    for text in ("Có dấu hiệu nguy hiểm", "SpO2 thấp", "Không có người chăm sóc"):
        assert f"<strong>{text}</strong>" in flags
    assert "Đau tức ngực" in page  # the answers themselves, further down
    assert 'id="accept_form"' in page and 'id="reject_form"' in page
    assert 'id="end_form"' not in page


# -- accept and reject ---------------------------------------------------------------------------


def test_accepting_a_registration_starts_care_at_the_chosen_facility(
    client, ward1_staff, pending, ward1
):
    facility = make_facility(ward1)
    client.force_login(ward1_staff)

    response = client.post(url("accept", pending.pk), {"facility": facility.pk})

    assert response.status_code == 302
    assert response["Location"] == url("changelist")
    assert messages_of(response) == [
        f"Đã tiếp nhận Nguyễn Văn An (CS-{pending.pk:06d}). "
        "Tin nhắn hướng dẫn báo cáo đã được xếp gửi."
    ]
    pending.refresh_from_db()
    assert pending.status == CareStatus.ACTIVE
    assert pending.facility == facility and pending.decided_by == ward1_staff
    assert [e.detail["decision"] for e in _decide_events(pending)] == ["accept"]
    assert SmsMessage.objects.filter(purpose="homecare_accepted", to="+84912345678").exists()


def test_rejecting_without_a_reason_is_a_form_error_and_changes_nothing(
    client, ward1_staff, pending
):
    client.force_login(ward1_staff)

    response = client.post(url("reject", pending.pk), {"note": "   "})

    assert response.status_code == 400
    assert "Ghi lý do không tiếp nhận để người đăng ký biết cần làm gì." in (
        response.content.decode()
    )
    pending.refresh_from_db()
    assert pending.status == CareStatus.PENDING and pending.reject_note == ""
    assert _decide_events(pending) == []
    assert not SmsMessage.objects.filter(purpose="homecare_rejected").exists()


def test_rejecting_with_a_reason_tells_the_citizen(client, ward1_staff, pending):
    client.force_login(ward1_staff)

    response = client.post(url("reject", pending.pk), {"note": "Cần theo dõi tại cơ sở y tế"})

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == CareStatus.REJECTED
    assert pending.reject_note == "Cần theo dõi tại cơ sở y tế"
    assert [e.detail["decision"] for e in _decide_events(pending)] == ["reject"]
    sms = SmsMessage.objects.get(purpose="homecare_rejected")
    assert "Can theo doi tai co so y te" in sms.body


def test_an_action_that_does_not_apply_now_changes_nothing(client, ward1_staff, patient):
    patient, _report = patient
    client.force_login(ward1_staff)

    page = client.get(url("accept", patient.pk))
    posted = client.post(url("accept", patient.pk))

    assert page.status_code == 200
    assert "Thao tác này không áp dụng" in page.content.decode()
    assert posted.status_code == 302
    assert messages_of(posted) == ["Thao tác này không áp dụng cho hồ sơ lúc này."]
    assert _decide_events(patient) == []


# -- alerts --------------------------------------------------------------------------------------


def test_acknowledging_writes_the_note_stops_the_resends_and_is_audited(
    client, ward1_staff, patient, clock
):
    patient, report = patient
    alert = Alert.objects.get(report=report)
    assert alert.next_send_at is not None
    client.force_login(ward1_staff)

    page = client.get(acknowledge_url(alert))
    response = client.post(acknowledge_url(alert), {"note": "Đã gọi, hướng dẫn  thở oxy"})

    assert page.status_code == 200
    shown = page.content.decode()
    assert "SpO2 thấp (92%)" in shown
    assert "đã báo số trực 1 lần" in shown and "0912 345 678" in shown
    assert response.status_code == 302
    assert response["Location"] == url("changelist")
    assert messages_of(response) == [
        f"Đã ghi xử lý cảnh báo của Nguyễn Văn An (CS-{patient.pk:06d})."
    ]
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert alert.action_note == "Đã gọi, hướng dẫn thở oxy"
    assert alert.acknowledged_by == ward1_staff and alert.next_send_at is None
    [event] = _decide_events(alert)
    assert event.detail == {"decision": "acknowledge", "rules_version": alert.rules_version_id}
    assert event.person == patient.person
    sent = SmsMessage.objects.filter(purpose="homecare_alert").count()
    clock.shift(datetime.timedelta(hours=1))
    assert alerts_resend_due() == 0
    assert SmsMessage.objects.filter(purpose="homecare_alert").count() == sent


def test_acknowledging_without_a_note_is_a_form_error(client, ward1_staff, patient):
    patient, report = patient
    alert = Alert.objects.get(report=report)
    client.force_login(ward1_staff)

    response = client.post(acknowledge_url(alert), {"note": ""})

    assert response.status_code == 400
    assert "Ghi lại đã xử lý thế nào." in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN and alert.next_send_at is not None
    assert _decide_events(alert) == []


def test_an_acknowledged_alert_shows_who_handled_it_and_cannot_be_handled_again(
    client, ward1_staff, ward2_staff, patient
):
    patient, report = patient
    alert = Alert.objects.get(report=report)
    client.force_login(ward1_staff)
    client.post(acknowledge_url(alert), {"note": "Đã gọi"})

    again = client.post(acknowledge_url(alert), {"note": "Lần hai"})
    page = client.get(url("change", patient.pk)).content.decode()

    assert again.status_code == 200
    assert "Lần hai" not in again.content.decode()
    alert.refresh_from_db()
    assert alert.action_note == "Đã gọi"
    assert len(_decide_events(alert)) == 1
    assert "Tram-Y-Te-1: Đã gọi" in page
    assert f"ack_form_{alert.pk}" not in page


# -- call notes and the end of care ----------------------------------------------------------------


def test_a_call_note_from_the_patient_page_is_saved_and_listed(client, ward1_staff, patient):
    patient, _report = patient
    client.force_login(ward1_staff)

    empty = client.post(url("call_note", patient.pk), {"note": ""})
    response = client.post(url("call_note", patient.pk), {"note": "Không nghe máy"})

    assert empty.status_code == 400
    assert "Ghi nội dung cuộc gọi." in empty.content.decode()
    assert response.status_code == 302
    assert response["Location"] == url("change", patient.pk)
    note = CallNote.objects.get()
    assert (note.patient, note.note, note.created_by) == (patient, "Không nghe máy", ward1_staff)
    assert "Không nghe máy" in client.get(url("change", patient.pk)).content.decode()


def test_transfer_to_hospital_needs_a_note_and_then_closes_the_open_alerts(
    client, ward1_staff, patient
):
    patient, report = patient
    client.force_login(ward1_staff)

    missing = client.post(url("end", patient.pk), {"reason": CareEnd.HOSPITAL, "note": ""})
    response = client.post(
        url("end", patient.pk), {"reason": CareEnd.HOSPITAL, "note": "Bệnh viện quận 1"}
    )

    assert missing.status_code == 400
    assert "Ghi rõ nơi chuyển đến hoặc hoàn cảnh tử vong." in missing.content.decode()
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.status == CareStatus.ENDED and patient.end_reason == CareEnd.HOSPITAL
    assert patient.end_note == "Bệnh viện quận 1" and patient.ended_by == ward1_staff
    alert = Alert.objects.get(report=report)
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.next_send_at is None
    assert [e.detail["decision"] for e in _decide_events(patient)] == ["end_hospital"]
