"""The station's arrivals (EntryDeclarationAdmin) and the health declarations list: scope,
filters, the read-only page and its audit, the follow-up, the list's query count."""

import datetime
import uuid

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from checkpoints.declaring.models import EntryDeclaration, HealthDeclaration, TravelMeans
from checkpoints.declaring.services import (
    Traveller,
    Trip,
    entry_declarations_submit,
    health_declaration_submit,
)
from checkpoints.quarantine.services import entry_policy_recompute
from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.people.ids import Sex
from khaibao.people.models import Relationship
from tests.checkpoints.conftest import days_from_today, policy_row, today
from tests.factories import AreaLevel, make_area, make_person

CHANGELIST = reverse("admin:checkpoints_entrydeclaration_changelist")
HEALTH_CHANGELIST = reverse("admin:checkpoints_healthdeclaration_changelist")


def change_url(declaration) -> str:
    return reverse("admin:checkpoints_entrydeclaration_change", args=[declaration.pk])


def follow_up_url(declaration) -> str:
    return reverse("admin:checkpoints_entrydeclaration_follow_up", args=[declaration.pk])


def arrive(person, *, by, origin, destination, arrival_on=None, vehicle="51B-12345", **trip):
    """One entry declaration filed through the citizens' service."""
    arrival_on = arrival_on or today()
    [declaration] = entry_declarations_submit(
        declared_by=by,
        travellers=[Traveller(person=person, relationship=Relationship.SELF)],
        trip=Trip(
            origin_area=origin,
            departed_on=min(arrival_on, today()),
            arrival_on=arrival_on,
            means=TravelMeans.COACH,
            vehicle_number=vehicle,
            destination_area=destination,
            **trip,
        ),
        submission_key=uuid.uuid4(),
    )
    return declaration


_numbers = iter(range(1, 10_000))


def traveller(area, name=None):
    number = next(_numbers)
    return make_person(
        area=area,
        full_name=name or f"Người Đến Số {number}",
        date_of_birth=datetime.date(1970 + number % 40, 1 + number % 12, 1 + number % 28),
        sex=Sex.FEMALE if number % 2 else Sex.MALE,
    )


def listed(response) -> set[int]:
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.fixture
def ward1_arrival(superuser, origin_village, village1, publish_policy):
    publish_policy([policy_row(origin_village, "central_quarantine", 14)])
    person = traveller(origin_village, "Hoàng Văn Nam")
    return arrive(person, by=superuser, origin=origin_village, destination=village1)


@pytest.fixture
def ward2_arrival(superuser, origin_village, village2):
    person = traveller(origin_village, "Đỗ Thị Lan")
    return arrive(person, by=superuser, origin=origin_village, destination=village2)


# -- the list ---------------------------------------------------------------------------


def test_station_lists_its_arrivals_with_the_policy_and_not_another_wards(
    client, ward1_staff, ward1_arrival, ward2_arrival
):
    client.force_login(ward1_staff)

    response = client.get(CHANGELIST)

    assert listed(response) == {ward1_arrival.pk}
    page = response.content.decode()
    assert "Hoàng Văn Nam" in page and "Đỗ Thị Lan" not in page
    assert str(ward1_arrival.person.date_of_birth.year) in page
    assert "Tổ dân phố Đông, Phường Hoàn Kiếm" in page
    assert "Xe khách 51B-12345" in page
    assert "Cách ly tập trung 14 ngày" in page
    assert "Chưa theo dõi" in page


def test_a_changed_policy_is_marked_with_the_previous_one(
    client, ward1_staff, ward1_arrival, origin_village, publish_policy
):
    publish_policy([policy_row(origin_village, "self_monitor", 7)])
    assert entry_policy_recompute(declaration_id=ward1_arrival.pk) is True
    client.force_login(ward1_staff)

    page = client.get(CHANGELIST).content.decode()

    assert "Tự theo dõi sức khoẻ tại nhà 7 ngày" in page
    assert "⚠ chính sách đã đổi" in page
    assert "Trước: Cách ly tập trung 14 ngày" in page


def test_another_wards_arrival_is_404_on_its_page_and_on_every_action(
    client, ward1_staff, ward2_arrival
):
    client.force_login(ward1_staff)
    before = AuditEvent.objects.count()

    page = client.get(change_url(ward2_arrival))
    follow_up_page = client.get(follow_up_url(ward2_arrival))
    follow_up = client.post(follow_up_url(ward2_arrival), {"note": "đã gọi"})
    bulk = client.post(
        CHANGELIST,
        {
            "action": "follow_up_selected",
            "index": "0",
            ACTION_CHECKBOX_NAME: [str(ward2_arrival.pk)],
        },
    )

    assert [page.status_code, follow_up_page.status_code, follow_up.status_code] == [404] * 3
    assert bulk.status_code == 404
    ward2_arrival.refresh_from_db()
    assert ward2_arrival.follow_up_done_at is None
    assert AuditEvent.objects.count() == before


