"""rules_in_force(): which version applies where and when, read from the cache."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from khaibao.rules.cache import timeline_key
from khaibao.rules.models import RuleVersion
from khaibao.rules.selectors import rules_in_force
from khaibao.rules.services import rule_version_schedule, rule_version_withdraw
from tests.conftest import require

from .conftest import NOW, values

KIND = "test_timing"
TOMORROW = NOW + datetime.timedelta(days=1)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def schedule(by, province, at, document="QĐ thử nghiệm", **changes):
    return rule_version_schedule(
        kind=KIND,
        province=province,
        values=values(**changes),
        effective_from=at,
        document=document,
        by=by,
    )


def test_a_fresh_database_gets_the_defaults_as_national_version_1(db, ward1, clock):
    rules = rules_in_force(KIND, ward1)

    assert (rules.number, rules.scope, rules["days"]) == (1, "VN", 7)
    assert rules.document == "QĐ 261/QĐ-BYT ngày 31/01/2022"
    assert rules.label == "phiên bản 1, QĐ 261/QĐ-BYT ngày 31/01/2022"
    assert RuleVersion.objects.get(kind=KIND).province is None
    # The kinds the apps register were seeded after migrate, each as its national v1.
    assert set(RuleVersion.objects.exclude(kind=KIND).values_list("kind", "number")) == {
        ("f0_timing", 1),
        ("f0_sms", 1),
        ("homecare", 1),
        ("homecare_sms", 1),
        ("labresults", 1),
        ("labresults_sms", 1),
        ("login", 1),
        ("vaccination", 1),
        ("vaccination_sms", 1),
        ("checkpoint_declarations", 1),
        ("checkpoint_declarations_sms", 1),
        ("quarantine_policy", 1),
        ("venues", 1),
        ("venues_sms", 1),
        ("checkpoint_officer", 1),
    }


def test_a_version_scheduled_for_tomorrow_takes_over_tomorrow_without_a_restart(
    db, ward1, province_admin, clock, django_capture_on_commit_callbacks
):
    assert rules_in_force(KIND, ward1)["days"] == 7
    with django_capture_on_commit_callbacks(execute=True):
        version = schedule(province_admin, ward1.parent, TOMORROW, days=10)

    assert rules_in_force(KIND, ward1)["days"] == 7  # still today
    clock.move_to(TOMORROW - datetime.timedelta(seconds=1))
    assert rules_in_force(KIND, ward1)["days"] == 7
    clock.move_to(TOMORROW)
    with CaptureQueriesContext(connection) as queries:
        rules = rules_in_force(KIND, ward1)

    assert (rules["days"], rules.version_id, rules.number, rules.scope) == (10, version.pk, 1, "79")
    assert len(queries) == 0  # the cached timeline already held tomorrow's version


def test_every_past_version_stays_readable(
    db, ward1, province_admin, clock, django_capture_on_commit_callbacks
):
    first = rules_in_force(KIND, ward1)
    with django_capture_on_commit_callbacks(execute=True):
        schedule(province_admin, ward1.parent, TOMORROW, days=10)
    clock.move_to(TOMORROW + datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        schedule(province_admin, ward1.parent, NOW + datetime.timedelta(days=3), days=14)
    clock.move_to(NOW + datetime.timedelta(days=10))

    assert [
        rules_in_force(KIND, ward1, at=NOW + datetime.timedelta(days=d))["days"]
        for d in (0, 1, 2, 3)
    ] == [7, 10, 10, 14]
    assert rules_in_force(KIND, ward1, at=NOW).version_id == first.version_id


def test_a_province_without_its_own_version_follows_the_national_default(
    db, ward1, other_ward, province_admin, superuser, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        schedule(province_admin, ward1.parent, NOW, days=10)
        schedule(superuser, None, NOW, days=5, document="QĐ toàn quốc")

    assert rules_in_force(KIND, ward1)["days"] == 10
    assert rules_in_force(KIND, other_ward)["days"] == 5
    assert rules_in_force(KIND, None)["days"] == 5


def test_a_cached_rule_costs_no_query(db, ward1, django_assert_num_queries, clock):
    # The first read seeds this throw-away kind's defaults (not cached: not committed
    # yet), the second caches them.
    rules_in_force(KIND, ward1)
    rules_in_force(KIND, ward1)
    with django_assert_num_queries(0):
        for _ in range(100):
            assert rules_in_force(KIND, ward1)["spo2"] == 96


def test_a_new_version_clears_the_cached_timeline_in_redis(
    db, ward1, province_admin, clock, django_capture_on_commit_callbacks, settings
):
    require(settings.REDIS_URL, "the cache must be the real Redis (set REDIS_URL)")
    rules_in_force(KIND, ward1)
    assert cache.get(timeline_key(KIND, "79")) == []  # cached: the province has none yet

    with django_capture_on_commit_callbacks(execute=True):
        schedule(province_admin, ward1.parent, NOW, days=12)

    assert cache.get(timeline_key(KIND, "79")) is None
    assert rules_in_force(KIND, ward1)["days"] == 12
    assert cache.get(timeline_key(KIND, "79"))[0]["values"]["days"] == 12


def test_a_withdrawn_version_never_takes_effect(
    db, ward1, province_admin, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        version = schedule(province_admin, ward1.parent, TOMORROW, days=10)
        rule_version_withdraw(version=version, by=province_admin)
    clock.move_to(TOMORROW)

    assert rules_in_force(KIND, ward1)["days"] == 7
    with pytest.raises(ValidationError) as refused:
        rule_version_withdraw(version=version, by=province_admin)
    assert refused.value.code == "withdrawn"


def test_a_version_in_force_cannot_be_withdrawn(db, ward1, province_admin, clock):
    version = schedule(province_admin, ward1.parent, NOW, days=10)
    with pytest.raises(ValidationError) as refused:
        rule_version_withdraw(version=version, by=province_admin)
    assert refused.value.code == "in_force"


def test_versions_are_numbered_per_province_and_never_backdated(db, ward1, province_admin, clock):
    assert schedule(province_admin, ward1.parent, NOW, days=8).number == 1
    assert schedule(province_admin, ward1.parent, TOMORROW, days=9).number == 2
    with pytest.raises(ValidationError) as refused:
        schedule(province_admin, ward1.parent, NOW - datetime.timedelta(hours=1), days=9)
    assert [e.code for e in refused.value.error_dict["effective_from"]] == ["in_past"]
    assert RuleVersion.objects.filter(province=ward1.parent).count() == 2


def test_invalid_values_are_refused_with_their_codes_and_nothing_is_saved(
    db, ward1, province_admin, clock
):
    with pytest.raises(ValidationError) as refused:
        schedule(province_admin, ward1.parent, TOMORROW, document=" ", days=-1, spo2=150)

    assert {
        name: [e.code for e in errors] for name, errors in refused.value.error_dict.items()
    } == {
        "days": ["out_of_range"],
        "spo2": ["out_of_range"],
        "document": ["required"],
    }
    assert not RuleVersion.objects.filter(province__isnull=False).exists()


def test_only_the_provinces_own_admin_or_the_national_admin_may_change_it(
    db, ward1, other_province, province_admin, ward1_staff, clock
):
    for who, where in (
        (province_admin, other_province),
        (province_admin, None),
        (ward1_staff, ward1.parent),
    ):
        with pytest.raises(PermissionDenied):
            schedule(who, where, TOMORROW, days=10)
    assert not RuleVersion.objects.filter(kind=KIND).exists()


def test_a_moment_before_any_version_gets_the_defaults_not_an_endless_recursion(db, ward1):
    rules = rules_in_force(KIND, ward1, at=datetime.datetime(2019, 6, 1, tzinfo=datetime.UTC))

    assert (rules.number, rules["days"]) == (1, 7)


def test_defaults_seeded_in_a_transaction_that_rolls_back_are_not_left_in_the_cache(
    transactional_db, ward1
):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        seeded = rules_in_force(KIND, ward1)
        raise RuntimeError("the request failed after reading a rule")

    assert not RuleVersion.objects.filter(pk=seeded.version_id).exists()
    again = rules_in_force(KIND, ward1)
    assert RuleVersion.objects.filter(pk=again.version_id).exists()


def test_a_kind_s_on_change_hook_runs_after_commit_for_schedule_and_withdraw(
    db, province, province_admin, clock, django_capture_on_commit_callbacks
):
    import dataclasses

    from khaibao.rules.kinds import register_kind, unregister_kind

    from .conftest import TEST_KIND

    told = []
    unregister_kind(TEST_KIND.slug)
    register_kind(dataclasses.replace(TEST_KIND, on_change=told.append))
    try:
        with django_capture_on_commit_callbacks(execute=False) as pending:
            version = rule_version_schedule(
                kind=KIND,
                province=province,
                values=values(days=5),
                effective_from=NOW + datetime.timedelta(days=1),
                document="QĐ mới",
                by=province_admin,
            )
        # Nothing is told before the version is committed.
        assert told == []
        for callback in pending:
            callback()
        with django_capture_on_commit_callbacks(execute=True):
            rule_version_withdraw(version=version, by=province_admin)
    finally:
        unregister_kind(TEST_KIND.slug)
        register_kind(TEST_KIND)

    assert told == [province, province]
