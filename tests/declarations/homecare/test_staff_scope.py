"""Who sees which patient in the admin: a ward station its ward, a treatment facility
only the patients registered at it. Anything else is a 404, on the patient page and on
every URL under it, an alert of another patient included, and nothing changes."""

import pytest
import time_machine
from django.contrib.auth.models import Permission

from declarations.homecare.models import Alert, AlertStatus, CallNote, CareStatus
from khaibao.accounts.roles import Role
from khaibao.audit.models import AuditEvent
from tests.factories import make_person, make_staff

from .factories import make_patient
from .staff_fixtures import (
    acknowledge_url,
    at,
    make_facility,
    make_facility_staff,
    patient_with_alert,
    self_registration,
    url,
)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at(9), tick=False) as traveller:
        yield traveller


@pytest.fixture
def ward1_patient(citizen_person, ward1_staff):
    return patient_with_alert(citizen_person, by=ward1_staff)


@pytest.fixture
def ward2_patient(ward2_person, ward2_staff):
    return patient_with_alert(ward2_person, by=ward2_staff, phone="+84987654321")


@pytest.fixture
def facility(ward1):
    return make_facility(ward1)


@pytest.fixture
def facility_staff(superuser, facility):
    return make_facility_staff(by=superuser, unit=facility)


def _board_pks(client) -> set[int]:
    response = client.get(url("changelist"))
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def test_ward2_staff_gets_404_on_every_url_of_a_ward1_patient_and_nothing_changes(
    client, ward2_staff, ward1_patient, ward2_patient
):
    alert = ward1_patient.alerts.get()
    events = AuditEvent.objects.count()
    client.force_login(ward2_staff)

    gets = [
        url("change", ward1_patient.pk),
        url("history", ward1_patient.pk),
        acknowledge_url(alert),
        url("call_note", ward1_patient.pk),
        url("end", ward1_patient.pk),
    ]
    posts = [
        (acknowledge_url(alert), {"note": "Đã gọi"}),
        (url("call_note", ward1_patient.pk), {"note": "Đã gọi"}),
        (url("end", ward1_patient.pk), {"reason": "completed"}),
    ]

    assert [client.get(path).status_code for path in gets] == [404] * len(gets)
    assert [client.post(path, data).status_code for path, data in posts] == [404] * len(posts)
    assert _board_pks(client) == {ward2_patient.pk}
    alert.refresh_from_db()
    ward1_patient.refresh_from_db()
    assert alert.status == AlertStatus.OPEN and alert.next_send_at is not None
    assert ward1_patient.status == CareStatus.ACTIVE
    assert not CallNote.objects.exists()
    assert AuditEvent.objects.count() == events  # no read, no decision
    # The same URLs open for ward 1's own station, so each 404 above can fail.
    client.force_login(ward1_patient.decided_by)
    assert [client.get(path).status_code for path in gets] == [200] * len(gets)


def test_ward2_staff_gets_404_on_a_ward1_registration(client, ward2_staff, citizen, citizen_person):
    pending = self_registration(citizen_person, citizen)
    client.force_login(ward2_staff)

    assert client.get(url("accept", pending.pk)).status_code == 404
    assert client.post(url("reject", pending.pk), {"note": "Không"}).status_code == 404
    pending.refresh_from_db()
    assert pending.status == CareStatus.PENDING


def test_an_alert_of_another_patient_is_404_under_this_patient(
    client, ward1_staff, ward1_patient, village1
):
    neighbour = patient_with_alert(
        make_person(area=village1, full_name="Hồ Thị Lan"), by=ward1_staff, phone="+84903111222"
    )
    alert = neighbour.alerts.get()
    client.force_login(ward1_staff)
    wrong = url("alert_acknowledge", ward1_patient.pk, alert.pk)

    assert client.get(wrong).status_code == 404
    assert client.post(wrong, {"note": "Đã gọi"}).status_code == 404
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    assert client.get(acknowledge_url(alert)).status_code == 200


def test_treatment_facility_staff_see_only_the_patients_registered_at_their_facility(
    client, ward1_staff, facility, facility_staff, citizen_person, village1, ward1_patient
):
    at_facility = make_patient(
        person=make_person(area=village1, full_name="Mai Văn Tùng"),
        by=ward1_staff,
        phone="+84903222333",
        facility=facility,
    )
    client.force_login(facility_staff)

    assert _board_pks(client) == {at_facility.pk}
    assert client.get(url("change", at_facility.pk)).status_code == 200
    assert client.get(url("change", ward1_patient.pk)).status_code == 404
    assert client.get(acknowledge_url(ward1_patient.alerts.get())).status_code == 404
    response = client.get(url("changelist"))
    assert response.context["open_alerts"] == []  # ward 1's alert is not theirs
    # The ward station still sees both.
    client.force_login(ward1_staff)
    assert _board_pks(client) == {at_facility.pk, ward1_patient.pk}


def test_treatment_facility_staff_without_a_unit_see_no_patient(
    client, superuser, ward1, ward1_patient
):
    staff = make_staff(
        username="co-so-chua-gan", role=Role.TREATMENT_FACILITY, area=ward1, by=superuser
    )
    client.force_login(staff)

    assert _board_pks(client) == set()
    assert client.get(url("change", ward1_patient.pk)).status_code == 404


def test_an_alert_acknowledgement_needs_the_alert_permission(client, ward1_staff, ward1_patient):
    alert = ward1_patient.alerts.get()
    ward1_staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_homecarepatient", "change_homecarepatient"])
    )
    ward1_staff.groups.clear()
    ward1_staff = type(ward1_staff).objects.get(pk=ward1_staff.pk)
    client.force_login(ward1_staff)

    assert client.get(url("change", ward1_patient.pk)).status_code == 200
    assert client.get(acknowledge_url(alert)).status_code == 403
    assert client.post(acknowledge_url(alert), {"note": "Đã gọi"}).status_code == 403
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.OPEN
