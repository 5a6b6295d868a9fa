"""What people type for names and phones, and what the portal makes of it."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError

from khaibao.lib.normalize import clean_text, name_key, normalize_phone, phone_for_display


def nfd(text: str) -> str:
    """The decomposed form iOS keyboards send: base letter + combining accents."""
    return unicodedata.normalize("NFD", text)


# --- names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stored, typed",
    [
        ("Nguyễn Văn An", nfd("Nguyễn Văn An")),
        ("Nguyễn Văn An", "NGUYỄN VĂN AN"),
        ("Nguyễn Văn An", nfd("  nguyễn   văn  an ")),
        ("ĐẶNG THỊ HỒNG NHUNG", "Đặng Thị Hồng Nhung"),
        ("ĐẶNG THỊ HỒNG NHUNG", "dang thi hong nhung"),
        ("ĐẶNG THỊ HỒNG NHUNG", nfd("đặng\tthị hồng\u00a0nhung")),
        ("Phạm  Đức   Trí", "Phạm Đức Trí"),
        ("Phạm  Đức   Trí", "pham duc tri"),
        ("Huỳnh Ngọc Ánh", nfd("HUỲNH NGỌC ÁNH")),
        # Old ("Hoà") and new ("Hòa") tone placement are different code points.
        ("Nguyễn Thị Hoà", "Nguyễn Thị Hòa"),
        # "Ð" (U+00D0) looks like "Đ" and turns up in exported spreadsheets.
        ("Đặng Văn Đông", "\u00d0ặng Văn \u00d0ông"),
    ],
)
def test_the_same_name_typed_another_way_has_the_same_key(stored, typed):
    assert name_key(typed) == name_key(stored)


def test_name_key_is_lower_case_ascii_with_single_spaces():
    assert name_key(nfd("  ĐẶNG   THỊ HỒNG NHUNG ")) == "dang thi hong nhung"
    assert name_key("Huỳnh Ngọc Ánh") == "huynh ngoc anh"


@pytest.mark.parametrize(
    "one, other",
    [
        ("Nguyễn Văn An", "Nguyễn Văn Anh"),
        ("Nguyễn Văn An", "Nguyễn An Văn"),
        ("Nguyễn Văn An", "Nguyễn VănAn"),
        ("Đặng Thị Hồng Nhung", "Đặng Thị Hồng Nhân"),
        ("Phạm Đức Trí", "Phạm Đức Trung"),
        ("Huỳnh Ngọc Ánh", "Huỳnh Ngọc Anh Thư"),
        ("Đỗ Văn Bình", "Lê Văn Bình"),
    ],
)
def test_different_names_do_not_share_a_key(one, other):
    assert name_key(one) != name_key(other)


def test_clean_text_stores_nfc_with_single_inner_spaces():
    cleaned = clean_text(nfd("  Phạm  Đức   Trí "))
    assert cleaned == "Phạm Đức Trí"
    assert unicodedata.is_normalized("NFC", cleaned)
    assert len(cleaned) == len("Phạm Đức Trí")  # precomposed: one code point per letter


# --- phones ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "+84 912 345 678",
        "84912345678",
        "(+84) 912345678",
    ],
)
def test_a_vietnamese_mobile_written_any_usual_way_is_stored_as_e164(typed):
    assert normalize_phone(typed) == "+84912345678"


def test_a_stored_phone_is_shown_the_way_vietnamese_people_read_it():
    assert phone_for_display("+84912345678") == "0912 345 678"
    assert phone_for_display("") == ""


@pytest.mark.parametrize(
    "typed, code, words",
    [
        ("024 3825 1234", "phone_not_mobile", "không phải số di động"),  # Hà Nội landline
        ("028 3822 1234", "phone_not_mobile", "không phải số di động"),  # TP.HCM landline
        ("0912 345", "phone_invalid", "không hợp lệ"),
        ("0912 345 67", "phone_invalid", "không hợp lệ"),
        ("số của tôi", "phone_invalid", "không hợp lệ"),
        ("+1 202 555 0123", "phone_not_vietnamese", "Việt Nam"),
        ("+66 81 234 5678", "phone_not_vietnamese", "Việt Nam"),
    ],
)
def test_numbers_that_cannot_get_an_sms_are_refused_with_a_reason(typed, code, words):
    with pytest.raises(ValidationError) as caught:
        normalize_phone(typed)
    assert caught.value.code == code
    assert words in caught.value.messages[0]
