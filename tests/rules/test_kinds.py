"""Typed validation of rule values: each bad value is refused with its code."""

import pytest
from django.core.exceptions import ValidationError

from khaibao.rules import sms

from .conftest import TEST_KIND, values

pytestmark = pytest.mark.smoke


def codes(error: ValidationError) -> dict[str, list[str]]:
    return {name: [e.code for e in errors] for name, errors in error.error_dict.items()}


@pytest.mark.parametrize(
    "changes, field, code",
    [
        ({"days": -3}, "days", "out_of_range"),
        ({"days": "7 ngày"}, "days", "not_integer"),
        ({"days": True}, "days", "not_integer"),
        ({"spo2": 150}, "spo2", "out_of_range"),
        ({"late_after": "25:00"}, "late_after", "invalid_time"),
        ({"late_after": "10h"}, "late_after", "invalid_time"),
        ({"chase_at": "10:30, 24:10"}, "chase_at", "invalid_time"),
        ({"chase_at": ""}, "chase_at", "required"),
        ({"reminder": "Xin chao {ho_ten}"}, "reminder", "unknown_placeholder"),
        ({"reminder": "Gia tri {0} {ten.upper}"}, "reminder", "bad_placeholder"),
        ({"reminder": "Thieu dau ngoac {ten"}, "reminder", "bad_placeholder"),
        (
            {
                "reminder": "Tin nhắn có dấu tiếng Việt nên dài hơn bảy mươi ký tự sẽ thành hai phần {ten}"
            },
            "reminder",
            "too_many_segments",
        ),
        ({"chase_at": ["09:00"]}, "chase_at", "chase_before_deadline"),
    ],
)
def test_bad_values_are_refused_with_their_codes(changes, field, code):
    with pytest.raises(ValidationError) as refused:
        TEST_KIND.clean(values(**changes))
    assert codes(refused.value) == {field: [code]}


def test_unknown_and_missing_fields_are_refused():
    given = values(colour="blue")
    del given["days"]
    with pytest.raises(ValidationError) as refused:
        TEST_KIND.clean(given)
    assert codes(refused.value) == {"colour": ["unknown_field"], "days": ["required"]}


def test_values_typed_by_a_person_are_normalised():
    cleaned = TEST_KIND.clean(
        values(
            days=" 10 ", late_after="9:30", chase_at="14:00, 10:30,10:30", reminder="  a  {ten} "
        )
    )
    assert cleaned == {
        "days": 10,
        "spo2": 96,
        "late_after": "09:30",
        "chase_at": ["10:30", "14:00"],
        "reminder": "a {ten}",
    }


@pytest.mark.parametrize(
    "text, encoding, units, segments",
    [
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("[" * 80, "GSM-7", 160, 1),  # each extension character costs two septets
        ("a" * 153 * 2 + "a", "GSM-7", 307, 3),
        ("Tiếng Việt" + "a" * 60, "UCS-2", 70, 1),
        ("Tiếng Việt" + "a" * 61, "UCS-2", 71, 2),
        ("😷" * 35, "UCS-2", 70, 1),  # a face mask is two UTF-16 units
    ],
)
def test_sms_segments_are_counted_as_the_network_bills_them(text, encoding, units, segments):
    assert sms.segment_count(text) == sms.SegmentCount(encoding, units, segments)


def test_the_preview_sample_fills_placeholders_and_counts_the_real_length():
    rule = TEST_KIND.field("reminder")
    assert rule.sample("{ten} truoc {gio}") == "NGUYEN VAN AN truoc 10:00"
    assert rule.segments("{ten}").units == len("NGUYEN VAN AN")


def test_a_text_without_diacritics_gets_its_values_folded_to_stay_gsm7(db):
    from khaibao.rules.selectors import sms_text

    text = sms_text("test_timing", "reminder", ten="Nguyễn Thị Ánh Đào", gio="10:00")

    assert text == "KhaiBao: Nguyen Thi Anh Dao chua gui bao cao suc khoe truoc 10:00."
    assert sms.segment_count(text).segments == 1
