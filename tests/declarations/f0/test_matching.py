"""Finding a declaration again from what the citizen types (seed 000, question 8:
"Bệnh nhân không tồn tại" for the same person typing a little differently)."""

import datetime
import unicodedata

import pytest
import time_machine

from declarations.f0.completion_lookup import f0_find_for_completion
from declarations.f0.models import F0Status
from declarations.f0.services import f0_accept
from declarations.kinds import TEST_RESULT_PHOTO
from khaibao.people.ids import IdType, Sex
from khaibao.people.matching import FieldGroup, typed_id_number
from tests.declarations.factories import make_declaration, store_upload, tray_jpeg
from tests.factories import make_person

TODAY = datetime.date(2026, 11, 22)
NOON = datetime.datetime(2026, 11, 22, 5, 0, tzinfo=datetime.UTC)  # 12:00 in Hồ Chí Minh City


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def store_photo(person, account, *, seed: int, kind: str = TEST_RESULT_PHOTO):
    return store_upload(person, account, tray_jpeg(seed), kind)


def declare(account, person, *, contact_phone: str, relationship: str = "self", seed: int = 1):
    """A submitted F0 declaration filed by `account` for `person`, with both photos."""
    return make_declaration(
        person=person,
        account=account,
        relationship=relationship,
        test_date=TODAY,
        test_content=tray_jpeg(seed),
        id_content=tray_jpeg(seed + 1000),
        contact_phone=contact_phone,
    )


def accepted(account, person, staff, *, contact_phone: str, **kwargs):
    return f0_accept(
        declaration=declare(account, person, contact_phone=contact_phone, **kwargs), by=staff
    )


def nfd(text: str) -> str:
    """What an iOS keyboard sends: letters and their accents as separate code points."""
    return unicodedata.normalize("NFD", text)


@pytest.fixture
def tuyet(village1):
    """An adult with a CCCD and her own phone."""
    return make_person(
        area=village1,
        full_name="Nguyễn Thị Ánh Tuyết",
        date_of_birth=datetime.date(1991, 7, 9),
        sex=Sex.FEMALE,
        phone="0903 123 456",
        id_number="079191004521",
    )


@pytest.fixture
def tuyet_case(citizen, tuyet, ward1_staff):
    """Declared by a relative's account, with the relative's phone as the contact."""
    return accepted(
        citizen, tuyet, ward1_staff, contact_phone="+84912345678", relationship="sibling"
    )


def find(**typed):
    typed.setdefault("sex", Sex.FEMALE)
    typed.setdefault("id_number", "")
    typed.setdefault("phone", "")
    return f0_find_for_completion(**typed)


def test_nfd_upper_case_double_spaces_and_plus84_phone_find_the_same_person(tuyet_case):
    assert nfd("Nguyễn Thị Ánh Tuyết") != "Nguyễn Thị Ánh Tuyết"  # really decomposed

    result = find(
        full_name=nfd("  NGUYỄN  THỊ   ÁNH TUYẾT "),
        date_of_birth=datetime.date(1991, 7, 9),
        phone="+84 903 123 456",
    )

    assert result.matched
    assert result.declaration == tuyet_case
    assert result.message == ""


@pytest.mark.parametrize(
    "phone", ["0903123456", "0903.123.456", "0903 123 456", "+84903123456", "84903123456"]
)
def test_the_persons_phone_matches_however_it_is_written(tuyet_case, phone):
    result = find(
        full_name="nguyen thi anh tuyet", date_of_birth=datetime.date(1991, 7, 9), phone=phone
    )

    assert result.declaration == tuyet_case


def test_the_contact_phone_of_the_declaration_matches_too(tuyet_case):
    result = find(
        full_name="Nguyễn Thị Ánh Tuyết",
        date_of_birth=datetime.date(1991, 7, 9),
        phone="0912.345.678",
    )

    assert result.declaration == tuyet_case


@pytest.mark.parametrize("typed", ["079 191 004 521", "079.191.004.521", "79191004521"])
def test_the_id_number_matches_as_typed(tuyet_case, typed):
    result = find(
        full_name="NGUYEN THI ANH TUYET", date_of_birth=datetime.date(1991, 7, 9), id_number=typed
    )

    assert result.declaration == tuyet_case


def test_d_without_its_stroke_and_no_accents_find_duc(citizen, village1, ward1_staff):
    thang = make_person(
        area=village1,
        full_name="Trần Đức Thắng",
        date_of_birth=datetime.date(1979, 1, 30),
        sex=Sex.MALE,
        phone="0988111222",
    )
    case = accepted(
        citizen, thang, ward1_staff, contact_phone="+84988111222", relationship="parent"
    )

    result = find(
        full_name="tran duc thang",
        date_of_birth=datetime.date(1979, 1, 30),
        sex=Sex.MALE,
        phone="0988 111 222",
    )

    assert result.declaration == case


