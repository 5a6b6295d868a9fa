"""The exposure list of an F0 case: who was at the same venue at overlapping or nearby
times in the infectious period, texted once each, scoped to the case's province."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from checkpoints.exposure.models import ExposureNotice
from checkpoints.exposure.services import exposure_notices_send, exposures_for_case
from checkpoints.venues.rules import VENUES
from checkpoints.venues.services import (
    checkins_record,
    checkouts_record,
    venue_approve,
    venue_register,
)
from declarations.f0.services import f0_accept
from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.notify.models import SmsMessage
from tests.declarations.factories import make_declaration
from tests.factories import make_citizen, make_person

CASES = reverse("admin:checkpoints_exposurenotice_cases")


def at(hours: float) -> datetime.datetime:
    """A moment `hours` after 08:00 local, yesterday."""
    start = datetime.datetime.combine(
        timezone.localdate() - datetime.timedelta(days=1),
        datetime.time(8, 0),
        tzinfo=timezone.get_default_timezone(),
    )
    return start + datetime.timedelta(hours=hours)


def venue_in(area, by, name="Chợ Bến Thành"):
    manager = make_citizen(phone=f"+8490{uuid.uuid4().int % 10**7:07d}")
    venue = venue_register(
        manager=manager,
        name=name,
        kind="market",
        area=area,
        street_address="Lê Lợi",
        contact_phone=manager.phone,
        submission_key=uuid.uuid4(),
    )
    return venue_approve(venue=venue, by=by)


def visit(person, venue, start, end, account=None):
    [checkin] = checkins_record(venue=venue, persons=[person], account=account, now=start)
    if end is not None:
        checkouts_record(venue=venue, persons=[person], now=end)
    return checkin


@pytest.fixture
def market(village1, ward1_staff):
    return venue_in(village1, ward1_staff)


@pytest.fixture
def case(citizen_person, citizen, ward1_staff, set_rule):
    set_rule(
        VENUES, exposure_margin_minutes=30, infectious_days_before_test=2, open_checkin_hours=4
    )
    declaration = make_declaration(person=citizen_person, account=citizen)
    return f0_accept(declaration=declaration, by=ward1_staff)


def person(area, name, phone=""):
    return make_person(area=area, full_name=name, phone=phone)


def test_overlapping_and_nearby_stays_are_exposures_and_distant_ones_are_not(
    case, citizen_person, market, village1, ward1_staff
):
    visit(citizen_person, market, at(2), at(3))  # the case: 10:00-11:00
    overlapping = person(village1, "Trần Văn Bốn", "0903000001")
    nearby = person(village1, "Lê Thị Năm", "0903000002")
    distant = person(village1, "Phạm Văn Sáu", "0903000003")
    elsewhere = person(village1, "Võ Thị Bảy", "0903000004")
    visit(overlapping, market, at(2.5), at(4))  # in while the case was in
    visit(nearby, market, at(3.4), at(3.6))  # 24 minutes after the case left: within 30
    visit(distant, market, at(4), at(5))  # an hour after: no
    visit(elsewhere, venue_in(village1, ward1_staff, "Nhà sách"), at(2), at(3))

    exposures = exposures_for_case(case)

    assert [e.person for e in exposures] == [overlapping, nearby]
    assert exposures[0].met_from == at(2.5) and exposures[0].met_until == at(3)


def test_a_stay_without_check_out_lasts_the_rule_hours(
    case, citizen_person, market, village1, set_rule
):
    visit(citizen_person, market, at(6), at(7))
    lingering = person(village1, "Trần Văn Bốn", "0903000001")
    visit(lingering, market, at(2.5), None)  # never checked out: 10:30 + 4 h = 14:30

    assert [e.person for e in exposures_for_case(case)] == [lingering]


def test_each_person_is_texted_once_even_when_the_send_runs_twice(
    case, citizen_person, market, village1, ward1_staff
):
    visit(citizen_person, market, at(2), at(3))
    contact = person(village1, "Trần Văn Bốn", "0903000001")
    child = person(village1, "Trần Bé Ba")  # no phone: the parent who checked in is told
    parent = make_citizen(phone="+84903000009")
    visit(contact, market, at(2.5), at(4))
    visit(child, market, at(2.5), at(4), account=parent)

    first = exposure_notices_send(case=case, by=ward1_staff)
    second = exposure_notices_send(case=case, by=ward1_staff)

    assert sorted(n.person.full_name for n in first) == ["Trần Bé Ba", "Trần Văn Bốn"]
    assert second == []
    texts = SmsMessage.objects.filter(purpose="exposure_notice")
    assert sorted(texts.values_list("to", flat=True)) == ["+84903000001", "+84903000009"]
    assert all("Cho Ben Thanh" in text.body for text in texts)
    assert ExposureNotice.objects.count() == 2
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.CREATE, object_type="checkpoints.exposurenotice"
        ).count()
        == 2
    )


def test_check_ins_before_the_infectious_period_do_not_count(
    case, citizen_person, market, village1
):
    long_ago = at(-24 * 4)  # five days before the test: the rule says two
    visit(citizen_person, market, long_ago, long_ago + datetime.timedelta(hours=1))
    visit(person(village1, "Trần Văn Bốn", "0903000001"), market, long_ago, None)

    assert exposures_for_case(case) == []


def test_the_station_sees_the_list_and_sends_from_the_admin(
    client, case, citizen_person, market, village1, ward1_staff
):
    visit(citizen_person, market, at(2), at(3))
    contact = person(village1, "Trần Văn Bốn", "0903000001")
    visit(contact, market, at(2.5), at(4))
    client.force_login(ward1_staff)
    page = f"{CASES}?case={case.pk}"

    listing = client.get(CASES)
    shown = client.get(page)
    sent = client.post(page)
    again = client.get(page)

    assert listing.status_code == shown.status_code == 200
    assert f"?case={case.pk}" in listing.content.decode()
    assert "Trần Văn Bốn" in shown.content.decode()
    assert sent.status_code == 302
    assert "Đã gửi lúc" in again.content.decode()
    read = AuditEvent.objects.filter(action=AuditAction.VIEW, person=contact)
    assert read.count() == 2  # each read of the list names each person listed


def test_another_province_gets_404_and_its_venues_are_not_searched(
    client, case, citizen_person, market, other_ward, ward1_staff, superuser, other_province
):
    from tests.factories import make_staff

    hanoi_staff = make_staff(
        username="tram-y-te-hoan-kiem", role="ward_station", area=other_ward, by=superuser
    )
    hanoi_market = venue_in(other_ward, hanoi_staff, "Chợ Đồng Xuân")
    visit(citizen_person, hanoi_market, at(2), at(3))
    visit(person(other_ward, "Đỗ Văn Tám", "0903000008"), hanoi_market, at(2), at(3))
    client.force_login(hanoi_staff)

    response = client.get(f"{CASES}?case={case.pk}")
    posted = client.post(f"{CASES}?case={case.pk}")
    garbage = client.get(f"{CASES}?case=abc")

    assert response.status_code == posted.status_code == garbage.status_code == 404
    assert exposures_for_case(case) == []  # Hà Nội's market is not the case's province
    assert not SmsMessage.objects.filter(purpose="exposure_notice").exists()
