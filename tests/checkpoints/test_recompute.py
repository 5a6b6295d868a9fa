"""A change of quarantine policy reaches every declaration it concerns: recomputed by a
task, the citizen texted once when the outcome changed, the station shown the change."""

import datetime
import uuid

import pytest
from django.utils import timezone

from checkpoints.declaring.models import EntryDeclaration
from checkpoints.declaring.services import Traveller, Trip, entry_declarations_submit
from checkpoints.quarantine.policy import QUARANTINE_POLICY
from checkpoints.quarantine.tasks import (
    recompute_entry_policies,
    recompute_policies_taking_effect,
)
from khaibao.audit.models import AuditEvent
from khaibao.notify.models import SmsMessage
from khaibao.people.models import Relationship
from khaibao.rules.cache import timeline_clear
from khaibao.rules.models import RuleVersion
from tests.checkpoints.conftest import days_from_today, policy_row


def declare(account, person, origin, destination, arrival_on, phone="+84912345678"):
    [declaration] = entry_declarations_submit(
        declared_by=account,
        travellers=[Traveller(person, Relationship.SELF)],
        trip=Trip(
            origin_area=origin,
            departed_on=arrival_on - datetime.timedelta(days=1),
            arrival_on=arrival_on,
            means="coach",
            vehicle_number="29B-123.45",
            destination_area=destination,
            contact_phone=phone,
        ),
        submission_key=uuid.uuid4(),
    )
    return declaration


def policy_texts():
    return list(
        SmsMessage.objects.filter(purpose="checkpoint_policy_changed").values_list("to", "body")
    )


@pytest.fixture
def fourteen_days(publish_policy, origin_village):
    return publish_policy([policy_row(origin_village, "central_quarantine", 14)])


def test_a_new_policy_is_applied_to_an_arrival_ahead_and_texted_once(
    fourteen_days,
    publish_policy,
    citizen,
    citizen_person,
    village1,
    origin_village,
    django_capture_on_commit_callbacks,
):
    declaration = declare(citizen, citizen_person, origin_village, village1, days_from_today(2))

    with django_capture_on_commit_callbacks(execute=True):
        seven = publish_policy([policy_row(origin_village, "self_monitor", 7)])

    declaration.refresh_from_db()
    assert (declaration.policy_measure, declaration.policy_days) == ("self_monitor", 7)
    assert declaration.policy_version_id == seven.pk
    assert declaration.previous_policy_summary == "Cách ly tập trung 14 ngày"
    assert declaration.policy_changed_at is not None
    assert "Tự theo dõi sức khoẻ tại nhà 7 ngày" in declaration.policy_text
    [(to, body)] = policy_texts()
    assert to == "+84912345678"
    assert "7 ngay" in body and "NGUYEN VAN AN" in body.upper()
    assert declaration.access_token in body
    event = AuditEvent.objects.get(object_id=str(declaration.pk), detail__policy_recomputed=True)
    assert event.detail["before"] == "Cách ly tập trung 14 ngày"
    assert event.detail["after"] == "Tự theo dõi sức khoẻ tại nhà 7 ngày"

    # The same task again (a retry, a second beat) changes nothing and texts nobody.
    assert recompute_entry_policies(village1.province_code) == 0
    assert len(policy_texts()) == 1


def test_an_unchanged_outcome_takes_the_new_version_without_a_text(
    fourteen_days, publish_policy, citizen, citizen_person, village1, origin_village, ward2
):
    declaration = declare(citizen, citizen_person, origin_village, village1, days_from_today(1))
    # A policy for another area: this traveller's outcome stays the same.
    newer = publish_policy(
        [
            policy_row(origin_village, "central_quarantine", 14),
            policy_row(ward2, "self_monitor", 7),
        ]
    )

    assert recompute_entry_policies(village1.province_code) == 0

    declaration.refresh_from_db()
    assert declaration.policy_version_id == newer.pk
    assert declaration.policy_changed_at is None
    assert policy_texts() == []


def test_a_running_quarantine_is_recomputed_and_an_ended_one_is_not(
    fourteen_days, publish_policy, citizen, citizen_person, relative, village1, origin_village
):
    running = declare(citizen, citizen_person, origin_village, village1, days_from_today(-2))
    ended = declare(citizen, relative, origin_village, village1, days_from_today(-3))
    # Ended yesterday: what a 14-day quarantine that began 14 days ago looks like.
    EntryDeclaration.objects.filter(pk=ended.pk).update(
        arrival_on=days_from_today(-14),
        departed_on=days_from_today(-15),
        policy_ends_on=days_from_today(-1),
    )
    publish_policy([policy_row(origin_village, "self_monitor", 7)])

    assert recompute_entry_policies(village1.province_code) == 1

    running.refresh_from_db()
    ended.refresh_from_db()
    assert (running.policy_measure, running.policy_days) == ("self_monitor", 7)
    assert running.policy_ends_on == days_from_today(-2) + datetime.timedelta(days=6)
    assert (ended.policy_measure, ended.policy_days) == ("central_quarantine", 14)


def test_another_province_s_policy_change_leaves_these_declarations_alone(
    fourteen_days, set_rule, other_province, citizen, citizen_person, village1, origin_village
):
    declaration = declare(citizen, citizen_person, origin_village, village1, days_from_today(1))
    set_rule(QUARANTINE_POLICY, province=other_province, policies=[])

    assert recompute_entry_policies(other_province.code) == 0

    declaration.refresh_from_db()
    assert declaration.policy_measure == "central_quarantine"


def test_a_policy_scheduled_for_later_is_applied_by_the_sweeper_when_its_time_comes(
    fourteen_days, publish_policy, citizen, citizen_person, village1, origin_village, province
):
    declaration = declare(citizen, citizen_person, origin_village, village1, days_from_today(-1))
    later = publish_policy(
        [policy_row(origin_village, "home_quarantine", 10)],
        at=timezone.now() + datetime.timedelta(hours=3),
    )

    # Before its time the sweeper has nothing to do, and a recompute keeps the old policy.
    assert recompute_policies_taking_effect() == 0
    assert recompute_entry_policies(province.code) == 0
    declaration.refresh_from_db()
    assert declaration.policy_measure == "central_quarantine"

    # Three hours on: the version's time and the last computation moved back instead of
    # the clock forward.
    RuleVersion.objects.filter(pk=fourteen_days.pk).update(
        effective_from=timezone.now() - datetime.timedelta(hours=3)
    )
    RuleVersion.objects.filter(pk=later.pk).update(
        effective_from=timezone.now() - datetime.timedelta(minutes=1)
    )
    EntryDeclaration.objects.filter(pk=declaration.pk).update(
        policy_computed_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    timeline_clear(QUARANTINE_POLICY, province.code)
    assert recompute_policies_taking_effect() == 1
    assert recompute_policies_taking_effect() == 0

    declaration.refresh_from_db()
    assert (declaration.policy_measure, declaration.policy_days) == ("home_quarantine", 10)
    assert declaration.policy_version_id == later.pk
    assert len(policy_texts()) == 1


def test_no_phone_no_text_but_the_change_is_stored(
    fourteen_days, publish_policy, citizen, citizen_person, village1, origin_village
):
    declaration = declare(
        citizen, citizen_person, origin_village, village1, days_from_today(1), phone=""
    )
    publish_policy([policy_row(origin_village, "self_monitor", 7)])

    assert recompute_entry_policies(village1.province_code) == 1

    declaration.refresh_from_db()
    assert declaration.previous_policy_summary == "Cách ly tập trung 14 ngày"
    assert policy_texts() == []
