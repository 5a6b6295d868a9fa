"""Venues and check-ins, the services: the ward's decision, one visit per scan at the
door, one place at a time, and check-ins deleted after the retention rule."""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from checkpoints.venues.models import CheckIn, Venue, VenueStatus
from checkpoints.venues.rules import VENUES
from checkpoints.venues.services import (
    checkin_url,
    checkins_delete_expired,
    checkins_record,
    checkouts_record,
    venue_approve,
    venue_register,
    venue_reject,
)
from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.notify.models import SmsMessage
from khaibao.people.models import Person
from khaibao.trust.services import qr_verify
from tests.factories import error_codes, make_citizen

NOON = datetime.datetime(2026, 12, 4, 5, 0, tzinfo=datetime.UTC)


def register(manager, area, **changes):
    values = {
        "manager": manager,
        "name": "Chợ Bến Thành",
        "kind": "market",
        "area": area,
        "street_address": "Lê Lợi, phường Sài Gòn",
        "contact_phone": "+84903111222",
        "submission_key": uuid.uuid4(),
    }
    values.update(changes)
    return venue_register(**values)


@pytest.fixture
def manager(db):
    return make_citizen(phone="+84903111222")


@pytest.fixture
def venue(manager, village1, ward1_staff):
    return venue_approve(venue=register(manager, village1), by=ward1_staff)


@pytest.fixture
def other_venue(manager, village1, ward1_staff):
    return venue_approve(
        venue=register(manager, village1, name="Nhà sách Phương Nam"), by=ward1_staff
    )


def test_a_registered_venue_waits_for_its_ward_and_a_double_post_registers_once(
    manager, village1, ward1
):
    key = uuid.uuid4()
    first = register(manager, village1, submission_key=key, name="  Chợ   Bến Thành ")
    again = register(manager, village1, submission_key=key)

    assert first.pk == again.pk
    assert (first.status, first.ward, first.name, first.qr_text) == (
        VenueStatus.PENDING,
        ward1,
        "Chợ Bến Thành",
        "",
    )


@pytest.mark.parametrize(
    ("changes", "codes"),
    [
        ({"name": "   "}, {"name": ["required"]}),
        ({"kind": "casino"}, {"kind": ["invalid_choice"]}),
        ({"street_address": ""}, {"street_address": ["required"]}),
    ],
)
def test_a_bad_registration_is_refused_and_nothing_is_saved(manager, village1, changes, codes):
    with pytest.raises(ValidationError) as caught:
        register(manager, village1, **changes)

    assert error_codes(caught.value) == codes


def test_approval_signs_the_poster_code_audits_and_texts_the_manager(
    manager, village1, ward1_staff
):
    venue = venue_approve(venue=register(manager, village1), by=ward1_staff)

    assert venue.status == VenueStatus.APPROVED
    verification = qr_verify(venue.qr_text)
    assert (verification.status, verification.kind) == ("valid", "KB1:venue")
    assert verification.claims["subject_id"] == str(venue.public_id)
    assert checkin_url(venue).startswith("http")
    assert "ma=KB1%3A" in checkin_url(venue)
    event = AuditEvent.objects.get(action=AuditAction.DECIDE, object_id=str(venue.pk))
    assert (event.actor, event.detail) == (ward1_staff, {"decision": "approved"})
    [text] = SmsMessage.objects.filter(purpose="venue_approved")
    assert text.to == "+84903111222" and "Cho Ben Thanh" in text.body


def test_another_ward_may_not_decide_and_a_decided_venue_stays_decided(
    manager, village1, ward1_staff, ward2_staff
):
    pending = register(manager, village1)

    with pytest.raises(PermissionDenied):
        venue_approve(venue=pending, by=ward2_staff)
    rejected = venue_reject(venue=pending, by=ward1_staff, reason="Địa chỉ không đúng")
    with pytest.raises(ValidationError) as again:
        venue_approve(venue=rejected, by=ward1_staff)

    assert rejected.status == VenueStatus.REJECTED
    assert again.value.code == "decided"
    [text] = SmsMessage.objects.filter(purpose="venue_rejected")
    assert "Dia chi khong dung" in text.body


