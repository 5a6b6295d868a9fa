"""log_action() and log_actions(): who, what, where and from which address."""

from django.test import RequestFactory

from khaibao.accounts.roles import Role
from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.audit.services import audit_event_build, log_action, log_actions
from khaibao.lib.clientip import client_ip


def test_an_event_names_the_actor_role_the_object_and_the_client_address(
    ward1_staff, citizen_person
):
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.4")

    event = log_action(
        actor=ward1_staff,
        action=AuditAction.VIEW,
        obj=citizen_person,
        person=citizen_person,
        area=citizen_person.area,
        ip=client_ip(request),
    )

    event.refresh_from_db()
    assert event.actor_role == Role.WARD_STATION
    assert (event.object_type, event.object_id) == ("people.person", str(citizen_person.pk))
    assert event.object_repr == str(citizen_person)
    assert event.ip_address == "198.51.100.4"


def test_a_forged_forwarded_for_header_is_not_recorded(superuser):
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="10.0.0.1")

    event = log_action(
        actor=superuser, action=AuditAction.SEARCH, object_type="x", ip=client_ip(request)
    )

    assert event.ip_address == "198.51.100.4"
    assert event.actor_role == "superuser"


def test_behind_a_trusted_proxy_the_clients_address_is_recorded(superuser, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.4, 10.9.0.1"
    )

    event = log_action(
        actor=superuser, action=AuditAction.SEARCH, object_type="x", ip=client_ip(request)
    )

    assert event.ip_address == "198.51.100.4"


def test_many_events_are_written_at_once_with_the_same_fields_as_one(
    ward1_staff, citizen_person, relative
):
    events = [
        audit_event_build(
            actor=ward1_staff,
            action=AuditAction.EXPORT,
            obj=person,
            person=person,
            area=person.area,
        )
        for person in (citizen_person, relative)
    ]

    log_actions(events)

    stored = AuditEvent.objects.filter(action=AuditAction.EXPORT, actor=ward1_staff)
    assert sorted(event.person_id for event in stored) == sorted([citizen_person.pk, relative.pk])
    assert {event.actor_role for event in stored} == {Role.WARD_STATION}
    assert {event.object_type for event in stored} == {"people.person"}
