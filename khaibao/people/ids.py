"""Identity documents: the kinds Vietnamese people hold, and their number checks.

CCCD / personal ID (12 digits, Circular 07/2016/TT-BCA):
digits 1-3 birth-province code, digit 4 century and sex, digits 5-6 the last two
digits of the birth year, digits 7-12 random. Digit 4: 0/1 = born 1900-1999 male/
female, 2/3 = 2000-2099, 4/5 = 2100-2199, and so on.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from khaibao.lib.normalize import clean_text

# The birth-province codes used in CCCD numbers: the 63 provinces as they were when
# the numbers were issued. The 2025 merger kept numbers as issued.
CCCD_PROVINCE_CODES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033"
    " 034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066"
    " 067 068 070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096".split()
)

# "000000000" is what the seed systems told parents to type for a child with no
# document: it marks "no ID", it is never an identifier.
CHILD_WITHOUT_ID = "000000000"
ADULT_AGE = 15


class Sex(models.TextChoices):
    MALE = "M", _("Nam")
    FEMALE = "F", _("Nữ")


class IdType(models.TextChoices):
    CCCD = "cccd", _("Căn cước / CCCD (12 số)")
    CMND = "cmnd", _("CMND cũ (9 hoặc 12 số)")
    PASSPORT = "passport", _("Hộ chiếu")
    BIRTH_CERTIFICATE = "birth_cert", _("Giấy khai sinh (dưới 15 tuổi)")
    HEALTH_INSURANCE = "health_ins", _("Thẻ BHYT (dưới 15 tuổi)")
    STUDENT_CARD = "student", _("Thẻ học sinh (dưới 15 tuổi)")
    NONE = "none", _("Trẻ em chưa có giấy tờ (000000000)")


UNDER_15_TYPES = frozenset(
    {IdType.BIRTH_CERTIFICATE, IdType.HEALTH_INSURANCE, IdType.STUDENT_CARD, IdType.NONE}
)

_PATTERNS = {
    IdType.CCCD: (re.compile(r"\d{12}"), _("Số căn cước / CCCD phải gồm đúng 12 chữ số.")),
    IdType.CMND: (re.compile(r"\d{9}|\d{12}"), _("Số CMND phải gồm 9 hoặc 12 chữ số.")),
    IdType.PASSPORT: (
        re.compile(r"[A-Z0-9]{6,12}"),
        _("Số hộ chiếu gồm 6 đến 12 chữ cái in hoa hoặc chữ số, ví dụ C1234567."),
    ),
    IdType.BIRTH_CERTIFICATE: (
        re.compile(r"[A-Z0-9][A-Z0-9/.\-]{0,29}"),
        _("Số giấy khai sinh chỉ gồm chữ, số và các dấu / . -"),
    ),
    # 2 letters (beneficiary group), 1 digit (benefit level 1-5), 2-digit province
    # code, 10-digit social-insurance number.
    IdType.HEALTH_INSURANCE: (
        re.compile(r"[A-Z]{2}[1-5]\d{2}\d{10}"),
        _(
            "Mã thẻ BHYT gồm 15 ký tự: 2 chữ cái, 1 số mức hưởng, 2 số mã tỉnh, 10 số, ví dụ HS4790123456789."
        ),
    ),
    IdType.STUDENT_CARD: (
        re.compile(r"[A-Z0-9][A-Z0-9/.\-]{0,29}"),
        _("Số thẻ học sinh chỉ gồm chữ, số và các dấu / . -"),
    ),
}


def age_on(date_of_birth: datetime.date, day: datetime.date) -> int:
    return (
        day.year
        - date_of_birth.year
        - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))
    )


def normalize_id_number(id_type: str, raw: str) -> tuple[str, str]:
    """Return (id_type, number) normalised; "000000000" becomes (NONE, "")."""
    number = re.sub(r"[\s.]", "", clean_text(raw)).upper()
    if id_type == IdType.NONE or number == CHILD_WITHOUT_ID:
        return IdType.NONE, ""
    if id_type not in IdType.values:
        raise ValidationError(_("Loại giấy tờ không hợp lệ."), code="id_type_invalid")
    if not number:
        raise ValidationError(_("Nhập số giấy tờ."), code="id_number_required")
    pattern, message = _PATTERNS[id_type]
    if not pattern.fullmatch(number):
        raise ValidationError(message, code="id_number_format")
    return id_type, number


def cccd_century_sex_digit(date_of_birth: datetime.date, sex: str) -> str:
    century_index = date_of_birth.year // 100 - 19
    return str(century_index * 2 + (1 if sex == Sex.FEMALE else 0))


def check_cccd_against_person(
    number: str, *, date_of_birth: datetime.date | None, sex: str | None
) -> None:
    """Cross-check a 12-digit CCCD with the person's birth date and sex."""
    errors = []
    if number[:3] not in CCCD_PROVINCE_CODES:
        errors.append(
            ValidationError(
                _("Ba số đầu của CCCD (%(code)s) không phải mã tỉnh nơi đăng ký khai sinh."),
                code="cccd_province",
                params={"code": number[:3]},
            )
        )
    if date_of_birth is not None and sex:
        if date_of_birth.year < 1900 or date_of_birth.year > 2399:
            errors.append(ValidationError(_("Năm sinh không hợp lệ."), code="dob_invalid"))
        else:
            if number[3] != cccd_century_sex_digit(date_of_birth, sex):
                errors.append(
                    ValidationError(
                        _(
                            "Số thứ 4 của CCCD (%(digit)s) không khớp với giới tính và thế kỷ năm sinh "
                            "đã khai. Kiểm tra lại số CCCD, giới tính và ngày sinh."
                        ),
                        code="cccd_century_sex",
                        params={"digit": number[3]},
                    )
                )
            if number[4:6] != f"{date_of_birth.year % 100:02d}":
                errors.append(
                    ValidationError(
                        _(
                            "Số thứ 5 và 6 của CCCD (%(digits)s) phải là hai số cuối năm sinh "
                            "(%(year)s). Kiểm tra lại số CCCD và ngày sinh."
                        ),
                        code="cccd_birth_year",
                        params={"digits": number[4:6], "year": date_of_birth.year},
                    )
                )
    if errors:
        raise ValidationError(errors)


def validate_id_document(
    *,
    id_type: str,
    id_number: str,
    date_of_birth: datetime.date | None,
    sex: str | None,
    today: datetime.date,
) -> tuple[str, str]:
    """Normalise and check an ID document against the person; return (type, number)."""
    id_type, number = normalize_id_number(id_type, id_number)
    if (
        id_type in UNDER_15_TYPES
        and date_of_birth is not None
        and age_on(date_of_birth, today) >= ADULT_AGE
    ):
        raise ValidationError(
            _(
                "Giấy khai sinh, thẻ BHYT, thẻ học sinh hoặc 000000000 chỉ dùng cho người dưới 15 tuổi. "
                "Người từ 15 tuổi dùng CCCD, CMND hoặc hộ chiếu."
            ),
            code="id_type_adult",
        )
    if id_type == IdType.CCCD:
        check_cccd_against_person(number, date_of_birth=date_of_birth, sex=sex)
    return id_type, number
