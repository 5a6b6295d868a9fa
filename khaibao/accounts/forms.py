from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from khaibao.areas.models import Area
from khaibao.lib.normalize import phone_or_none

from .models import StaffProfile, Unit, User
from .roles import role_choices
from .services import staff_assignment_check


class StaffFormBase(forms.ModelForm):
    """The staff admin's forms. The admin's get_form() sets the two attributes below."""

    role = forms.ChoiceField(label=_("Vai trò"), choices=role_choices)
    area = forms.ModelChoiceField(
        label=_("Địa bàn phụ trách"),
        queryset=Area.objects.none(),
        widget=AutocompleteSelect(StaffProfile._meta.get_field("area"), admin.site),
        error_messages={
            "invalid_choice": _("Chọn một địa bàn trong phạm vi bạn phụ trách."),
        },
    )
    unit_name = forms.CharField(label=_("Đơn vị"), max_length=200, required=False)
    unit = forms.ModelChoiceField(
        label=_("Thuộc đơn vị"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=StaffProfile._meta.get_field("unit").help_text,
        error_messages={"invalid_choice": _("Chọn một đơn vị trong phạm vi bạn phụ trách.")},
    )

    #: Whose permissions the role and area are checked against.
    acting_user = None
    #: The areas that may be chosen: the acting user's scope.
    area_queryset = Area.objects.none()
    #: The units that may be chosen: those in the acting user's scope.
    unit_queryset = Unit.objects.none()

    class Meta:
        model = User
        fields = ("username", "full_name")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # On the form's own copy of the field: the class's field is shared by requests.
        self.fields["area"].queryset = self.area_queryset
        self.fields["unit"].queryset = self.unit_queryset
        profile = getattr(self.instance, "staff_profile", None) if self.instance.pk else None
        if profile is not None:
            self.initial.setdefault("role", profile.role)
            self.initial.setdefault("area", profile.area_id)
            self.initial.setdefault("unit_name", profile.unit_name)
            self.initial.setdefault("unit", profile.unit_id)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") and cleaned.get("area") and self.acting_user is not None:
            try:
                staff_assignment_check(
                    by=self.acting_user,
                    role=cleaned["role"],
                    area=cleaned["area"],
                    unit=cleaned.get("unit"),
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


class StaffCreationForm(StaffFormBase):
    password1 = forms.CharField(label=_("Mật khẩu"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(
        label=_("Nhập lại mật khẩu"), widget=forms.PasswordInput, strip=False
    )

    class Meta(StaffFormBase.Meta):
        fields = ("username", "full_name")

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error(
                "password2",
                ValidationError(_("Hai mật khẩu không khớp."), code="password_mismatch"),
            )
        elif password1:
            try:
                password_validation.validate_password(
                    password1, User(username=cleaned.get("username", ""))
                )
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class StaffChangeForm(StaffFormBase):
    class Meta(StaffFormBase.Meta):
        fields = ("full_name", "is_active")


class UnitForm(forms.ModelForm):
    """A unit, checked by unit_save (scope, role) when saved."""

    role = forms.ChoiceField(label=_("Loại đơn vị"), choices=role_choices)

    class Meta:
        model = Unit
        fields = ("role", "code", "name", "area", "phone", "is_active")

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        if not value:
            return ""
        phone = phone_or_none(value)
        if phone is None:
            raise ValidationError(
                _("Số điện thoại không hợp lệ. Ví dụ: 0912 345 678."), code="phone_invalid"
            )
        return phone
