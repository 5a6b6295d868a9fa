"""Quarantine policy by origin: the most specific area wins, dates and exceptions, and the
rule version stored with each declaration."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from checkpoints.declaring.models import EntryDeclaration, Source
from checkpoints.declaring.services import Traveller, Trip, entry_declarations_submit
from checkpoints.quarantine.policy import (
    QUARANTINE_POLICY,
    Exception_,
    Measure,
    ResultFacts,
    VaccinationFacts,
    policy_resolve,
)
from khaibao.people.models import Relationship
from khaibao.rules.kinds import get_kind
from tests.checkpoints.conftest import days_from_today, policy_row, today
from tests.declarations.labresults.factories import make_lab, record
from tests.factories import AreaLevel, error_codes, make_area
from tests.vaccination.factories import give_dose, make_unit


@pytest.fixture
def origin_point(origin_village):
    return make_area(
        code="00070-001-01", name="Chợ Đồng Xuân", level=AreaLevel.POINT, parent=origin_village
    )


@pytest.fixture
def other_origin_village(other_ward):
    return make_area(
        code="00070-002", name="Tổ dân phố Tây", level=AreaLevel.VILLAGE, parent=other_ward
    )


@pytest.fixture
def ward_elsewhere(other_province):
    return make_area(
        code="00073", name="Phường Ba Đình", level=AreaLevel.WARD, parent=other_province
    )


def resolve(area, destination, arrival_on=None, **facts):
    return policy_resolve(
        origin_path=area.path, destination=destination, arrival_on=arrival_on or today(), **facts
    )


def test_the_most_specific_area_on_the_origin_path_wins(
    publish_policy,
    village1,
    other_province,
    other_ward,
    origin_village,
    origin_point,
    other_origin_village,
    ward_elsewhere,
):
    publish_policy(
        [
            policy_row(other_province, "test_on_arrival", 0),
            policy_row(other_ward, "self_monitor", 7),
            policy_row(origin_village, "home_quarantine", 10),
            policy_row(origin_point, "central_quarantine", 14),
        ]
    )

    point = resolve(origin_point, village1)
    village = resolve(origin_village, village1)
    ward = resolve(other_origin_village, village1)
    province = resolve(ward_elsewhere, village1)

    assert (point.measure, point.days, point.area_code) == (
        "central_quarantine",
        14,
        "00070-001-01",
    )
    assert (village.measure, village.days, village.area_code) == (
        "home_quarantine",
        10,
        "00070-001",
    )
    assert (ward.measure, ward.days, ward.area_code) == ("self_monitor", 7, "00070")
    assert (province.measure, province.area_code) == ("test_on_arrival", "01")
    assert village.text().startswith("Cách ly tại nhà 10 ngày, từ ngày đến")


def test_an_origin_without_any_policy_has_none(publish_policy, village1, origin_village, ward2):
    publish_policy([policy_row(ward2, "central_quarantine", 14)])

    outcome = resolve(origin_village, village1)

    assert (outcome.measure, outcome.area_code, outcome.ends_on) == (Measure.NONE, "", None)
    assert outcome.text() == "Không phải cách ly hay xét nghiệm khi đến."


def test_the_province_that_receives_decides_not_another_one(
    set_rule, village1, origin_village, other_province, other_ward
):
    # Hà Nội's own table says nothing about people going to Hồ Chí Minh City.
    set_rule(QUARANTINE_POLICY, province=other_province, policies=[policy_row(origin_village)])

    assert resolve(origin_village, village1).measure == Measure.NONE
    assert resolve(origin_village, other_ward).measure == Measure.CENTRAL_QUARANTINE


def test_a_version_scheduled_for_tomorrow_applies_to_arrivals_from_tomorrow(
    publish_policy, village1, origin_village
):
    publish_policy([policy_row(origin_village, "central_quarantine", 14)])
    tomorrow = days_from_today(1)
    midnight = datetime.datetime.combine(
        tomorrow, datetime.time.min, tzinfo=timezone.get_default_timezone()
    )
    later = publish_policy([policy_row(origin_village, "self_monitor", 7)], at=midnight)

    arriving_today = resolve(origin_village, village1, today())
    arriving_tomorrow = resolve(origin_village, village1, tomorrow)

    assert (arriving_today.measure, arriving_today.days) == ("central_quarantine", 14)
    assert (arriving_tomorrow.measure, arriving_tomorrow.days) == ("self_monitor", 7)
    assert arriving_tomorrow.version_id == later.pk
    # The day counts from the arrival: day 1 is the arrival day.
    assert arriving_tomorrow.ends_on == tomorrow + datetime.timedelta(days=6)


def test_a_row_applies_on_its_first_and_last_day_only(publish_policy, village1, origin_village):
    first, last = days_from_today(2), days_from_today(4)
    publish_policy(
        [policy_row(origin_village, **{"from": first.isoformat(), "until": last.isoformat()})]
    )

    on_days = {
        offset: resolve(origin_village, village1, days_from_today(offset)).measure
        for offset in (1, 2, 4, 5)
    }

    assert on_days == {
        1: Measure.NONE,
        2: Measure.CENTRAL_QUARANTINE,
        4: Measure.CENTRAL_QUARANTINE,
        5: Measure.NONE,
    }


EXCEPTIONS = {
    "vaccinated": {"measure": "self_monitor", "days": 7},
    "negative_test": {"measure": "home_quarantine", "days": 7},
}


@pytest.mark.parametrize(
    ("last_dose_days_before", "complete", "expected"),
    [
        (14, True, ("self_monitor", 7, Exception_.VACCINATED)),
        (13, True, ("central_quarantine", 14, Exception_.NONE)),
        (60, False, ("central_quarantine", 14, Exception_.NONE)),
    ],
)
def test_a_full_vaccination_earns_the_exception_from_the_rule_day_after_the_last_dose(
    publish_policy, village1, origin_village, last_dose_days_before, complete, expected
):
    publish_policy([policy_row(origin_village, **EXCEPTIONS)], vaccinated_days_after_dose=14)
    arrival = days_from_today(3)
    facts = VaccinationFacts(
        primary_complete=complete,
        last_dose_on=arrival - datetime.timedelta(days=last_dose_days_before),
    )

    outcome = resolve(origin_village, village1, arrival, vaccination=facts)

    assert (outcome.measure, outcome.days, outcome.exception) == expected


@pytest.mark.parametrize(
    ("hours_before_arrival_day", "expected"),
    [(72, Exception_.NEGATIVE_TEST), (73, Exception_.NONE)],
)
def test_a_recent_negative_test_earns_its_exception_within_the_rule_hours(
    publish_policy, village1, origin_village, hours_before_arrival_day, expected
):
    publish_policy([policy_row(origin_village, **EXCEPTIONS)], negative_test_hours=72)
    arrival = days_from_today(1)
    start = datetime.datetime.combine(
        arrival, datetime.time.min, tzinfo=timezone.get_default_timezone()
    )
    facts = ResultFacts(start - datetime.timedelta(hours=hours_before_arrival_day))

    outcome = resolve(origin_village, village1, arrival, test=facts)

    assert outcome.exception == expected


def test_when_both_exceptions_apply_the_lighter_one_wins(publish_policy, village1, origin_village):
    publish_policy([policy_row(origin_village, **EXCEPTIONS)])
    arrival = days_from_today(1)

    outcome = resolve(
        origin_village,
        village1,
        arrival,
        vaccination=VaccinationFacts(True, arrival - datetime.timedelta(days=100)),
        test=ResultFacts(timezone.now()),
    )

    assert (outcome.measure, outcome.exception) == ("self_monitor", Exception_.VACCINATED)
    assert "đã tiêm đủ liều" in outcome.text()


@pytest.mark.parametrize(
    ("row", "codes"),
    [
        ({"measure": "central_quarantine", "days": 0}, ["days_required"]),
        ({"measure": "lockdown", "days": 3}, ["bad_measure"]),
        ({"measure": "self_monitor", "days": 99}, ["bad_days"]),
        (
            {
                "measure": "self_monitor",
                "days": 7,
                "vaccinated": {"measure": "central_quarantine", "days": 14},
            },
            ["exception_stricter"],
        ),
        (
            {"measure": "self_monitor", "days": 7, "from": "2026-12-10", "until": "2026-12-01"},
            ["dates_reversed"],
        ),
        # A superscript two is a digit to str.isdigit(), not to int().
        ({"measure": "self_monitor", "days": "²"}, ["bad_days"]),
    ],
)
def test_a_bad_policy_row_is_refused_with_its_reason(village1, origin_village, row, codes):
    kind = get_kind(QUARANTINE_POLICY)

    with pytest.raises(ValidationError) as caught:
        kind.clean({**kind.defaults, "policies": [{"area": origin_village.code, **row}]})

    assert error_codes(caught.value) == {"policies": codes}


def test_an_unknown_area_code_and_a_repeated_area_are_refused(village1, origin_village):
    kind = get_kind(QUARANTINE_POLICY)
    row = {"measure": "self_monitor", "days": 7}

    with pytest.raises(ValidationError) as unknown:
        kind.clean({**kind.defaults, "policies": [{"area": "99999-999", **row}]})
    with pytest.raises(ValidationError) as repeated:
        kind.clean(
            {
                **kind.defaults,
                "policies": [
                    {"area": origin_village.code, **row},
                    {"area": origin_village.code, **row},
                ],
            }
        )

    assert error_codes(unknown.value) == {"policies": ["unknown_area"]}
    assert "99999-999" in unknown.value.messages[0]
    assert error_codes(repeated.value) == {"policies": ["duplicate_area"]}


# -- stored with the declaration ------------------------------------------------------------


def _trip(origin, destination, arrival_on, **changes) -> Trip:
    values = {
        "origin_area": origin,
        "departed_on": arrival_on - datetime.timedelta(days=1),
        "arrival_on": arrival_on,
        "means": "car",
        "destination_area": destination,
        "contact_phone": "+84912345678",
    }
    values.update(changes)
    return Trip(**values)


def test_the_declaration_stores_the_outcome_with_its_rule_version(
    publish_policy, citizen, citizen_person, village1, origin_village
):
    version = publish_policy([policy_row(origin_village, "central_quarantine", 14)])
    arrival = days_from_today(2)

    [declaration] = entry_declarations_submit(
        declared_by=citizen,
        travellers=[Traveller(citizen_person, Relationship.SELF)],
        trip=_trip(origin_village, village1, arrival),
        submission_key=uuid.uuid4(),
    )

    declaration.refresh_from_db()
    assert declaration.policy_version_id == version.pk
    assert (declaration.policy_measure, declaration.policy_days) == ("central_quarantine", 14)
    assert declaration.policy_area_code == origin_village.code
    assert declaration.policy_ends_on == arrival + datetime.timedelta(days=13)
    assert "Cách ly tập trung 14 ngày" in declaration.policy_text
    assert declaration.qr_text.startswith("KB1:")


def test_verified_records_earn_the_exception_and_self_declared_doses_do_not(
    publish_policy, superuser, citizen, citizen_person, relative, village1, ward1, origin_village
):
    publish_policy([policy_row(origin_village, **EXCEPTIONS)])
    unit = make_unit(by=superuser, area=ward1)
    give_dose(citizen_person, unit, number=1, given_on=datetime.date(2021, 8, 2), vaccine="pfizer")
    give_dose(citizen_person, unit, number=2, given_on=datetime.date(2021, 9, 2), vaccine="pfizer")

    verified, self_declared = entry_declarations_submit(
        declared_by=citizen,
        travellers=[
            Traveller(citizen_person, Relationship.SELF, vaccine_doses=0),
            # The child says three doses; the portal holds none, so they are shown to the
            # station as self-declared and change nothing.
            Traveller(
                relative,
                Relationship.CHILD,
                vaccine_doses=3,
                last_dose_on=datetime.date(2022, 1, 5),
            ),
        ],
        trip=_trip(origin_village, village1, days_from_today(1)),
        submission_key=uuid.uuid4(),
    )

    assert (verified.vaccination_source, verified.vaccine_doses) == (Source.VERIFIED, 2)
    assert (verified.policy_measure, verified.policy_exception) == ("self_monitor", "vaccinated")
    assert (self_declared.vaccination_source, self_declared.vaccine_doses) == (Source.SELF, 3)
    assert (self_declared.policy_measure, self_declared.policy_exception) == (
        "central_quarantine",
        "",
    )


def test_a_verified_negative_result_is_filled_in_and_earns_its_exception(
    publish_policy, superuser, citizen, citizen_person, village1, ward1, origin_village
):
    publish_policy([policy_row(origin_village, **EXCEPTIONS)])
    record(make_lab(by=superuser, area=ward1), area=village1)

    [declaration] = entry_declarations_submit(
        declared_by=citizen,
        travellers=[Traveller(citizen_person, Relationship.SELF)],
        trip=_trip(origin_village, village1, today()),
        submission_key=uuid.uuid4(),
    )

    assert (declaration.test_source, declaration.test_outcome) == (Source.VERIFIED, "negative")
    assert declaration.test_sampled_on is not None
    assert (declaration.policy_measure, declaration.policy_exception) == (
        "home_quarantine",
        "negative_test",
    )


def test_nothing_is_saved_when_one_traveller_fails(
    publish_policy, citizen, citizen_person, relative, village1, origin_village
):
    arrival = days_from_today(1)

    with pytest.raises(ValidationError) as caught:
        entry_declarations_submit(
            declared_by=citizen,
            travellers=[
                Traveller(citizen_person, Relationship.SELF),
                Traveller(
                    relative,
                    Relationship.CHILD,
                    vaccine_doses=1,
                    last_dose_on=arrival + datetime.timedelta(days=1),
                ),
            ],
            trip=_trip(origin_village, village1, arrival),
            submission_key=uuid.uuid4(),
        )

    assert error_codes(caught.value) == {"last_dose_on": ["dose_after_arrival"]}
    assert not EntryDeclaration.objects.exists()


def test_a_village_typed_by_hand_that_is_loaded_gets_its_policy(
    publish_policy, citizen, citizen_person, village1, other_ward, origin_village
):
    publish_policy([policy_row(origin_village, "central_quarantine", 14)])

    [declaration] = entry_declarations_submit(
        declared_by=citizen,
        travellers=[Traveller(citizen_person, Relationship.SELF)],
        # Typed without accents, on the ward, instead of picked from the list.
        trip=_trip(other_ward, village1, days_from_today(1), origin_village_text="to dan pho DONG"),
        submission_key=uuid.uuid4(),
    )

    assert (declaration.origin_area, declaration.origin_village_text) == (origin_village, "")
    assert (declaration.policy_measure, declaration.policy_days) == ("central_quarantine", 14)


def test_a_late_declaration_is_not_refused_for_a_verified_test_taken_after_arrival(
    publish_policy, superuser, citizen, citizen_person, village1, ward1, origin_village
):
    """Declaring two days late, with a negative test taken this morning: the test is not
    the trip's (it came after arrival), and it blocks nothing."""
    publish_policy([policy_row(origin_village, **EXCEPTIONS)])
    record(make_lab(by=superuser, area=ward1), area=village1)
    arrival = days_from_today(-2)

    [declaration] = entry_declarations_submit(
        declared_by=citizen,
        travellers=[Traveller(citizen_person, Relationship.SELF)],
        trip=_trip(origin_village, village1, arrival),
        submission_key=uuid.uuid4(),
    )

    assert (declaration.test_source, declaration.test_outcome) == (Source.SELF, "")
    assert (declaration.policy_measure, declaration.policy_exception) == ("central_quarantine", "")


