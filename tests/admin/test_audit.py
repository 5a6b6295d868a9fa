"""Staff reads, searches, exports and changes of persons are written to the audit log."""

import pytest
from django.urls import reverse

from khaibao.accounts.roles import Role
from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.people.models import Person
from khaibao.people.services import person_update

from .admin_urls import admin_url, csv_rows, post_action

STAFF_IP = "203.0.113.7"


def _events_by(user):
    """The user's events (creating the personas logs events of its own)."""
    return AuditEvent.objects.filter(actor=user).order_by("id")


def _person_form_data(person: Person, **changes) -> dict:
    data = {
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth.strftime("%d/%m/%Y"),
        "sex": person.sex,
        "nationality": person.nationality,
        "id_type": person.id_type,
        "id_number": person.id_number,
        "phone": person.phone,
        "area": person.area_id,
        "street_address": person.street_address,
    }
    return {**data, **changes}


# -- reads -----------------------------------------------------------------------------


def test_each_view_of_a_person_change_page_writes_one_view_event(
    client, ward1_staff, citizen_person
):
    client.force_login(ward1_staff)
    url = admin_url(Person, "change", citizen_person)

    first = client.get(url, REMOTE_ADDR=STAFF_IP)
    second = client.get(url, REMOTE_ADDR=STAFF_IP)

    assert first.status_code == second.status_code == 200
    assert citizen_person.full_name in first.content.decode()
    events = list(_events_by(ward1_staff))
    assert len(events) == 2
    for event in events:
        assert event.action == AuditAction.VIEW
        assert event.actor == ward1_staff
        assert event.actor_role == Role.WARD_STATION
        assert event.person == citizen_person
        assert event.area == citizen_person.area
        assert event.object_type == "people.person"
        assert event.object_id == str(citizen_person.pk)
        assert event.ip_address == STAFF_IP


def test_a_refused_view_of_another_wards_person_writes_no_event(client, ward1_staff, ward2_person):
    client.force_login(ward1_staff)

    response = client.get(admin_url(Person, "change", ward2_person))

    assert response.status_code == 404
    assert not _events_by(ward1_staff).exists()


def test_the_person_list_without_a_search_writes_no_event(client, ward1_staff, citizen_person):
    client.force_login(ward1_staff)

    response = client.get(admin_url(Person, "changelist"))

    assert response.status_code == 200
    assert not _events_by(ward1_staff).exists()


# -- searches ----------------------------------------------------------------------------


def test_a_person_search_writes_one_search_event_with_the_term(
    client, ward1_staff, ward1, citizen_person, ward2_person
):
    client.force_login(ward1_staff)

    response = client.get(
        admin_url(Person, "changelist"), {"q": "nguyen van an"}, REMOTE_ADDR=STAFF_IP
    )

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [citizen_person]
    event = _events_by(ward1_staff).get()
    assert event.action == AuditAction.SEARCH
    assert event.actor == ward1_staff
    assert event.detail == {"term": "nguyen van an"}
    assert event.object_type == "people.person"
    assert event.area == ward1
    assert event.ip_address == STAFF_IP
    assert event.person is None