def test_a_rejection_needs_a_reason(manager, village1, ward1_staff):
    with pytest.raises(ValidationError) as caught:
        venue_reject(venue=register(manager, village1), by=ward1_staff, reason="  ")

    assert error_codes(caught.value) == {"reason": ["required"]}


def test_a_pending_venue_takes_no_check_in(manager, village1, citizen, citizen_person):
    with pytest.raises(ValidationError) as caught:
        checkins_record(
            venue=register(manager, village1), persons=[citizen_person], account=citizen
        )

    assert caught.value.code == "not_approved"


def test_one_tap_checks_in_self_and_a_relative_and_a_second_scan_is_the_same_visit(
    venue, citizen, citizen_person, relative, set_rule
):
    set_rule(VENUES, merge_minutes=5)
    first = checkins_record(
        venue=venue, persons=[citizen_person, relative], account=citizen, now=NOON
    )
    again = checkins_record(
        venue=venue,
        persons=[citizen_person, relative],
        account=citizen,
        now=NOON + datetime.timedelta(minutes=4),
    )
    later = checkins_record(
        venue=venue,
        persons=[citizen_person],
        account=citizen,
        now=NOON + datetime.timedelta(minutes=6),
    )

    assert [c.pk for c in again] == [c.pk for c in first]
    assert later[0].pk not in {c.pk for c in first}
    assert CheckIn.objects.filter(person=citizen_person).count() == 2
    assert CheckIn.objects.filter(person=relative).count() == 1


def test_checking_in_elsewhere_checks_out_of_the_first_place(
    venue, other_venue, citizen, citizen_person
):
    [at_market] = checkins_record(venue=venue, persons=[citizen_person], account=citizen, now=NOON)
    later = NOON + datetime.timedelta(minutes=40)
    checkins_record(venue=other_venue, persons=[citizen_person], account=citizen, now=later)

    at_market.refresh_from_db()
    assert at_market.checked_out_at == later


def test_check_out_closes_the_open_check_ins_of_that_venue_only(
    venue, other_venue, citizen, citizen_person, relative
):
    checkins_record(venue=venue, persons=[citizen_person, relative], account=citizen, now=NOON)
    out_at = NOON + datetime.timedelta(hours=1)

    assert checkouts_record(venue=venue, persons=[citizen_person], now=out_at) == 1
    assert checkouts_record(venue=other_venue, persons=[relative], now=out_at) == 0

    assert CheckIn.objects.get(person=citizen_person).checked_out_at == out_at
    assert CheckIn.objects.get(person=relative).checked_out_at is None


def test_the_retention_sweep_deletes_old_check_ins_and_nothing_else(
    venue, citizen, citizen_person, relative, set_rule, province
):
    set_rule(VENUES, retention_days=25)
    now = timezone.now()
    [old] = checkins_record(
        venue=venue,
        persons=[citizen_person],
        account=citizen,
        now=now - datetime.timedelta(days=26),
    )
    [kept] = checkins_record(
        venue=venue, persons=[relative], account=citizen, now=now - datetime.timedelta(days=24)
    )

    assert checkins_delete_expired(now=now) == 1
    assert checkins_delete_expired(now=now) == 0

    assert list(CheckIn.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not CheckIn.objects.filter(pk=old.pk).exists()
    # The persons and the venue stay.
    assert Person.objects.filter(pk__in=[citizen_person.pk, relative.pk]).count() == 2
    assert Venue.objects.filter(pk=venue.pk).exists()


def test_a_province_keeps_check_ins_as_long_as_its_own_rule_says(
    venue, citizen, citizen_person, set_rule, province
):
    set_rule(VENUES, retention_days=25)
    set_rule(VENUES, province=province, retention_days=40)
    now = timezone.now()
    checkins_record(
        venue=venue,
        persons=[citizen_person],
        account=citizen,
        now=now - datetime.timedelta(days=30),
    )

    assert checkins_delete_expired(now=now) == 0
    assert CheckIn.objects.count() == 1


def test_the_beat_runs_the_retention_sweep(settings):
    from checkpoints.venues.tasks import delete_expired_checkins

    entry = settings.CELERY_BEAT_SCHEDULE["checkpoints-delete-expired-checkins"]
    assert entry["task"] == delete_expired_checkins.name
    assert entry["schedule"] <= 24 * 3600
