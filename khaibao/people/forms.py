import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khaibao.areas.forms import AreaPickerMixin
from khaibao.lib.normalize import normalize_phone

from .ids import IdType, Sex, validate_id_document
from .models import Person
from .services import (
    NAME_MAX_LENGTH,
    check_date_of_birth,
    check_full_name,
    check_health_insurance_number,
    check_residence_area,
)

# A name typed decomposed (NFD, iOS) is up to twice as long before NFC: the stored
# length (NAME_MAX_LENGTH) is checked after normalisation, in check_full_name().
_TYPED_NAME_MAX_LENGTH = 2 * NAME_MAX_LENGTH


def _clean_date_of_birth(form) -> datetime.date:
    value = form.cleaned_data["date_of_birth"]
    check_date_of_birth(value, timezone.localdate())
    return value


def _clean_id_document(form, cleaned: dict) -> None:
    """Normalise the document and cross-check it with birth date and sex, and the BHYT
    card number with it (both forms)."""
    if {"id_type", "date_of_birth", "sex"} <= cleaned.keys():
        try:
            cleaned["id_type"], cleaned["id_number"] = validate_id_document(
                id_type=cleaned["id_type"],
                id_number=cleaned.get("id_number", ""),
                date_of_birth=cleaned["date_of_birth"],
                sex=cleaned["sex"],
                today=timezone.localdate(),
            )
        except ValidationError as exc:
            form.add_error("id_number", exc)
            return
    if "health_insurance_number" in form.fields and "id_type" in cleaned:
        try:
            cleaned["health_insurance_number"] = check_health_insurance_number(
                cleaned.get("health_insurance_number", ""),
                id_type=cleaned["id_type"],
                id_number=cleaned.get("id_number", ""),
            )
        except ValidationError as exc:
            form.add_error("health_insurance_number", exc)


class PersonAdminForm(forms.ModelForm):
    """Validates and normalises; the service saves."""

    full_name = forms.CharField(
        label=Person._meta.get_field("full_name").verbose_name, max_length=_TYPED_NAME_MAX_LENGTH
    )

    SERVICE_FIELDS = (
        "full_name",
        "date_of_birth",
        "sex",
        "id_type",
        "id_number",
        "phone",
        "area",
        "street_address",
        "health_insurance_number",
        "nationality",
    )

    class Meta:
        model = Person
        fields = (
            "full_name",
            "date_of_birth",
            "sex",
            "nationality",
            "id_type",
            "id_number",
            "phone",
            "area",
            "street_address",
            "health_insurance_number",
        )

    def clean_full_name(self):
        return check_full_name(self.cleaned_data["full_name"])

    def clean_date_of_birth(self):
        return _clean_date_of_birth(self)

    def clean_area(self):
        area = self.cleaned_data["area"]
        check_residence_area(area)
        return area

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "")
        return normalize_phone(phone) if phone else ""

    def clean(self):
        cleaned = super().clean()
        _clean_id_document(self, cleaned)
        return cleaned


class CitizenPersonForm(AreaPickerMixin, forms.Form):
    """A citizen's own data or a relative's, with the address picked province → ward.

    Works without JavaScript: the ward list follows the chosen province after the
    "Cập nhật danh sách phường / xã" button; with JavaScript it follows at once.
    """

    relationship = forms.ChoiceField(label=_("Quan hệ với bạn"), choices=())
    full_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=_TYPED_NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    date_of_birth = forms.DateField(
        label=_("Ngày sinh"),
        help_text=_("Dạng ngày/tháng/năm, ví dụ 14/03/1988."),
        widget=forms.DateInput(
            attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}, format="%d/%m/%Y"
        ),
        error_messages={"invalid": _("Nhập ngày sinh dạng ngày/tháng/năm, ví dụ 14/03/1988.")},
    )
    sex = forms.ChoiceField(label=_("Giới tính"), choices=Sex.choices, widget=forms.RadioSelect)
    id_type = forms.ChoiceField(label=_("Loại giấy tờ"), choices=IdType.choices)
    id_number = forms.CharField(
        label=_("Số giấy tờ"),
        max_length=40,
        required=False,
        help_text=_("Trẻ em chưa có giấy tờ: nhập 000000000."),
    )
    phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    street_address = forms.CharField(label=_("Số nhà, đường"), max_length=200, required=False)
    health_insurance_number = forms.CharField(
        label=_("Số thẻ BHYT (nếu có)"),
        max_length=20,
        required=False,
        help_text=_("Nhớ số thẻ BHYT thì lần sau chỉ cần nhập số thẻ để điền thông tin."),
    )

    def __init__(self, *args, relationships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relationship"].choices = relationships
        if len(relationships) == 1:
            self.fields["relationship"].widget = forms.HiddenInput()
            self.fields["relationship"].initial = relationships[0][0]

    def clean_full_name(self):
        return check_full_name(self.cleaned_data["full_name"])

    def clean_date_of_birth(self):
        return _clean_date_of_birth(self)

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "")
        return normalize_phone(phone) if phone else ""

    def clean(self):
        cleaned = super().clean()
        _clean_id_document(self, cleaned)
        return cleaned

    @staticmethod
    def initial_for(person, relationship) -> dict:
        return {
            **AreaPickerMixin.area_initial(person.area),
            "relationship": relationship,
            "full_name": person.full_name,
            "date_of_birth": person.date_of_birth,
            "sex": person.sex,
            "id_type": person.id_type,
            "id_number": person.id_number or ("000000000" if person.id_type == IdType.NONE else ""),
            "phone": person.phone_display,
            "street_address": person.street_address,
            "health_insurance_number": person.health_insurance_number,
        }
