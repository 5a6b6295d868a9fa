from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from khaibao.areas.models import Area

from .models import User
from .roles import Role
from .services import staff_assignment_check


class StaffFormBase(forms.ModelForm):
    role = forms.ChoiceField(label=_("Vai trò"), choices=Role.choices)
    area = forms.ModelChoiceField(label=_("Địa bàn phụ trách"), queryset=Area.objects.none())
    unit_name = forms.CharField(label=_("Đơn vị"), max_length=200, required=False)

    #: Set by the admin's get_form(): whose permissions the choices are checked against.
    acting_user = None

    class Meta:
        model = User
        fields = ("username", "full_name")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") and cleaned.get("area") and self.acting_user is not None:
            try:
                staff_assignment_check(
                    by=self.acting_user, role=cleaned["role"], area=cleaned["area"]
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
