"""ID documents: the number formats, the CCCD cross-check, the under-15 documents.

CCCD numbers here are written out by hand: 3 digits birth province, 1 digit century
and sex, 2 digits birth year, 6 digits serial.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError

from khaibao.people.ids import IdType, Sex, validate_id_document
from khaibao.people.models import Person
from tests.factories import error_codes, make_person

TODAY = datetime.date(2026, 1, 15)
ADULT_DOB = datetime.date(1990, 5, 17)
CHILD_DOB = datetime.date(2016, 9, 2)


def check(id_type, id_number, *, dob=ADULT_DOB, sex=Sex.MALE):
    return validate_id_document(
        id_type=id_type, id_number=id_number, date_of_birth=dob, sex=sex, today=TODAY
    )


def codes(error: ValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        return {item.code for items in error.error_dict.values() for item in items}
    return {item.code for item in error.error_list}


# --- CCCD -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number, dob, sex",
    [
        # Hà Nội (001), digit 0 = 1900s male, born 1988.
        ("001088123456", datetime.date(1988, 3, 14), Sex.MALE),
        # TP.HCM (079), digit 1 = 1900s female, born 1995.
        ("079195004321", datetime.date(1995, 12, 31), Sex.FEMALE),
        # Đà Nẵng (048), digit 2 = 2000s male, born 2005.
        ("048205000777", datetime.date(2005, 1, 1), Sex.MALE),
        # Cần Thơ (092), digit 3 = 2000s female, born 2010 (a child may hold a CCCD).
        ("092310123123", datetime.date(2010, 7, 20), Sex.FEMALE),
    ],
)
def test_a_cccd_that_matches_birth_year_and_sex_is_accepted(number, dob, sex):
    assert check(IdType.CCCD, number, dob=dob, sex=sex) == (IdType.CCCD, number)


def test_a_cccd_typed_with_spaces_or_dots_is_stored_as_12_digits():
    dob = datetime.date(1988, 3, 14)
    assert check(IdType.CCCD, " 001 088 123 456 ", dob=dob) == (IdType.CCCD, "001088123456")
    assert check(IdType.CCCD, "001.088.123.456", dob=dob) == (IdType.CCCD, "001088123456")


def test_a_cccd_whose_4th_digit_says_female_is_refused_for_a_man():
    with pytest.raises(ValidationError) as caught:
        check(IdType.CCCD, "001188123456", dob=datetime.date(1988, 3, 14), sex=Sex.MALE)
    assert codes(caught.value) == {"cccd_century_sex"}
    assert "Số thứ 4 của CCCD (1)" in caught.value.messages[0]


def test_a_cccd_whose_4th_digit_says_1900s_is_refused_for_someone_born_in_2005():
    with pytest.raises(ValidationError) as caught:
        check(IdType.CCCD, "048005000777", dob=datetime.date(2005, 1, 1), sex=Sex.MALE)
    assert codes(caught.value) == {"cccd_century_sex"}


def test_a_cccd_whose_5th_and_6th_digits_are_another_year_is_refused():
    with pytest.raises(ValidationError) as caught:
        check(IdType.CCCD, "001087123456", dob=datetime.date(1988, 3, 14), sex=Sex.MALE)
    assert codes(caught.value) == {"cccd_birth_year"}
    assert "(87)" in caught.value.messages[0] and "1988" in caught.value.messages[0]


@pytest.mark.parametrize("province_code", ["000", "003", "063", "099", "100"])
def test_a_cccd_that_does_not_start_with_a_province_code_is_refused(province_code):
    with pytest.raises(ValidationError) as caught:
        check(IdType.CCCD, f"{province_code}088123456", dob=datetime.date(1988, 3, 14))
    assert codes(caught.value) == {"cccd_province"}
    assert province_code in caught.value.messages[0]


@pytest.mark.parametrize("number", ["00108812345", "0010881234567", "00108812345A"])
def test_a_cccd_that_is_not_12_digits_is_refused(number):
    with pytest.raises(ValidationError) as caught:
        check(IdType.CCCD, number, dob=datetime.date(1988, 3, 14))
    assert codes(caught.value) == {"id_number_format"}
    assert "12 chữ số" in caught.value.messages[0]


# --- CMND, passport -------------------------------------------------------------------


@pytest.mark.parametrize("number", ["123456789", "001088123456"])
def test_an_old_cmnd_of_9_or_12_digits_is_accepted(number):
    assert check(IdType.CMND, number) == (IdType.CMND, number)


def test_an_old_cmnd_of_10_digits_is_refused():
    with pytest.raises(ValidationError) as caught:
        check(IdType.CMND, "1234567890")
    assert codes(caught.value) == {"id_number_format"}
    assert "9 hoặc 12 chữ số" in caught.value.messages[0]


def test_a_passport_number_is_accepted_and_upper_cased():
    assert check(IdType.PASSPORT, "c1234567") == (IdType.PASSPORT, "C1234567")


@pytest.mark.parametrize("number", ["C12", "C1234567-89", "C 1234 5678 9012 3"])
def test_a_passport_number_of_the_wrong_shape_is_refused(number):
    with pytest.raises(ValidationError) as caught:
        check(IdType.PASSPORT, number)
    assert codes(caught.value) == {"id_number_format"}


# --- under-15 documents ---------------------------------------------------------------


def test_a_health_insurance_card_of_15_characters_is_accepted_for_a_child():
    # HS = pupil, benefit level 4, province 79, 10-digit social-insurance number.
    assert check(IdType.HEALTH_INSURANCE, "hs4790123456789", dob=CHILD_DOB) == (
        IdType.HEALTH_INSURANCE,
        "HS4790123456789",
    )


@pytest.mark.parametrize(
    "number",
    [
        "HS479012345678",  # 14 characters
        "HS47901234567890",  # 16 characters
        "HS6790123456789",  # benefit level 6 does not exist
        "H14790123456789",  # one letter
        "4790123456789HS",  # letters at the end
    ],
)
def test_a_health_insurance_card_of_the_wrong_shape_is_refused(number):
    with pytest.raises(ValidationError) as caught:
        check(IdType.HEALTH_INSURANCE, number, dob=CHILD_DOB)
    assert codes(caught.value) == {"id_number_format"}
    assert "15 ký tự" in caught.value.messages[0]


UNDER_15_DOCUMENTS = [
    (IdType.BIRTH_CERTIFICATE, "123/2016"),
    (IdType.HEALTH_INSURANCE, "HS4790123456789"),
    (IdType.STUDENT_CARD, "HS-2016-0042"),
    (IdType.NONE, "000000000"),
    (IdType.CCCD, "000000000"),  # parents were told to type this whatever the type
]


@pytest.mark.parametrize("id_type, number", UNDER_15_DOCUMENTS)
def test_under_15_documents_are_accepted_for_a_child(id_type, number):
    assert check(id_type, number, dob=CHILD_DOB, sex=Sex.FEMALE)


@pytest.mark.parametrize("id_type, number", UNDER_15_DOCUMENTS)
def test_under_15_documents_are_refused_for_someone_aged_15_or_more(id_type, number):
    with pytest.raises(ValidationError) as caught:
        check(id_type, number, dob=ADULT_DOB)
    assert codes(caught.value) == {"id_type_adult"}
    assert "dưới 15 tuổi" in caught.value.messages[0]


def test_the_under_15_limit_starts_on_the_15th_birthday():
    turns_15_today = datetime.date(2011, 1, 15)
    turns_15_tomorrow = datetime.date(2011, 1, 16)
    assert check(IdType.BIRTH_CERTIFICATE, "12/2011", dob=turns_15_tomorrow)
    with pytest.raises(ValidationError) as refused:
        check(IdType.BIRTH_CERTIFICATE, "12/2011", dob=turns_15_today)
    assert error_codes(refused.value) == ["id_type_adult"]


@pytest.mark.parametrize("id_type", [IdType.NONE, IdType.CCCD, IdType.BIRTH_CERTIFICATE])
def test_000000000_means_no_id_and_is_stored_as_an_empty_number(id_type):
    assert check(id_type, "000000000", dob=CHILD_DOB) == (IdType.NONE, "")
    assert check(id_type, "000 000 000", dob=CHILD_DOB) == (IdType.NONE, "")


# --- uniqueness in the database -------------------------------------------------------


def test_two_children_without_id_can_both_be_stored(ward1):
    first = make_person(
        area=ward1,
        full_name="Nguyễn Thị Bình",
        date_of_birth=CHILD_DOB,
        sex=Sex.FEMALE,
        id_type=IdType.NONE,
        id_number="000000000",
    )
    second = make_person(
        area=ward1,
        full_name="Nguyễn Văn Cường",
        date_of_birth=datetime.date(2019, 4, 1),
        sex=Sex.MALE,
        id_type=IdType.CCCD,
        id_number="000000000",
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.id_type, first.id_number) == (IdType.NONE, "")
    assert (second.id_type, second.id_number) == (IdType.NONE, "")


def test_a_second_person_with_the_same_cccd_is_refused_with_a_message(ward1, ward2):
    dob = datetime.date(1988, 3, 14)
    make_person(area=ward1, full_name="Nguyễn Văn An", date_of_birth=dob, id_number="001088123456")
    with pytest.raises(ValidationError) as caught:
        # Same number typed with spaces: normalised first, then found taken.
        make_person(
            area=ward2, full_name="Nguyễn Văn Ân", date_of_birth=dob, id_number="001 088 123 456"
        )
    assert codes(caught.value) == {"id_document_taken"}
    assert "Đã có người dùng giấy tờ này" in caught.value.messages[0]
    assert Person.objects.filter(id_number="001088123456").count() == 1
