"""The lab's forms in the admin: one result typed in, a correction, a CSV upload, a new
API key and the date range of the timeliness page. They validate and normalise; the
services in services.py, tokens.py and imports.py do the rest."""

import datetime

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khaibao.areas.models import Area, AreaLevel
from khaibao.lib.normalize import clean_text
from khaibao.people.ids import IdType, Sex

from .models import LabResult, LabTestType, TestOutcome
from .services import ResultData

NOTE_MAX = 300
#: The longest range the timeliness page computes over (one query each, but bounded).
RANGE_MAX_DAYS = 366
_MOMENT_INPUT = {"type": "datetime-local", "step": "60"}


def _moment_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs=_MOMENT_INPUT, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": _("Nhập ngày giờ."),
            "invalid": _("Ngày giờ phải dạng 21/11/2026 08:30."),
        },
    )


class ResultForm(forms.Form):
    """One result typed in by lab staff: the fields of ResultData."""

    sample_id = forms.CharField(
        label=_("Mã mẫu của đơn vị"),
        max_length=64,
        error_messages={"required": _("Nhập mã mẫu của đơn vị.")},
    )
    full_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=120,
        error_messages={"required": _("Nhập họ và tên người được xét nghiệm.")},
    )
    date_of_birth = forms.DateField(
        label=_("Ngày sinh"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Nhập ngày sinh."),
            "invalid": _("Ngày sinh phải dạng 14/03/1988."),
        },
    )
    sex = forms.ChoiceField(
        label=_("Giới tính"),
        choices=Sex.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Chọn giới tính.")},
    )
    id_type = forms.ChoiceField(label=_("Loại giấy tờ"), choices=IdType.choices, initial="cccd")
    id_number = forms.CharField(label=_("Số giấy tờ"), max_length=20, required=False)
    phone = forms.CharField(
        label=_("Số điện thoại khi lấy mẫu"),
        max_length=20,
        help_text=_("Bắt buộc: người dân đăng nhập bằng số này để xem kết quả."),
        error_messages={"required": _("Nhập số điện thoại khi lấy mẫu (bắt buộc).")},
    )
    area = forms.ModelChoiceField(
        label=_("Phường / xã (hoặc thôn, tổ dân phố) nơi ở"),
        queryset=Area.objects.filter(level__in=(AreaLevel.WARD, AreaLevel.VILLAGE)),
        widget=AutocompleteSelect(LabResult._meta.get_field("area"), admin.site),
        error_messages={
            "required": _("Chọn phường / xã nơi ở của người được xét nghiệm."),
            "invalid_choice": _("Chọn phường / xã trong danh sách."),
        },
    )
    street_address = forms.CharField(label=_("Số nhà, đường"), max_length=200, required=False)
    test_type = forms.ChoiceField(
        label=_("Loại xét nghiệm"),
        choices=LabTestType.choices,
        error_messages={"required": _("Chọn loại xét nghiệm.")},
    )
    outcome = forms.ChoiceField(
        label=_("Kết quả"),
        choices=TestOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Chọn kết quả.")},
    )
    sampled_at = _moment_field(_("Lấy mẫu lúc"))
    resulted_at = _moment_field(_("Có kết quả lúc"))

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        if areas is not None:
            self.fields["area"].queryset = areas

    def clean_full_name(self) -> str:
        return clean_text(self.cleaned_data["full_name"])

    def clean_sample_id(self) -> str:
        return clean_text(self.cleaned_data["sample_id"])

    def result_data(self) -> ResultData:
        data = self.cleaned_data
        return ResultData(**{name: data[name] for name in ResultData.__dataclass_fields__})


class CorrectForm(forms.Form):
    """A lab's correction of a wrong result: the right outcome and why."""

    outcome = forms.ChoiceField(
        label=_("Kết quả đúng"),
        choices=TestOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Chọn kết quả đúng.")},
    )
    note = forms.CharField(
        label=_("Lý do đính chính"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        error_messages={
            "required": _("Ghi lý do đính chính."),
            "max_length": _("Lý do dài tối đa %(limit_value)d ký tự."),
        },
    )

    def clean_note(self) -> str:
        return clean_text(self.cleaned_data["note"])


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Tên khoá"),
        max_length=80,
        help_text=_("Ví dụ: Máy chủ LIS 2026. Khoá chỉ hiện một lần, ngay sau khi tạo."),
        error_messages={"required": _("Đặt tên cho khoá.")},
    )


class UploadForm(forms.Form):
    """The CSV file; reading it is imports.read_csv (its errors come back here)."""

    file = forms.FileField(
        label=_("Tệp CSV kết quả"),
        help_text=_("Mã hoá UTF-8, dòng đầu là tên cột theo tệp mẫu; dấu phân cách , hoặc ;."),
        error_messages={
            "required": _("Chọn tệp CSV để tải lên."),
            "empty": _("Tệp tải lên rỗng."),
        },
    )


class RangeForm(forms.Form):
    """The days (by result time, Vietnam's time) a timeliness page covers."""

    date_from = forms.DateField(
        label=_("Từ ngày"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Ngày phải dạng 21/11/2026.")},
    )
    date_to = forms.DateField(
        label=_("Đến ngày"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Ngày phải dạng 21/11/2026.")},
    )

    @classmethod
    def for_request(cls, query) -> "RangeForm":
        """Bound to the query string, with the last 7 days when it names no range."""
        today = timezone.localdate()
        data = {
            "date_from": query.get("date_from") or (today - datetime.timedelta(days=6)).isoformat(),
            "date_to": query.get("date_to") or today.isoformat(),
        }
        return cls(data)

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and last:
            if last < first:
                raise ValidationError(
                    _("Ngày kết thúc phải sau ngày bắt đầu."), code="range_reversed"
                )
            if (last - first).days >= RANGE_MAX_DAYS:
                raise ValidationError(
                    _("Chọn khoảng tối đa %(days)d ngày.") % {"days": RANGE_MAX_DAYS},
                    code="range_too_long",
                )
        return data
