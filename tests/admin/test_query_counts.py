"""Admin lists and exports run a fixed number of queries, however many rows they show."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from khaibao.accounts.models import User
from khaibao.accounts.roles import Role
from khaibao.areas.models import AreaLevel
from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.audit.services import log_action
from khaibao.people.ids import Sex
from khaibao.people.models import Person
from khaibao.rules.models import RuleVersion
from tests.factories import cccd_for, make_area, make_person, make_staff
from tests.vaccination.factories import give_dose, make_unit, make_unit_staff, submit_correction
from vaccination.models import CorrectionRequest, DoseRecord, VaccinationCertificate

from .admin_urls import admin_url, post_action

#: A page of the admin should stay well under this whatever it shows.
QUERY_BUDGET = 20


def _queries(client, method, *args, **kwargs) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = method(*args, **kwargs)
    assert response.status_code == 200
    return len(captured), response


@pytest.fixture
def ward1_places(ward1, village1):
    """Ward 1, its group 1 and a second group: rows spread over areas (and parents)."""
    village = make_area(code="26734-002", name="Khu phố 2", level=AreaLevel.VILLAGE, parent=ward1)
    return [ward1, village1, village]


def _add_persons(places, start: int, stop: int) -> None:
    for number in range(start, stop):
        make_person(
            area=places[number % len(places)],
            full_name=f"Người Thứ {number}",
            date_of_birth=datetime.date(1960 + number % 40, 1 + number % 12, 1 + number % 28),
            sex=Sex.FEMALE if number % 2 else Sex.MALE,
        )


def _add_staff(superuser, areas, start: int, stop: int) -> list[User]:
    return [
        make_staff(
            username=f"can-bo-{number}",
            role=Role.WARD_STATION,
            area=areas[number % len(areas)],
            by=superuser,
        )
        for number in range(start, stop)
    ]


def test_person_changelist_queries_do_not_grow_with_the_rows(client, ward1_staff, ward1_places):
    client.force_login(ward1_staff)
    url = admin_url(Person, "changelist")
    _add_persons(ward1_places, 0, 5)
    client.get(url)  # warm the session and content-type caches

    few, first = _queries(client, client.get, url)
    _add_persons(ward1_places, 5, 50)
    many, second = _queries(client, client.get, url)

    assert len(first.context["cl"].result_list) == 5
    assert len(second.context["cl"].result_list) == 50
    assert many == few
    assert few <= QUERY_BUDGET


def test_person_search_queries_do_not_grow_with_the_rows(client, ward1_staff, ward1_places):
    client.force_login(ward1_staff)
    url = admin_url(Person, "changelist")
    _add_persons(ward1_places, 0, 5)
    client.get(url)

    few, first = _queries(client, client.get, url, {"q": "nguoi thu"})
    _add_persons(ward1_places, 5, 50)
    many, second = _queries(client, client.get, url, {"q": "nguoi thu"})

    assert len(first.context["cl"].result_list) == 5
    assert len(second.context["cl"].result_list) == 50
    assert many == few


def test_person_csv_export_queries_do_not_grow_with_the_rows(client, ward1_staff, ward1_places):
    client.force_login(ward1_staff)
    _add_persons(ward1_places, 0, 5)
    one = Person.objects.first()
    post_action(client, Person, [one], select_across=True)

    few, first = _queries(client, post_action, client, Person, [one], select_across=True)
    _add_persons(ward1_places, 5, 50)
    many, second = _queries(client, post_action, client, Person, [one], select_across=True)

    assert len(first.content.decode().splitlines()) == 1 + 5
    assert len(second.content.decode().splitlines()) == 1 + 50
    assert many == few


def test_staff_changelist_queries_do_not_grow_with_the_rows(
    client, superuser, province_admin, ward1, ward2
):
    client.force_login(province_admin)
    url = admin_url(User, "changelist")
    _add_staff(superuser, [ward1, ward2], 0, 4)
    client.get(url)

    few, first = _queries(client, client.get, url)
    _add_staff(superuser, [ward1, ward2], 4, 49)
    many, second = _queries(client, client.get, url)

    assert len(first.context["cl"].result_list) == 5  # and the province admin
    assert len(second.context["cl"].result_list) == 50
    assert many == few
    assert few <= QUERY_BUDGET


def test_audit_changelist_queries_do_not_grow_with_the_rows(
    client, superuser, province_admin, ward1, ward2, citizen_person
):
    actors = _add_staff(superuser, [ward1, ward2], 0, 10)
    client.force_login(province_admin)
    url = admin_url(AuditEvent, "changelist")

    def add_events(count: int) -> None:
        for number in range(count):
            actor = actors[number % len(actors)]
            log_action(
                actor=actor,
                action=AuditAction.VIEW,
                obj=citizen_person,
                person=citizen_person,
                area=actor.staff_profile.area,
            )

    client.get(url)
    shown_before = AuditEvent.objects.filter(area__path__startswith=ward1.parent.path).count()
    add_events(5)
    few, first = _queries(client, client.get, url)
    add_events(45)
    many, second = _queries(client, client.get, url)

    assert len(first.context["cl"].result_list) == shown_before + 5
    assert len(second.context["cl"].result_list) == shown_before + 50
    assert many == few
    assert few <= QUERY_BUDGET


def test_rule_version_changelist_queries_do_not_grow_with_the_rows(
    client, superuser, province_admin, province
):
    def add_versions(start: int, stop: int) -> None:
        for number in range(start, stop):
            RuleVersion.objects.create(
                kind="f0_timing",
                province=province,
                number=number + 1,
                effective_from=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
                + datetime.timedelta(days=number),
                document=f"QĐ {number}/QĐ-SYT",
                values={
                    "test_date_window_days": 2,
                    "decision_hours": 24,
                    "isolation_days": 7,
                    "certificate_valid_days": 180,
                },
            )

    client.force_login(province_admin)
    url = "/admin/rules/ruleversion/"
    add_versions(0, 5)
    client.get(url)

    few, first = _queries(client, client.get, url)
    add_versions(5, 50)
    many, second = _queries(client, client.get, url)

    assert len(first.context["cl"].result_list) >= 5
    assert len(second.context["cl"].result_list) >= 50
    assert many == few
    assert few <= QUERY_BUDGET


# -- vaccination ------------------------------------------------------------------------


@pytest.fixture
def vaccination_unit(superuser, ward1):
    return make_unit(by=superuser, area=ward1, code="TC-P1", name="Điểm tiêm phường 1")


@pytest.fixture
def vaccination_staff(superuser, vaccination_unit):
    return make_unit_staff(by=superuser, unit=vaccination_unit, username="diem-tiem-phuong-1")


def _add_doses(places, unit, start: int, stop: int) -> None:
    for number in range(start, stop):
        person = make_person(
            area=places[number % len(places)],
            full_name=f"Người Tiêm {number}",
            date_of_birth=datetime.date(1960 + number % 40, 1 + number % 12, 1 + number % 28),
        )
        give_dose(person, unit, lot=f"LO{number}")


def _add_corrections(area, unit, start: int, stop: int) -> None:
    for number in range(start, stop):
        born = datetime.date(1970 + number % 30, 1 + number % 12, 1 + number % 28)
        submit_correction(
            area=area,
            unit=unit,
            kind="dose1",
            full_name=f"Người Phản Ánh {number}",
            date_of_birth=born,
            id_number=cccd_for(born, Sex.MALE),
            phone=f"+8491{number:07d}",
        )


def test_dose_changelist_queries_do_not_grow_with_the_rows(
    client, vaccination_staff, vaccination_unit, ward1_places
):
    client.force_login(vaccination_staff)
    url = admin_url(DoseRecord, "changelist")
    _add_doses(ward1_places, vaccination_unit, 0, 5)
    client.get(url)

    few, first = _queries(client, client.get, url)
    _add_doses(ward1_places, vaccination_unit, 5, 50)
    many, second = _queries(client, client.get, url)

    assert len(first.context["cl"].result_list) == 5
    assert len(second.context["cl"].result_list) == 50
    assert many == few
    assert few <= QUERY_BUDGET


def test_correction_queue_queries_do_not_grow_with_the_rows(
    client, vaccination_staff, vaccination_unit, ward1
):
    client.force_login(vaccination_staff)
    url = admin_url(CorrectionRequest, "changelist")
    _add_corrections(ward1, vaccination_unit, 0, 5)
    client.get(url)

    few, first = _queries(client, client.get, url)
    _add_corrections(ward1, vaccination_unit, 5, 30)
    many, second = _queries(client, client.get, url)

    assert len(first.context["cl"].result_list) == 5
    assert len(second.context["cl"].result_list) == 30
    assert many == few
    assert few <= QUERY_BUDGET


def test_certificate_changelist_queries_do_not_grow_with_the_rows(
    client, province_admin, vaccination_unit, ward1_places
):
    client.force_login(province_admin)
    url = admin_url(VaccinationCertificate, "changelist")
    _add_doses(ward1_places, vaccination_unit, 0, 5)
    client.get(url)

    few, first = _queries(client, client.get, url)
    _add_doses(ward1_places, vaccination_unit, 5, 50)
    many, second = _queries(client, client.get, url)

    assert len(first.context["cl"].result_list) == 5
    assert len(second.context["cl"].result_list) == 50
    assert many == few
    assert few <= QUERY_BUDGET