def test_the_list_is_filtered_by_arrival_day(
    client, ward1_staff, superuser, origin_village, village1
):
    arrivals = {
        offset: arrive(
            traveller(origin_village),
            by=superuser,
            origin=origin_village,
            destination=village1,
            arrival_on=days_from_today(offset),
        )
        for offset in (-2, 0, 1, 5, 9)
    }
    client.force_login(ward1_staff)
    start, tomorrow = today(), days_from_today(1)

    def shown(**query):
        return {
            offset
            for offset, arrival in arrivals.items()
            if arrival.pk in listed(client.get(CHANGELIST, query))
        }

    assert shown() == {-2, 0, 1, 5, 9}
    assert shown(arrival_on__gte=start, arrival_on__lt=tomorrow) == {0}
    assert shown(arrival_on__gte=tomorrow, arrival_on__lt=days_from_today(2)) == {1}
    assert shown(arrival_on__gte=start, arrival_on__lt=days_from_today(7)) == {0, 1, 5}
    assert shown(arrival_on__lt=start) == {-2}
    # A range of days, both included (the form under the filter's links).
    assert shown(arrival_on__gte=tomorrow, arrival_on__lte=days_from_today(5)) == {1, 5}


def test_the_filter_offers_today_tomorrow_the_next_7_days_and_the_past(client, ward1_staff):
    client.force_login(ward1_staff)

    page = client.get(CHANGELIST).content.decode()

    for label in ("Hôm nay", "Ngày mai", "7 ngày tới", "Đã đến (trước hôm nay)", "Từ ngày"):
        assert label in page


def test_the_list_is_filtered_by_policy_follow_up_and_paper(
    client, ward1_staff, superuser, origin_village, other_ward, village1, publish_policy
):
    other_village = make_area(
        code="00070-002", name="Tổ dân phố Tây", level=AreaLevel.VILLAGE, parent=other_ward
    )
    publish_policy(
        [
            policy_row(origin_village, "central_quarantine", 14),
            policy_row(other_village, "self_monitor", 7),
        ]
    )
    strict = arrive(
        traveller(origin_village), by=superuser, origin=origin_village, destination=village1
    )
    light = arrive(
        traveller(other_village), by=superuser, origin=other_village, destination=village1
    )
    client.force_login(ward1_staff)
    client.post(follow_up_url(light), {"note": ""})
    EntryDeclaration.objects.filter(pk=strict.pk).update(entered_by_staff=True)

    assert listed(client.get(CHANGELIST, {"policy_measure__exact": "central_quarantine"})) == {
        strict.pk
    }
    assert listed(client.get(CHANGELIST, {"policy_measure__exact": "self_monitor"})) == {light.pk}
    assert listed(client.get(CHANGELIST, {"theo_doi": "chua"})) == {strict.pk}
    assert listed(client.get(CHANGELIST, {"theo_doi": "roi"})) == {light.pk}
    assert listed(client.get(CHANGELIST, {"entered_by_staff__exact": "1"})) == {strict.pk}


def test_the_list_finds_a_traveller_by_name_without_accents_and_audits_the_search(
    client, ward1_staff, ward1_arrival
):
    client.force_login(ward1_staff)

    found = listed(client.get(CHANGELIST, {"q": "hoang van"}))

    assert found == {ward1_arrival.pk}
    assert AuditEvent.objects.filter(
        actor=ward1_staff, action=AuditAction.SEARCH, object_type="checkpoints.entrydeclaration"
    ).exists()


def test_the_list_runs_as_many_queries_for_30_arrivals_as_for_3(
    client, ward1_staff, superuser, origin_village, village1, django_assert_max_num_queries
):
    def add(count):
        for _ in range(count):
            declaration = arrive(
                traveller(origin_village), by=superuser, origin=origin_village, destination=village1
            )
        return declaration

    last = add(3)
    client.force_login(ward1_staff)
    client.get(CHANGELIST)  # the session and content types, cached once

    with CaptureQueriesContext(connection) as few:
        assert len(listed(client.get(CHANGELIST))) == 3
    # Some of them followed up and with a changed policy: the columns read no more rows.
    EntryDeclaration.objects.filter(pk=last.pk).update(
        follow_up_done_at=last.created_at,
        follow_up_by=ward1_staff,
        policy_changed_at=last.created_at,
    )
    add(27)
    with django_assert_max_num_queries(len(few)), CaptureQueriesContext(connection) as many:
        assert len(listed(client.get(CHANGELIST))) == 30

    assert len(many) == len(few)