def test_a_verified_sample_is_dated_on_the_local_day(
    superuser, citizen, citizen_person, village1, ward1, origin_village
):
    # 00:30 on the arrival day in Hồ Chí Minh City is 17:30 the day before in UTC.
    arrival = days_from_today(0)
    local_half_past_midnight = datetime.datetime.combine(
        arrival, datetime.time(0, 30), tzinfo=timezone.get_default_timezone()
    )
    record(
        make_lab(by=superuser, area=ward1),
        area=village1,
        sampled_at=local_half_past_midnight,
        resulted_at=local_half_past_midnight + datetime.timedelta(minutes=20),
    )

    [declaration] = entry_declarations_submit(
        declared_by=citizen,
        travellers=[Traveller(citizen_person, Relationship.SELF)],
        trip=_trip(origin_village, village1, arrival),
        submission_key=uuid.uuid4(),
    )

    assert declaration.test_sampled_on == arrival


@pytest.mark.parametrize(
    ("status", "codes"),
    [
        ({"vaccine_doses": 2}, {"last_dose_on": ["required"]}),
        (
            {"vaccine_doses": 9, "last_dose_on": datetime.date(2022, 1, 1)},
            {"vaccine_doses": ["invalid_choice"]},
        ),
        (
            {"vaccine_doses": 1, "last_dose_on": datetime.date(1980, 1, 1)},
            {"last_dose_on": ["dose_before_birth"]},
        ),
        ({"test_outcome": "negative"}, {"test_sampled_on": ["required"]}),
        (
            {"test_outcome": "negative", "test_sampled_on": datetime.date(1990, 1, 1)},
            {"test_sampled_on": ["test_not_recent"]},
        ),
    ],
)
def test_what_a_person_declares_of_doses_and_tests_is_checked(
    citizen, citizen_person, village1, origin_village, status, codes
):
    with pytest.raises(ValidationError) as caught:
        entry_declarations_submit(
            declared_by=citizen,
            travellers=[Traveller(citizen_person, Relationship.SELF, **status)],
            trip=_trip(origin_village, village1, days_from_today(1)),
            submission_key=uuid.uuid4(),
        )

    assert error_codes(caught.value) == codes
    assert not EntryDeclaration.objects.exists()
