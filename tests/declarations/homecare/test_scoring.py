"""Every danger-sign threshold and age band at its boundary, judged by the defaults of
the home-care rule (QĐ 261/QĐ-BYT) and by a province's own version."""

from decimal import Decimal

import pytest

from declarations.homecare.rules import HOMECARE_KIND
from declarations.homecare.scoring import (
    BREATHING,
    PRESSURE_LOW,
    PULSE_HIGH,
    PULSE_LOW,
    SPO2,
    Reading,
    danger_signs,
    screening_flags,
    signs_text,
)

RULES = HOMECARE_KIND.defaults


def reading(**changes) -> Reading:
    values = {"temperature": Decimal("37.0"), "spo2": 98, "pulse": 80, "breathing_rate": 16}
    values.update(changes)
    return Reading(**values)


def test_a_normal_reading_has_no_danger_sign():
    assert danger_signs(reading(), age=35, rules=RULES) == []


@pytest.mark.parametrize(("spo2", "danger"), [(95, True), (96, False), (100, False), (80, True)])
def test_spo2_below_96_is_a_danger_sign(spo2, danger):
    assert (SPO2 in danger_signs(reading(spo2=spo2), age=35, rules=RULES)) is danger


@pytest.mark.parametrize(
    ("age", "rate", "danger"),
    [
        (35, 19, False),
        (35, 20, True),
        (12, 20, True),  # 12 and over breathe as adults
        (11, 29, False),
        (11, 30, True),
        (5, 29, False),
        (5, 30, True),
        (4, 39, False),
        (4, 40, True),
        (1, 39, False),
        (1, 40, True),
        (0, 49, False),
        (0, 50, True),
    ],
)
def test_breathing_thresholds_follow_the_age_band(age, rate, danger):
    signs = danger_signs(reading(breathing_rate=rate), age=age, rules=RULES)
    assert (BREATHING in signs) is danger


@pytest.mark.parametrize(
    ("pulse", "expected"),
    [(49, [PULSE_LOW]), (50, []), (51, []), (120, []), (121, [PULSE_HIGH])],
)
def test_pulse_above_120_or_below_50_is_a_danger_sign(pulse, expected):
    assert danger_signs(reading(pulse=pulse), age=35, rules=RULES) == expected


@pytest.mark.parametrize(
    ("systolic", "diastolic", "danger"),
    [(89, 70, True), (90, 70, False), (110, 59, True), (110, 60, False), (None, None, False)],
)
def test_blood_pressure_below_90_60_is_a_danger_sign(systolic, diastolic, danger):
    signs = danger_signs(reading(systolic=systolic, diastolic=diastolic), age=35, rules=RULES)
    assert (PRESSURE_LOW in signs) is danger


def test_short_of_breath_counts_when_the_rate_cannot_be_measured():
    signs = danger_signs(reading(breathing_rate=None, short_of_breath=True), age=35, rules=RULES)
    assert signs == ["short_of_breath"]


def test_ticked_danger_symptoms_count_and_others_do_not():
    signs = danger_signs(
        reading(chest_pain=True, symptoms=("confusion", "cough", "loss_of_smell")),
        age=35,
        rules=RULES,
    )
    assert signs == ["chest_pain", "confusion"]


def test_a_province_rule_changes_the_thresholds():
    stricter = {**RULES, "spo2_below": 94, "danger_symptoms": ["chest_pain", "cough"]}
    signs = danger_signs(reading(spo2=95, symptoms=("cough",)), age=35, rules=stricter)
    assert signs == ["cough"]


def test_signs_read_as_text_with_the_spo2_value():
    text = signs_text([SPO2, "chest_pain"], spo2=93)
    assert text == "SpO2 thấp (93%), Đau tức ngực"


def test_screening_passes_a_healthy_adult_with_a_carer():
    answers = {"spo2": 98, "breathing_rate": 16, "vaccine_doses": 3, "has_carer": True}
    assert screening_flags(answers, age=40, age_months=480, rules=RULES) == []


def test_screening_flags_what_rules_home_care_out():
    answers = {
        "spo2": 94,
        "breathing_rate": 24,
        "danger_symptoms": ["blue_lips"],
        "condition_unstable": True,
        "pregnancy_weeks": 36,
        "vaccine_doses": 1,
        "has_carer": False,
    }
    flags = screening_flags(answers, age=70, age_months=840, rules=RULES)
    assert flags == [
        "danger_signs",
        "spo2_low",
        "breathing_fast",
        "unstable_condition",
        "pregnant_late",
        "age_over_65_unvaccinated",
        "no_carer",
    ]


def test_screening_flags_an_infant_under_three_months():
    flags = screening_flags({"has_carer": True}, age=0, age_months=2, rules=RULES)
    assert flags == ["infant"]
