"""PersonAdminForm: the staff form validates and normalises before the service saves."""

import datetime

import pytest

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