def test_a_search_with_filter_counts_shown_is_still_one_event(client, ward1_staff, citizen_person):
    """With facets on, Django runs the search once per filter: one search, one event."""
    client.force_login(ward1_staff)

    response = client.get(admin_url(Person, "changelist"), {"q": "0912345678", "_facets": "1"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [citizen_person]
    assert _events_by(ward1_staff).count() == 1


def test_a_search_of_areas_is_not_a_search_of_persons(client, ward1_staff, village1):
    client.force_login(ward1_staff)

    response = client.get(reverse("admin:areas_area_changelist"), {"q": "khu pho"})

    assert response.status_code == 200
    assert village1 in response.context["cl"].result_list
    assert not _events_by(ward1_staff).exists()


# -- exports -----------------------------------------------------------------------------


@pytest.fixture
def formula_person(citizen_person):
    """A person whose address, typed by a citizen, would run as a spreadsheet formula."""
    return person_update(person=citizen_person, street_address='=HYPERLINK("http://x.example")')


def test_csv_export_holds_ward1_persons_safely_and_logs_one_event_per_person(
    client, ward1_staff, formula_person, relative, ward2_person
):
    client.force_login(ward1_staff)

    response = post_action(client, Person, [formula_person], select_across=True)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="person-')
    assert "no-store" in response["Cache-Control"]
    header, *rows = csv_rows(response)
    assert header[:3] == ["Họ và tên", "Ngày sinh", "Giới tính"]
    by_name = {row[0]: row for row in rows}
    assert set(by_name) == {"Nguyễn Văn An", "Nguyễn Thị Bình"}
    an = by_name["Nguyễn Văn An"]
    assert an[1] == "14/03/1988"
    assert an[2] == "Nam"
    assert an[header.index("Số nhà, đường")] == '\'=HYPERLINK("http://x.example")'
    assert by_name["Nguyễn Thị Bình"][1] == "02/09/2016"

    events = _events_by(ward1_staff)
    assert {event.action for event in events} == {AuditAction.EXPORT}
    assert sorted(event.person_id for event in events) == sorted([formula_person.pk, relative.pk])
    for event in events:
        assert event.actor == ward1_staff
        assert event.actor_role == Role.WARD_STATION
        assert event.area == event.person.area
        assert event.ip_address == "127.0.0.1"


def test_csv_export_by_a_superuser_records_the_superuser_role(client, superuser, citizen_person):
    client.force_login(superuser)

    response = post_action(client, Person, [citizen_person])

    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.actor_role == "superuser"
    assert event.person == citizen_person


# -- changes ---------------------------------------------------------------------------


def test_editing_a_person_goes_through_the_service_and_logs_the_changed_field(
    client, ward1_staff, citizen_person
):
    client.force_login(ward1_staff)
    url = admin_url(Person, "change", citizen_person)

    # Typed on a phone keyboard: decomposed accents and doubled spaces.
    response = client.post(
        url, _person_form_data(citizen_person, full_name="Nguye\u0302\u0303n  Văn   Anh")
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    citizen_person.refresh_from_db()
    assert citizen_person.full_name == "Nguyễn Văn Anh"
    assert citizen_person.name_key == "nguyen van anh"  # only the service sets the key
    event = _events_by(ward1_staff).get()
    assert event.action == AuditAction.CHANGE
    assert event.actor == ward1_staff
    assert event.person == citizen_person
    assert event.detail == {"fields": ["full_name"]}


def test_editing_two_fields_logs_both_and_nothing_else(client, ward1_staff, citizen_person):
    client.force_login(ward1_staff)

    response = client.post(
        admin_url(Person, "change", citizen_person),
        _person_form_data(citizen_person, street_address="99 Hai Bà Trưng", phone="0987 000 111"),
    )

    assert response.status_code == 302
    citizen_person.refresh_from_db()
    assert citizen_person.phone == "+84987000111"
    assert citizen_person.street_address == "99 Hai Bà Trưng"
    event = _events_by(ward1_staff).get()
    assert event.detail == {"fields": ["phone", "street_address"]}


def test_saving_a_person_unchanged_writes_no_change_event(client, ward1_staff, citizen_person):
    client.force_login(ward1_staff)

    response = client.post(
        admin_url(Person, "change", citizen_person), _person_form_data(citizen_person)
    )

    assert response.status_code == 302
    assert not _events_by(ward1_staff).exists()


def test_moving_a_person_to_another_wards_area_is_refused(
    client, ward1_staff, citizen_person, village2
):
    client.force_login(ward1_staff)

    response = client.post(
        admin_url(Person, "change", citizen_person),
        _person_form_data(citizen_person, area=village2.pk),
    )

    assert response.status_code == 200
    assert "area" in response.context["adminform"].form.errors
    citizen_person.refresh_from_db()
    assert citizen_person.area_id != village2.pk
    assert not _events_by(ward1_staff).exists()


def test_adding_a_person_in_the_admin_logs_one_create_event(client, ward1_staff, village1):
    client.force_login(ward1_staff)

    response = client.post(
        admin_url(Person, "add"),
        {
            "full_name": "Phạm Thị Hoa",
            "date_of_birth": "01/02/1999",
            "sex": "F",
            "nationality": "VN",
            "id_type": "passport",
            "id_number": "C1234567",
            "phone": "",
            "area": village1.pk,
            "street_address": "5 Pasteur",
        },
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    person = Person.objects.get(full_name="Phạm Thị Hoa")
    event = _events_by(ward1_staff).get()
    assert (event.action, event.person, event.actor) == (AuditAction.CREATE, person, ward1_staff)


# -- citizens ----------------------------------------------------------------------------


def test_a_citizens_own_changes_write_no_staff_audit_event(client, citizen, citizen_person):
    person_update(person=citizen_person, by=citizen, street_address="7 Nguyễn Huệ")
    client.force_login(citizen)
    client.get(admin_url(Person, "change", citizen_person))
    client.get(admin_url(Person, "changelist"), {"q": "nguyen"})

    citizen_person.refresh_from_db()
    assert citizen_person.street_address == "7 Nguyễn Huệ"
    assert not _events_by(citizen).exists()
    assert not AuditEvent.objects.filter(person=citizen_person).exists()


# -- the audit log itself is read-only -------------------------------------------------------


@pytest.fixture
def logged_event(ward1_staff, citizen_person, client):
    client.force_login(ward1_staff)
    client.get(admin_url(Person, "change", citizen_person))
    client.logout()
    return _events_by(ward1_staff).get()


@pytest.mark.parametrize("who", ["province_admin", "superuser"])
def test_audit_log_admin_cannot_add_change_or_delete(client, request, who, logged_event):
    client.force_login(request.getfixturevalue(who))
    change_url = admin_url(AuditEvent, "change", logged_event)

    changelist = client.get(admin_url(AuditEvent, "changelist"))
    page = client.get(change_url)
    edit = client.post(change_url, {"action": "change", "object_repr": "sửa"})
    add = client.get(admin_url(AuditEvent, "add"))
    delete = client.post(admin_url(AuditEvent, "delete", logged_event), {"post": "yes"})

    assert changelist.status_code == 200
    assert logged_event.pk in {event.pk for event in changelist.context["cl"].result_list}
    assert not changelist.context["has_add_permission"]
    assert set(changelist.context["cl"].model_admin.get_actions(changelist.wsgi_request)) == {
        "export_csv"
    }
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert not page.context["has_delete_permission"]
    assert (edit.status_code, add.status_code, delete.status_code) == (403, 403, 403)
    logged_event.refresh_from_db()
    assert logged_event.action == AuditAction.VIEW
    assert AuditEvent.objects.filter(pk=logged_event.pk).exists()


def test_audit_log_bulk_delete_action_is_refused(client, superuser, logged_event):
    client.force_login(superuser)

    response = post_action(client, AuditEvent, [logged_event], action="delete_selected")

    assert response.status_code in (200, 302)  # Django: "no action selected"
    assert AuditEvent.objects.filter(pk=logged_event.pk).exists()
