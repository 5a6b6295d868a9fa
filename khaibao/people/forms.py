from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .ids import validate_id_document
from .models import Person
from .normalize import clean_text, normalize_phone


class PersonAdminForm(forms.ModelForm):
    """Validates and normalises; the service saves."""

    SERVICE_FIELDS = (
        "full_name",
        "date_of_birth",
        "sex",
        "id_type",
        "id_number",
        "phone",
        "area",
        "street_address",
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
        )

    def clean_full_name(self):
        name = clean_text(self.cleaned_data["full_name"])
        if not name:
            raise ValidationError(_("Nhập họ và tên."), code="required")
        return name

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "")
        return normalize_phone(phone) if phone else ""

    def clean(self):
        cleaned = super().clean()
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
                self.add_error("id_number", exc)
        return cleaned
