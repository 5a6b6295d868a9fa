import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khaibao.areas.models import Area

from .kinds import RuleKind

NATIONAL_CHOICE = ""


class ScheduleForm(forms.Form):
    """A new version of one kind: where, from when, on what authority, and its values.

    The kind's own fields are added per instance, prefilled with the values in force;
    each is cleaned by the kind (typed, with its codes), then the whole set by
    `RuleKind.clean()` in the service.
    """

    province = forms.ChoiceField(label=_("Áp dụng cho"), required=False)
    effective_date = forms.DateField(
        label=_("Có hiệu lực từ ngày"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}, format="%d/%m/%Y"),
        error_messages={"invalid": _("Nhập ngày theo dạng dd/mm/yyyy.")},
    )
    effective_time = forms.TimeField(
        label=_("Giờ"),
        input_formats=["%H:%M"],
        widget=forms.TimeInput(attrs={"placeholder": "00:00"}, format="%H:%M"),
        error_messages={"invalid": _("Nhập giờ theo dạng giờ:phút, ví dụ 00:00.")},
    )
    document = forms.CharField(
        label=_("Văn bản căn cứ"),
        max_length=300,
        help_text=_("Số, ký hiệu và ngày của văn bản, ví dụ QĐ 261/QĐ-BYT ngày 31/01/2022."),
    )
    note = forms.CharField(
        label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args,
        kind: RuleKind,
        provinces,
        initial_values: dict,
        national_allowed: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.provinces = {str(area.pk): area for area in provinces}
        choices = [(pk, area.name) for pk, area in self.provinces.items()]
        if national_allowed:
            choices.insert(0, (NATIONAL_CHOICE, _("Toàn quốc (mặc định)")))
        self.fields["province"].choices = choices
        for rule_field in kind.fields:
            form_field = rule_field.form_field()
            form_field.initial = rule_field.to_form(initial_values.get(rule_field.name))
            self.fields[f"value__{rule_field.name}"] = form_field

    def value_fields(self):
        return [self[f"value__{rule_field.name}"] for rule_field in self.kind.fields]

    def clean_province(self) -> Area | None:
        value = self.cleaned_data["province"]
        if value == NATIONAL_CHOICE:
            return None
        return self.provinces[value]

    def clean(self):
        cleaned = super().clean()
        day, time = cleaned.get("effective_date"), cleaned.get("effective_time")
        if day and time:
            cleaned["effective_from"] = timezone.make_aware(datetime.datetime.combine(day, time))
        return cleaned

    def values(self) -> dict:
        return {f.name: self.cleaned_data[f"value__{f.name}"] for f in self.kind.fields}

    def add_service_errors(self, error: ValidationError) -> None:
        """Put the service's per-field errors on the form's fields."""
        field_names = {f.name: f"value__{f.name}" for f in self.kind.fields}
        field_names.update(
            effective_from="effective_date", document="document", province="province"
        )
        for name, errors in error.error_dict.items():
            for item in errors:
                self.add_error(field_names.get(name), item)
