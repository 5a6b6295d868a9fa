"""The citizen's correction request form (seed 001, steps 1–5), sent without logging in.

The form checks and normalises what is typed; vaccination.services.correction_problems
says what each kind needs (the doses it is about, their dates and intervals), and its
errors land on the fields they are about. Required fields carry a red * (the template's
`required` marker); the captcha is always asked (the request is anonymous).
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from khaibao.accounts.citizen_forms import PhoneForm
from khaibao.accounts.models import Unit
from khaibao.accounts.roles import Role
from khaibao.areas.forms import AreaPickerMixin
from khaibao.lib.forms import day_field
from khaibao.lib.normalize import clean_text, normalize_phone
from khaibao.people.ids import IdType, Sex, validate_id_document
from khaibao.people.services import check_date_of_birth, check_full_name
from khaibao.uploads.forms import PhotoField

from .models import KIND_DOSES, CorrectionKind
from .services import CorrectionData, StatedDose, correction_problems, route_unit
from .vaccines import Vaccine

DOSE_NUMBERS = (1, 2)
DOSE_PARTS = ("given_on", "vaccine", "lot", "unit", "unit_name")


def vaccination_units():
    return Unit.objects.filter(role=Role.VACCINATION_UNIT, is_active=True).order_by("name")


class CorrectionForm(AreaPickerMixin, forms.Form):
    # 1. the person
    full_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=240,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Nhập họ và tên.")},
    )
    date_of_birth = day_field(_("Ngày sinh"))
    sex = forms.ChoiceField(
        label=_("Giới tính"),
        choices=Sex.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Chọn giới tính.")},
    )
    phone = forms.CharField(
        label=_("Số điện thoại di động"),
        max_length=20,
        help_text=_("Mã xác thực (OTP) và tin nhắn về phản ánh được gửi đến số này."),
        error_messages={"required": _("Nhập số điện thoại di động.")},
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    id_type = forms.ChoiceField(
        label=_("Loại giấy tờ"), choices=IdType.choices, initial=IdType.CCCD
    )
    id_number = forms.CharField(
        label=_("Số CCCD / CMND"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("Nhập số CCCD / CMND.")},
    )
    workplace = forms.CharField(label=_("Đơn vị công tác"), max_length=200, required=False)
    # 2. the kind
    kind = forms.ChoiceField(
        label=_("Nội dung phản ánh"),
        choices=CorrectionKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Chọn một trong 3 loại phản ánh."),
            "invalid_choice": _("Chọn một trong 3 loại phản ánh."),
        },
    )
    # 4. the photo, 5. the captcha (added in __init__)
    photo = PhotoField(
        label=_("Ảnh giấy xác nhận đã tiêm"),
        required=False,
        help_text=_("Chụp rõ cả tờ giấy, đủ sáng, không bị che."),
    )

    def __init__(self, *args, held_photo: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.held_photo = held_photo
        self.fields["province"].error_messages["required"] = _("Chọn tỉnh / thành phố.")
        units = vaccination_units()
        for number in DOSE_NUMBERS:
            prefix = f"dose{number}_"
            self.fields[prefix + "given_on"] = day_field(_("Ngày tiêm"), required=False)
            self.fields[prefix + "vaccine"] = forms.ChoiceField(
                label=_("Vắc xin"),
                choices=[("", _("— Chọn vắc xin —")), *Vaccine.choices],
                required=False,
                error_messages={"invalid_choice": _("Chọn vắc xin trong danh sách.")},
            )
            self.fields[prefix + "lot"] = forms.CharField(
                label=_("Số lô"), max_length=40, required=False
            )
            self.fields[prefix + "unit"] = forms.ModelChoiceField(
                label=_("Nơi tiêm"),
                queryset=units,
                required=False,
                empty_label=_("— Không có trong danh sách —"),
                error_messages={"invalid_choice": _("Chọn đơn vị tiêm trong danh sách.")},
            )
            self.fields[prefix + "unit_name"] = forms.CharField(
                label=_("Hoặc ghi tên nơi tiêm"), max_length=200, required=False
            )
        self.ask_captcha()
        # The red * (crispy marks the always-required fields; these are required for
        # the kind chosen, or by the form's own checks).
        conditional = ["ward", "photo"] + [
            f"dose{number}_{part}"
            for number in DOSE_NUMBERS
            for part in ("given_on", "vaccine", "lot")
        ]
        for name in conditional:
            self.fields[name].label = format_html(
                '{}<span class="asteriskField">*</span>', self.fields[name].label
            )

    def ask_captcha(self) -> None:
        """(Again) a fresh captcha: the login's own (labels, messages, widget)."""
        self.fields["captcha"] = PhoneForm(with_captcha=True).fields["captcha"]

    @property
    def dose_fieldsets(self) -> list[tuple[int, list]]:
        """[(number, its bound fields)] for the template."""
        return [
            (number, [self[f"dose{number}_{part}"] for part in DOSE_PARTS])
            for number in DOSE_NUMBERS
        ]

    def clean_full_name(self) -> str:
        return check_full_name(self.cleaned_data["full_name"])

    def clean_date_of_birth(self) -> datetime.date:
        date_of_birth = self.cleaned_data["date_of_birth"]
        check_date_of_birth(date_of_birth, timezone.localdate())
        return date_of_birth

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])

    def clean_workplace(self) -> str:
        return clean_text(self.cleaned_data.get("workplace") or "")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("area") is None and "ward" not in self.errors:
            self.add_error("ward", _("Chọn phường / xã."))
        if not cleaned.get("photo") and not self.held_photo and "photo" not in self.errors:
            self.add_error("photo", _("Chụp hoặc chọn ảnh giấy xác nhận đã tiêm."))
        if cleaned.get("date_of_birth") and cleaned.get("id_number") and cleaned.get("sex"):
            try:
                cleaned["id_type"], cleaned["id_number"] = validate_id_document(
                    id_type=cleaned.get("id_type") or IdType.CCCD,
                    id_number=cleaned["id_number"],
                    date_of_birth=cleaned["date_of_birth"],
                    sex=cleaned["sex"],
                    today=timezone.localdate(),
                )
            except ValidationError as exc:
                self.add_error("id_number", exc)
        if not cleaned.get("kind"):
            return cleaned
        for number in KIND_DOSES[cleaned["kind"]]:
            for part, message in (
                ("given_on", _("Nhập ngày tiêm.")),
                ("vaccine", _("Chọn vắc xin.")),
                ("lot", _("Nhập số lô vắc xin.")),
            ):
                name = f"dose{number}_{part}"
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, message)
        if self.errors:
            return cleaned
        data = self.correction_data()
        problems = correction_problems(data, today=timezone.localdate())
        for problem in problems:
            self.add_error(None, problem)
        if not problems and route_unit(data)[0] is None:
            # correction_submit refuses a request no unit takes; said here, before a code
            # is sent, not after the citizen has typed it (the service's own message).
            self.add_error(
                f"dose{data.doses[0].number}_unit",
                ValidationError(
                    _(
                        "Phường / xã này chưa có đơn vị tiêm nhận phản ánh. Chọn nơi tiêm trong "
                        "danh sách, hoặc gọi tổng đài để được hỗ trợ."
                    ),
                    code="no_unit",
                ),
            )
        return cleaned

    def _stated(self, number: int) -> StatedDose | None:
        cleaned = self.cleaned_data
        prefix = f"dose{number}_"
        if not any(cleaned.get(prefix + part) for part in DOSE_PARTS):
            return None
        return StatedDose(
            number=number,
            given_on=cleaned.get(prefix + "given_on"),
            vaccine=cleaned.get(prefix + "vaccine") or "",
            lot=clean_text(cleaned.get(prefix + "lot") or ""),
            unit=cleaned.get(prefix + "unit"),
            unit_name=clean_text(cleaned.get(prefix + "unit_name") or ""),
        )

    def correction_data(self) -> CorrectionData:
        cleaned = self.cleaned_data
        numbers = KIND_DOSES[cleaned["kind"]]
        doses = tuple(dose for number in numbers if (dose := self._stated(number)) is not None)
        return CorrectionData(
            kind=cleaned["kind"],
            full_name=cleaned["full_name"],
            date_of_birth=cleaned["date_of_birth"],
            sex=cleaned["sex"],
            id_type=cleaned["id_type"],
            id_number=cleaned["id_number"],
            phone=cleaned["phone"],
            area=cleaned["area"],
            workplace=cleaned.get("workplace", ""),
            doses=doses,
        )

    # -- what the steps keep ---------------------------------------------------------------

    def stored(self) -> dict:
        """The posted answers as the session keeps them (not the captcha, not the photo)."""
        return {
            name: self.data.getlist(name)
            for name in self.fields
            if name not in ("captcha", "photo") and name in self.data
        }

    @classmethod
    def from_stored(cls, stored: dict, **kwargs) -> "CorrectionForm":
        data = QueryDict(mutable=True)
        for name, values in stored.items():
            data.setlist(name, values)
        return cls(data, **kwargs)

    @classmethod
    def initial_from(cls, stored: dict) -> dict:
        return {name: (values or [""])[0] for name, values in stored.items()}

    @property
    def kind_label(self) -> str:
        return str(CorrectionKind(self.cleaned_data["kind"]).label)