def test_a_child_without_id_is_found_by_000000000_and_the_parents_phone(
    citizen, relative, ward1_staff
):
    case = accepted(
        citizen, relative, ward1_staff, contact_phone="+84912345678", relationship="child"
    )

    result = find(
        full_name=nfd("nguyễn thị bình"),
        date_of_birth=datetime.date(2016, 9, 2),
        id_number="000000000",
        phone="0912 345 678",
    )

    assert result.declaration == case


def test_000000000_alone_never_matches_a_child_without_id(citizen, relative, ward1_staff):
    accepted(citizen, relative, ward1_staff, contact_phone="+84912345678", relationship="child")

    result = find(
        full_name="Nguyễn Thị Bình", date_of_birth=datetime.date(2016, 9, 2), id_number="000000000"
    )

    assert not result.matched


def test_a_different_person_is_told_to_check_name_and_birth_date(tuyet_case):
    result = find(
        full_name="Nguyễn Thị Ánh Hồng",
        date_of_birth=datetime.date(1991, 7, 9),
        id_number="079191004521",
        phone="0903123456",
    )

    assert not result.matched
    assert result.check == (FieldGroup.IDENTITY,)
    assert "họ tên và ngày sinh" in result.message
    assert "Bệnh nhân không tồn tại" not in result.message


def test_a_wrong_birth_date_is_told_as_name_and_birth_date(tuyet_case):
    result = find(
        full_name="Nguyễn Thị Ánh Tuyết",
        date_of_birth=datetime.date(1991, 9, 7),
        phone="0903123456",
    )

    assert result.check == (FieldGroup.IDENTITY,)


def test_a_wrong_phone_names_the_phone_and_shows_no_stored_data(tuyet_case, tuyet):
    result = find(
        full_name="Nguyễn Thị Ánh Tuyết",
        date_of_birth=datetime.date(1991, 7, 9),
        phone="0903999888",
    )

    assert result.check == (FieldGroup.PHONE,)
    assert "số điện thoại" in result.message
    for stored in ("903 123", "0903123456", "+84903123456", "912", tuyet.id_number, "Tuyết"):
        assert stored not in result.message


def test_a_wrong_id_number_and_a_wrong_phone_name_both_groups(tuyet_case):
    result = find(
        full_name="Nguyễn Thị Ánh Tuyết",
        date_of_birth=datetime.date(1991, 7, 9),
        id_number="079191009999",
        phone="0903999888",
    )

    assert result.check == (FieldGroup.ID_NUMBER, FieldGroup.PHONE)
    assert "số giấy tờ hoặc số điện thoại" in result.message


def test_a_wrong_id_number_alone_names_the_id_number(tuyet_case):
    result = find(
        full_name="Nguyễn Thị Ánh Tuyết",
        date_of_birth=datetime.date(1991, 7, 9),
        id_number="079191009999",
    )

    assert result.check == (FieldGroup.ID_NUMBER,)
    assert "số giấy tờ" in result.message


def test_a_same_named_person_born_the_same_day_is_told_apart_by_phone(
    citizen, village1, ward1_staff, tuyet_case
):
    namesake = make_person(
        area=village1,
        full_name="NGUYỄN THỊ ÁNH TUYẾT",
        date_of_birth=datetime.date(1991, 7, 9),
        sex=Sex.FEMALE,
        phone="0977000111",
    )
    theirs = accepted(
        citizen, namesake, ward1_staff, contact_phone="+84977000111", relationship="other", seed=7
    )

    result = find(
        full_name="Nguyễn Thị Ánh Tuyết",
        date_of_birth=datetime.date(1991, 7, 9),
        phone="0977000111",
    )

    assert result.declaration == theirs


def test_a_declaration_not_yet_accepted_is_found_so_the_page_can_say_why(citizen, tuyet):
    declaration = declare(citizen, tuyet, contact_phone="+84912345678", relationship="sibling")

    result = find(
        full_name="Nguyễn Thị Ánh Tuyết",
        date_of_birth=datetime.date(1991, 7, 9),
        phone="0903123456",
    )

    assert result.declaration == declaration
    assert result.declaration.status == F0Status.SUBMITTED


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (" 079 088.001-234 ", "079088001234"),
        ("c1234567", "C1234567"),
        ("000000000", ""),
        ("000 000 000", ""),
        ("", ""),
    ],
)
def test_typed_id_numbers_are_normalised(typed, expected):
    assert typed_id_number(typed) == expected


def test_a_stored_id_type_does_not_matter(citizen, village1, ward1_staff):
    passport_holder = make_person(
        area=village1,
        full_name="Lê Hoàng Phương",
        date_of_birth=datetime.date(1985, 12, 1),
        sex=Sex.MALE,
        id_type=IdType.PASSPORT,
        id_number="C1234567",
    )
    case = accepted(
        citizen, passport_holder, ward1_staff, contact_phone="+84912345678", relationship="other"
    )

    result = find(
        full_name="le hoang phuong",
        date_of_birth=datetime.date(1985, 12, 1),
        sex=Sex.MALE,
        id_number="c 123 4567",
    )

    assert result.declaration == case
