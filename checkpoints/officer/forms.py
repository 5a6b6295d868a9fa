"""The officer page's forms: the one look-up field, the venue tab's search, the defaults."""

import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from khaibao.trust.cose import MAX_TEXT_CHARS

#: What a signed QR of the portal (or an EU DCC) starts with.
QR_PREFIXES = ("KB1:", "HC1:")
#: A CMND (9 digits), CCCD (12), passport (a letter and 7 digits) and the like; spaces,
#: dots and dashes typed between the groups are dropped.
ID_NUMBER = re.compile(r"^[A-Z0-9]{6,20}$")
ID_SEPARATORS = re.compile(r"[\s.\-]+")


class Tab:
    ENTRY = "vao-tinh"
    HEALTH = "kbyt"
    VENUE = "dia-diem"
    SETTINGS = "cau-hinh"


LOOKUP_TABS = (Tab.ENTRY, Tab.HEALTH)
TAB_CHOICES = [
    (Tab.ENTRY, _("Kiểm tra vào tỉnh")),
    (Tab.HEALTH, _("Kiểm tra KBYT trong tỉnh")),
    (Tab.VENUE, _("Kiểm tra địa điểm")),
]


@dataclass(frozen=True)
class Query:
    """What the field held: "qr" and the code's text, or "id" and a normalised number."""

    method: str
    value: str


class LookupForm(forms.Form):
    """One field for a typed ID number, a scanner's QR text or the camera's."""

    q = forms.CharField(
        label=_("Số CMND / CCCD / hộ chiếu hoặc mã QR"),
        max_length=MAX_TEXT_CHARS,
        error_messages={
            "required": _("Nhập số giấy tờ hoặc quét mã QR."),
            "max_length": _("Nội dung quá dài: đây không phải số giấy tờ hay mã QR."),
        },
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "enterkeyhint": "search",
                "class": "form-control form-control-lg kb-officer-input",
            }
        ),
    )
    # Several persons with one number: the one the officer picked (by birth year).
    chon = forms.UUIDField(
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("Lựa chọn không hợp lệ. Tra cứu lại.")},
    )

    def clean_q(self) -> Query:
        text = self.cleaned_data["q"].strip()
        if text[:4].upper() in QR_PREFIXES:
            return Query("qr", text)
        number = ID_SEPARATORS.sub("", text).upper()
        if not ID_NUMBER.match(number):
            raise ValidationError(
                _("Số giấy tờ gồm 6–20 chữ cái hoặc chữ số; mã QR bắt đầu bằng KB1: hoặc HC1:."),
                code="invalid_query",
            )
        return Query("id", number)


class VenueSearchForm(forms.Form):
    """The venue tab: a venue of the province by name, then a window of check-ins."""

    ten = forms.CharField(
        label=_("Tên địa điểm"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-lg"}),
    )
    dia_diem = forms.UUIDField(
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("Địa điểm không hợp lệ. Tìm lại.")},
    )
    tu = forms.DateTimeField(
        label=_("Từ lúc"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        error_messages={"invalid": _("Nhập thời điểm dạng ngày/tháng/năm giờ:phút.")},
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "form-control form-control-lg"},
            format="%Y-%m-%dT%H:%M",
        ),
    )
    den = forms.DateTimeField(
        label=_("Đến lúc"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        error_messages={"invalid": _("Nhập thời điểm dạng ngày/tháng/năm giờ:phút.")},
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "form-control form-control-lg"},
            format="%Y-%m-%dT%H:%M",
        ),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("tu"), cleaned.get("den")
        if start and end and end <= start:
            raise ValidationError(
                {"den": ValidationError(_("Giờ kết thúc phải sau giờ bắt đầu."), code="order")}
            )
        return cleaned


class DefaultsForm(forms.Form):
    """The officer's defaults, kept in the session: the tab that opens first."""

    tab = forms.ChoiceField(
        label=_("Mục mở đầu tiên"),
        choices=TAB_CHOICES,
        error_messages={"invalid_choice": _("Chọn một mục trong danh sách.")},
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    camera = forms.BooleanField(
        label=_("Mở camera ngay khi vào trang (điện thoại)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
