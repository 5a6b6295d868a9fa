"""Small helpers shared by the forms of every app."""

from django import forms
from django.core.exceptions import ValidationError


def apply_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: field errors next to their field
    (when the form has it), anything else at the top."""
    mapping = getattr(exc, "error_dict", None) or {None: exc.error_list}
    for field, errors in mapping.items():
        form.add_error(field if field in form.fields else None, errors)


def apply_field_errors(form: forms.BaseForm, exc: ValidationError) -> bool:
    """Like apply_service_errors, for errors that must be about the form's own fields:
    False (and nothing shown) when they are not, so the caller can say it another way."""
    if not hasattr(exc, "error_dict") or not set(exc.error_dict) <= set(form.fields):
        return False
    apply_service_errors(form, exc)
    return True


def day_field(label, **kwargs) -> forms.DateField:
    """A date typed as people write it (14/03/1988), with a phone's number keyboard."""
    from django.utils.translation import gettext_lazy

    message = gettext_lazy("Nhập ngày dạng ngày/tháng/năm, ví dụ 21/11/2026.")
    return forms.DateField(
        label=label,
        widget=forms.DateInput(
            attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"},
            format="%d/%m/%Y",
        ),
        error_messages={"required": message, "invalid": message},
        **kwargs,
    )
