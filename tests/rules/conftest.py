"""A throw-away rule kind, registered for these tests only, so the mechanism is tested on
its own; the real kinds are tested where they are used."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from khaibao.rules.fields import IntegerRule, SmsTextRule, TimeListRule, TimeOfDayRule
from khaibao.rules.kinds import RuleKind, register_kind, unregister_kind

NOW = datetime.datetime(2026, 12, 2, 9, 0, tzinfo=datetime.UTC)


def _check(values):
    if values["late_after"] >= values["chase_at"][0]:
        return {
            "chase_at": ValidationError("Chase after the deadline.", code="chase_before_deadline")
        }
    return {}


TEST_KIND = RuleKind(
    slug="test_timing",
    label="Thời hạn thử nghiệm",
    fields=(
        IntegerRule("days", "Số ngày", min_value=1, max_value=30, unit="ngày"),
        IntegerRule("spo2", "SpO2 dưới", min_value=80, max_value=100, unit="%"),
        TimeOfDayRule("late_after", "Hạn báo cáo"),
        TimeListRule("chase_at", "Giờ nhắc"),
        SmsTextRule(
            "reminder",
            "Tin nhắc",
            placeholders={"ten": "NGUYEN VAN AN", "gio": "10:00"},
            max_segments=1,
        ),
    ),
    defaults={
        "days": 7,
        "spo2": 96,
        "late_after": "10:00",
        "chase_at": ["10:30", "14:00"],
        "reminder": "KhaiBao: {ten} chua gui bao cao suc khoe truoc {gio}.",
    },
    default_document="QĐ 261/QĐ-BYT ngày 31/01/2022",
    check=_check,
    effect=lambda province, old, new, at: (
        [f"{new['days'] - old['days']:+d} ngày"] if old["days"] != new["days"] else []
    ),
)


@pytest.fixture(autouse=True)
def test_kind():
    register_kind(TEST_KIND)
    yield TEST_KIND
    unregister_kind(TEST_KIND.slug)


def values(**changes):
    return {**TEST_KIND.defaults, **changes}