# -- a declaration's page ---------------------------------------------------------------


def test_reading_an_arrival_shows_its_details_and_is_audited(
    client, ward1_staff, ward1_arrival, village1
):
    client.force_login(ward1_staff)

    response = client.get(change_url(ward1_arrival))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Hoàng Văn Nam" in page
    assert "Tổ dân phố Đông, Phường Hoàn Kiếm, Thành phố Hà Nội" in page
    # Vaccination and test as the person said: nothing in the portal's records.
    assert page.count("Tự khai") >= 2
    assert "Cách ly tập trung 14 ngày" in page
    version = ward1_arrival.policy_version
    assert f"Phiên bản {version.number} (Thành phố Hồ Chí Minh), {version.document}" in page
    assert "Đánh dấu đã theo dõi" in page
    event = AuditEvent.objects.get(action=AuditAction.VIEW, object_id=str(ward1_arrival.pk))
    assert (event.actor, event.person, event.area) == (
        ward1_staff,
        ward1_arrival.person,
        ward1_arrival.destination_ward,
    )


def test_the_arrival_page_is_read_only(client, ward1_staff, ward1_arrival):
    client.force_login(ward1_staff)

    response = client.post(change_url(ward1_arrival), {"arrival_on": "01/01/2030"})

    assert response.status_code == 403
    ward1_arrival.refresh_from_db()
    assert ward1_arrival.arrival_on == today()


# -- the follow-up ----------------------------------------------------------------------


def test_marking_an_arrival_followed_up_is_saved_and_audited(client, ward1_staff, ward1_arrival):
    client.force_login(ward1_staff)

    form = client.get(follow_up_url(ward1_arrival))
    response = client.post(follow_up_url(ward1_arrival), {"note": "  Đã gọi điện,  đang ở nhà "})

    assert form.status_code == 200
    assert response.status_code == 302
    assert response["Location"].startswith(CHANGELIST)
    ward1_arrival.refresh_from_db()
    assert ward1_arrival.follow_up_done_at is not None
    assert ward1_arrival.follow_up_by == ward1_staff
    assert ward1_arrival.follow_up_note == "Đã gọi điện, đang ở nhà"
    event = AuditEvent.objects.get(action=AuditAction.DECIDE, object_id=str(ward1_arrival.pk))
    assert event.actor == ward1_staff
    assert event.detail == {"follow_up": "done", "note": "Đã gọi điện, đang ở nhà"}
    # The form's page shows the person: that read is audited too, with the person named.
    read = AuditEvent.objects.get(action=AuditAction.VIEW, object_id=str(ward1_arrival.pk))
    assert (read.actor, read.person_id, read.detail) == (
        ward1_staff,
        ward1_arrival.person_id,
        {"page": "follow_up"},
    )
    listed_page = client.get(CHANGELIST).content.decode()
    assert "Đã theo dõi" in listed_page


def test_a_note_too_long_is_400_and_marks_nothing(client, ward1_staff, ward1_arrival):
    client.force_login(ward1_staff)

    response = client.post(follow_up_url(ward1_arrival), {"note": "x" * 301})

    assert response.status_code == 400
    assert "Ghi chú dài tối đa 300 ký tự." in response.content.decode()
    ward1_arrival.refresh_from_db()
    assert ward1_arrival.follow_up_done_at is None


def test_an_arrival_already_followed_up_says_when_and_is_not_marked_again(
    client, ward1_staff, ward2_staff, ward1_arrival
):
    client.force_login(ward1_staff)
    client.post(follow_up_url(ward1_arrival), {"note": "lần đầu"})

    again = client.post(follow_up_url(ward1_arrival), {"note": "lần hai"})

    assert again.status_code == 200
    assert "Đã được đánh dấu theo dõi lúc" in again.content.decode()
    ward1_arrival.refresh_from_db()
    assert ward1_arrival.follow_up_note == "lần đầu"
    assert AuditEvent.objects.filter(action=AuditAction.DECIDE).count() == 1


