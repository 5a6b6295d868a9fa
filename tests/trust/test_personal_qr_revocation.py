"""Revoking a person's QR revokes every personal code of theirs issued before, however old;
the staff action that does it (on the person admin) asks for a reason and is audited."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.people.models import Person
from khaibao.trust.admin import revoke_personal_qr
from khaibao.trust.models import SubjectRevocation
from khaibao.trust.services import person_qr_revoke, qr_for_person, qr_issue_kb1, qr_verify

CHANGELIST = reverse("admin:people_person_changelist")
HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def person_admin_with_the_action(monkeypatch):
    """The person admin offering the action (khaibao/people/admin.py is to list it)."""
    model_admin = admin.site._registry[Person]
    if revoke_personal_qr not in (model_admin.actions or ()):
        monkeypatch.setattr(model_admin, "actions", [*model_admin.actions, revoke_personal_qr])
    return model_admin


def test_a_ten_day_old_personal_qr_stops_verifying_once_the_persons_qr_is_revoked(
    db, citizen_person, ward1_staff, ward2_person
):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=10), tick=False):
        ten_days_old = qr_for_person(citizen_person)
    today = qr_for_person(citizen_person)
    someone_else = qr_for_person(ward2_person)
    assert ten_days_old != today
    assert qr_verify(ten_days_old).status == "valid"

    revocation = person_qr_revoke(person=citizen_person, reason="Mất điện thoại", by=ward1_staff)
    after = qr_for_person(citizen_person)

    assert qr_verify(ten_days_old).status == "revoked"
    assert qr_verify(today).status == "revoked"
    assert qr_verify(someone_else).status == "valid"
    assert after not in (ten_days_old, today)
    verification = qr_verify(after)
    assert verification.status == "valid"
    assert verification.claims["issued_at"] == revocation.revoked_before.isoformat()
    revocation.refresh_from_db()
    assert revocation.subject_id == str(citizen_person.public_id)
    assert revocation.revoked_by == ward1_staff
    event = AuditEvent.objects.get(object_type="trust.subjectrevocation")
    assert (event.actor, event.action, event.person) == (
        ward1_staff,
        AuditAction.DECIDE,
        citizen_person,
    )
    assert event.area == citizen_person.area
    assert event.detail["decision"] == "revoke_personal_qr"
    assert event.detail["reason"] == "Mất điện thoại"


def test_the_new_code_after_a_revocation_is_the_same_all_day(db, citizen_person, ward1_staff):
    morning = datetime.datetime(2026, 11, 20, 9, 15, 30, 250000, tzinfo=HANOI)
    with time_machine.travel(morning, tick=False):
        person_qr_revoke(person=citizen_person, reason="Mất điện thoại", by=ward1_staff)
        first = qr_for_person(citizen_person)
    with time_machine.travel(morning + datetime.timedelta(hours=12), tick=False):
        second = qr_for_person(citizen_person)

    assert first == second and qr_verify(second).status == "valid"


def test_a_second_revocation_revokes_the_code_issued_after_the_first(
    db, citizen_person, ward1_staff
):
    person_qr_revoke(person=citizen_person, reason="Mất điện thoại", by=ward1_staff)
    between = qr_for_person(citizen_person)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        person_qr_revoke(person=citizen_person, reason="Lại mất", by=ward1_staff)
        latest = qr_for_person(citizen_person)

        assert qr_verify(between).status == "revoked"
        assert qr_verify(latest).status == "valid"
    assert SubjectRevocation.objects.count() == 2


def test_other_kinds_of_code_about_the_person_are_not_revoked(db, citizen_person, ward1_staff):
    declaration = qr_issue_kb1(
        kind="declaration",
        subject_id=str(citizen_person.public_id),
        claims={"name": citizen_person.full_name},
        valid_for=datetime.timedelta(days=30),
    )

    person_qr_revoke(person=citizen_person, reason="Mất điện thoại", by=ward1_staff)

    assert qr_verify(declaration.text).status == "valid"


def test_a_kb1_code_issued_in_the_future_is_not_yet_valid(db):
    issued = qr_issue_kb1(
        kind="venue",
        subject_id="venue-1",
        claims={"name": "Chợ Bến Thành"},
        valid_for=datetime.timedelta(days=30),
        issued_at=timezone.now() + datetime.timedelta(days=1),
    )

    verification = qr_verify(issued.text)

    assert verification.status == "not_yet_valid"
    assert verification.claims["name"] == "Chợ Bến Thành"


# --- The staff action -----------------------------------------------------------------------


def _post(client, ids, **extra):
    data = {"action": "revoke_personal_qr", "index": "0", "_selected_action": ids, **extra}
    return client.post(CHANGELIST, data)


def test_the_ward_station_revokes_a_persons_qr_from_the_person_list(
    client, ward1_staff, citizen_person, person_admin_with_the_action
):
    old = qr_for_person(citizen_person)
    client.force_login(ward1_staff)

    confirm = _post(client, [citizen_person.pk])
    done = _post(client, [citizen_person.pk], confirm="yes", reason="Mất điện thoại")

    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Thu hồi mã QR cá nhân" in page and citizen_person.full_name in page
    assert 'name="reason"' in page
    assert done.status_code == 302
    assert qr_verify(old).status == "revoked"
    event = AuditEvent.objects.get(object_type="trust.subjectrevocation")
    assert event.actor == ward1_staff and event.person == citizen_person
    assert client.get(done["Location"]).status_code == 200


def test_the_action_without_a_reason_asks_again_and_revokes_nothing(
    client, ward1_staff, citizen_person, person_admin_with_the_action
):
    client.force_login(ward1_staff)

    response = _post(client, [citizen_person.pk], confirm="yes", reason="")

    assert response.status_code == 200
    assert "Hãy nhập lý do thu hồi." in response.content.decode()
    assert not SubjectRevocation.objects.exists()


def test_another_wards_person_is_a_404_and_nothing_is_revoked(
    client, ward1_staff, ward2_person, person_admin_with_the_action
):
    client.force_login(ward1_staff)

    response = _post(client, [ward2_person.pk], confirm="yes", reason="Mất điện thoại")

    assert response.status_code == 404
    assert not SubjectRevocation.objects.exists()


def test_a_role_that_may_not_change_persons_is_not_offered_the_action(
    client, checkpoint_officer, citizen_person, person_admin_with_the_action
):
    client.force_login(checkpoint_officer)

    _post(client, [citizen_person.pk], confirm="yes", reason="Mất điện thoại")

    assert not SubjectRevocation.objects.exists()
