"""PersonAdminForm: the staff form validates and normalises before the service saves."""

import datetime
import unicodedata

import pytest
from django.utils import timezone

from khaibao.people.forms import PersonAdminForm
from khaibao.people.ids import IdType, Sex


@pytest.fixture
def form_data(village1):
    return {
        "full_name": "  Trần   Thị Cúc ",
        "date_of_birth": "30/11/1975",
        "sex": Sex.FEMALE,
        "nationality": "VN",
        "id_type": IdType.CCCD,
        "id_number": "079 175 000 321",
        "phone": "0987.654.321",
        "area": village1.pk,
        "street_address": "12 Lê Lợi",
    }


def test_the_form_hands_the_service_normalised_values(form_data, village1):
    form = PersonAdminForm(data=form_data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["full_name"] == "Trần Thị Cúc"
    assert form.cleaned_data["date_of_birth"] == datetime.date(1975, 11, 30)
    assert form.cleaned_data["id_number"] == "079175000321"
    assert form.cleaned_data["phone"] == "+84987654321"
    assert form.cleaned_data["area"] == village1


def test_a_province_is_refused_on_the_form_not_when_saving(form_data, province):
    form = PersonAdminForm(data={**form_data, "area": province.pk})
    assert not form.is_valid()
    assert form.has_error("area", code="area_level")


def test_a_cccd_that_contradicts_the_sex_is_shown_on_the_id_number_field(form_data):
    form = PersonAdminForm(data={**form_data, "sex": Sex.MALE})
    assert not form.is_valid()
    assert form.has_error("id_number", code="cccd_century_sex")
    assert "Số thứ 4 của CCCD" in form.errors["id_number"][0]


def test_a_landline_is_refused_on_the_phone_field(form_data):
    form = PersonAdminForm(data={**form_data, "phone": "028 3822 1234"})
    assert not form.is_valid()
    assert form.has_error("phone", code="phone_not_mobile")


# -- names and birth dates a person can have (issue 17) -----------------------------------

from khaibao.people.forms import CitizenPersonForm  # noqa: E402
from khaibao.people.models import Relationship  # noqa: E402

# Every Vietnamese vowel with every tone, đ (and the look-alike Ð), in both cases.
ALL_DIACRITICS = [
    "àáảãạ ăằắẳẵặ âầấẩẫậ èéẻẽẹ êềếểễệ ìíỉĩị",
    "òóỏõọ ôồốổỗộ ơờớởỡợ ùúủũụ ưừứửữự ỳýỷỹỵ đ",
    "ÀÁẢÃẠ ĂẰẮẲẴẶ ÂẦẤẨẪẬ ÈÉẺẼẸ ÊỀẾỂỄỆ ÌÍỈĨỊ",
    "ÒÓỎÕỌ ÔỒỐỔỖỘ ƠỜỚỞỠỢ ÙÚỦŨỤ ƯỪỨỬỮỰ ỲÝỶỸỴ Đ Ðào",
]


def citizen_form(village1, **changes):
    data = {
        "relationship": Relationship.CHILD,
        "full_name": "Nguyễn Thị Hoa",
        "date_of_birth": "02/09/2016",
        "sex": Sex.FEMALE,
        "id_type": IdType.NONE,
        "id_number": "000000000",
        "phone": "",
        "province": village1.parent.parent_id,
        "ward": village1.parent_id,
        "village": village1.pk,
        "street_address": "5 Hai Bà Trưng",
        **changes,
    }
    return CitizenPersonForm(data=data, relationships=Relationship.choices)


@pytest.mark.parametrize("form_name", ["admin", "citizen"])
@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Huy 123 @#", "name_characters"),
        ("Nguyễn Văn 2", "name_characters"),
        ("<script>", "name_characters"),
        ("--- ...", "name_characters"),
    ],
)
def test_a_name_with_digits_or_symbols_is_refused(form_data, village1, form_name, name, code):
    form = (
        PersonAdminForm(data={**form_data, "full_name": name})
        if form_name == "admin"
        else citizen_form(village1, full_name=name)
    )
    assert not form.is_valid()
    assert form.has_error("full_name", code=code)
    assert "chỉ gồm chữ cái" in form.errors["full_name"][0]


@pytest.mark.parametrize("normal_form", ["NFC", "NFD"])
@pytest.mark.parametrize(
    "name",
    [
        *ALL_DIACRITICS,
        "Nguyễn Thị Ngọc Ánh",
        "Hồ Đắc Di",
        "Y Moan Ênuôl",
        "H'Hen Niê",
        "Nguyễn-Trần Minh",
        "Lê V. Tám",
        "O’Neil Mary",
    ],
)
def test_real_vietnamese_and_minority_names_are_accepted(village1, name, normal_form):
    typed = unicodedata.normalize(normal_form, name)
    form = citizen_form(village1, full_name=typed)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["full_name"] == unicodedata.normalize("NFC", " ".join(name.split()))


@pytest.mark.parametrize(
    ("date_of_birth", "code"),
    [("01/01/1890", "dob_too_old"), ("01/01/2999", "dob_future")],
)
def test_a_birth_date_more_than_130_years_ago_or_in_the_future_is_refused(
    village1, date_of_birth, code
):
    form = citizen_form(
        village1, date_of_birth=date_of_birth, id_type=IdType.PASSPORT, id_number="C1234567"
    )
    assert not form.is_valid()
    assert form.has_error("date_of_birth", code=code)


def test_a_centenarian_is_accepted(village1):
    year = timezone.localdate().year - 101
    form = citizen_form(
        village1, date_of_birth=f"01/01/{year}", id_type=IdType.PASSPORT, id_number="C1234567"
    )
    assert form.is_valid(), form.errors