def test_the_bulk_action_marks_each_selected_arrival_once(
    client, ward1_staff, superuser, origin_village, village1
):
    first, second = (
        arrive(traveller(origin_village), by=superuser, origin=origin_village, destination=village1)
        for _ in range(2)
    )
    client.force_login(ward1_staff)
    client.post(follow_up_url(first), {"note": "đã gọi"})

    response = client.post(
        CHANGELIST,
        {
            "action": "follow_up_selected",
            "index": "0",
            ACTION_CHECKBOX_NAME: [str(first.pk), str(second.pk)],
        },
        follow=True,
    )

    page = response.content.decode()
    assert "Đã đánh dấu 1 người đã được theo dõi." in page
    assert "Bỏ qua 1 người đã được đánh dấu từ trước." in page
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.follow_up_note, second.follow_up_by) == ("đã gọi", ward1_staff)
    assert AuditEvent.objects.filter(action=AuditAction.DECIDE).count() == 2


def test_the_province_reads_arrivals_but_does_not_mark_them(
    client, province_admin, ward1_arrival, ward2_arrival
):
    client.force_login(province_admin)

    shown = listed(client.get(CHANGELIST))
    marked = client.post(follow_up_url(ward1_arrival), {"note": ""})

    assert shown == {ward1_arrival.pk, ward2_arrival.pk}
    assert marked.status_code == 403
    ward1_arrival.refresh_from_db()
    assert ward1_arrival.follow_up_done_at is None


# -- health declarations ----------------------------------------------------------------


def declare_health(person, area, *, by, **answers):
    return health_declaration_submit(
        declared_by=by,
        person=person,
        relationship=Relationship.SELF,
        submission_key=uuid.uuid4(),
        area=area,
        **answers,
    )


def test_health_declarations_are_listed_by_area_and_filtered_by_symptoms(
    client, ward1_staff, superuser, citizen_person, ward2_person, village1, village2
):
    coughing = declare_health(citizen_person, village1, by=superuser, symptoms=["cough"])
    well = declare_health(traveller(village1), village1, by=superuser)
    elsewhere = declare_health(ward2_person, village2, by=superuser, symptoms=["fever"])
    client.force_login(ward1_staff)

    every = client.get(HEALTH_CHANGELIST)

    assert listed(every) == {coughing.pk, well.pk}
    assert "Ho" in every.content.decode()
    assert listed(client.get(HEALTH_CHANGELIST, {"trieu_chung": "co"})) == {coughing.pk}
    assert listed(client.get(HEALTH_CHANGELIST, {"trieu_chung": "khong"})) == {well.pk}
    # The "Hôm nay" link of the date filter: local midnight to the next one.
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    since, until = str(midnight), str(midnight + datetime.timedelta(days=1))
    assert listed(
        client.get(HEALTH_CHANGELIST, {"created_at__gte": since, "created_at__lt": until})
    ) == {coughing.pk, well.pk}
    other = reverse("admin:checkpoints_healthdeclaration_change", args=[elsewhere.pk])
    assert client.get(other).status_code == 404


def test_reading_a_health_declaration_is_audited(
    client, ward1_staff, superuser, citizen_person, village1
):
    declaration = declare_health(
        citizen_person, village1, by=superuser, symptoms=["fever"], other_symptoms="đau đầu"
    )
    client.force_login(ward1_staff)

    response = client.get(
        reverse("admin:checkpoints_healthdeclaration_change", args=[declaration.pk])
    )

    assert response.status_code == 200
    assert "Sốt, đau đầu" in response.content.decode()
    event = AuditEvent.objects.get(
        action=AuditAction.VIEW, object_type="checkpoints.healthdeclaration"
    )
    assert (event.actor, event.person, event.area) == (ward1_staff, citizen_person, village1)
    assert HealthDeclaration.objects.get(pk=declaration.pk).symptoms == ["fever"]


def test_the_health_list_runs_as_many_queries_for_30_declarations_as_for_3(
    client, ward1_staff, superuser, village1
):
    def add(count):
        for index in range(count):
            declare_health(
                traveller(village1), village1, by=superuser, symptoms=["cough"] if index % 2 else []
            )

    add(3)
    client.force_login(ward1_staff)
    client.get(HEALTH_CHANGELIST)  # the session and content types, cached once
    with CaptureQueriesContext(connection) as few:
        assert len(listed(client.get(HEALTH_CHANGELIST))) == 3
    add(27)
    with CaptureQueriesContext(connection) as many:
        assert len(listed(client.get(HEALTH_CHANGELIST))) == 30

    assert len(many) == len(few)
