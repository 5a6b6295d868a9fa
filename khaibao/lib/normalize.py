"""Normalisation of what people type: text, names and phone numbers.

Vietnamese text arrives precomposed (NFC) from most keyboards and decomposed (NFD)
from iOS and some Android keyboards; both must find the same person.
"""

import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SPACES = re.compile(r"\s+")


def clean_text(value: str) -> str:
    """NFC, trimmed, inner runs of white space folded to one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value or "")).strip()


def name_key(value: str) -> str:
    """A matching key: casefolded, accents stripped, đ→d, spaces collapsed.

    "Nguyễn  Văn An" (NFD, double space) and "NGUYỄN VĂN AN" give "nguyen van an".
    The look-alike "Ð" (U+00D0, eth), which old fonts and spreadsheet exports put in
    place of "Đ", also becomes d.
    """
    decomposed = unicodedata.normalize("NFD", clean_text(value).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d").replace("ð", "d")


def normalize_phone(value: str) -> str:
    """Parse a Vietnamese mobile number and return it in E.164 ("+84912345678").

    Accepts the ways people write one: 0912 345 678, 0912.345.678, +84 912345678,
    84912345678. Refuses landlines, invalid numbers and foreign numbers.
    """
    raw = clean_text(value)
    digits = re.sub(r"[\s.\-()]", "", raw)
    if re.fullmatch(r"84\d{9}", digits):
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, "VN")
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("Số điện thoại không hợp lệ. Nhập số di động Việt Nam, ví dụ 0912 345 678."),
            code="phone_invalid",
        ) from None
    if number.country_code != 84:
        raise ValidationError(_("Chỉ nhận số di động Việt Nam (+84)."), code="phone_not_vietnamese")
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Số điện thoại không hợp lệ. Nhập số di động Việt Nam, ví dụ 0912 345 678."),
            code="phone_invalid",
        )
    if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        raise ValidationError(
            _("Đây không phải số di động. Nhập số di động để nhận tin nhắn."),
            code="phone_not_mobile",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_for_display(e164: str) -> str:
    """ "+84912345678" → "0912 345 678", the way Vietnamese people read a number."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, "VN")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def phone_or_none(value: str) -> str | None:
    """The E.164 form of a Vietnamese mobile typed in a search box, or None."""
    try:
        return normalize_phone(value)
    except ValidationError:
        return None
