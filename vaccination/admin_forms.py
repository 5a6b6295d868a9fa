"""The vaccination unit's forms in the admin: a dose typed in, a correction of a dose, the
CSV upload, and the two decisions on a correction request (each a form and the one
service it calls). They validate and normalise; the services do the rest."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khaibao.accounts.models import Unit
from khaibao.areas.models import Area, AreaLevel
from khaibao.lib.normalize import clean_text
from khaibao.people.ids import IdType, Sex

from .imports import PersonData
from .models import CorrectionRequest, CorrectionStatus, RejectReason
from .services import DoseData, correction_approve, correction_reject
from .vaccines import Vaccine

NOTE_MAX = 500
_DATE_INPUT = {"type": "date"}
_DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def _date_field(label, required_message) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=_DATE_FORMATS,
        widget=forms.DateInput(attrs=_DATE_INPUT, format="%Y-%m-%d"),
        error_messages={
            "required": required_message,
            "invalid": _("Ngày phải dạng 14/03/1988."),
        },
    )


class _DoseFields(forms.Form):
    """What a dose is: its date, vaccine, lot, unit (for accounts not bound to a unit)
    and whether it followed a recovery."""

    given_on = _date_field(_("Ngày tiêm"), _("Nhập ngày tiêm."))
    vaccine = forms.ChoiceField(
        label=_("Vắc xin"),
        choices=[("", "---------"), *Vaccine.choices],
        error_messages={
            "required": _("Chọn vắc xin."),
            "invalid_choice": _("Chọn vắc xin trong danh sách."),
        },
    )
    lot = forms.CharField(
        label=_("Số lô"), max_length=40, error_messages={"required": _("Nhập số lô vắc xin.")}
    )
    unit = forms.ModelChoiceField(
        label=_("Đơn vị tiêm"),
        queryset=Unit.objects.none(),
        error_messages={
            "required": _("Chọn đơn vị tiêm."),
            "invalid_choice": _("Chọn đơn vị tiêm trong danh sách."),
        },
    )
    after_recovery = forms.BooleanField(
        label=_("Đã khỏi COVID-19 trước mũi này"),
        required=False,
        help_text=_("Theo hướng dẫn EU: người đã khỏi bệnh tiêm 1 mũi là đủ liều cơ bản."),
    )

    def __init__(self, *args, unit: Unit | None = None, units=None, **kwargs):
        """`unit`: the staff member's own unit, fixed (the field is dropped); otherwise
        `units`, the vaccination units the user may choose from."""
        super().__init__(*args, **kwargs)
        self.fixed_unit = unit
        if unit is not None:
            del self.fields["unit"]
        else:
            self.fields["unit"].queryset = units if units is not None else Unit.objects.none()

    def clean_lot(self) -> str:
        return clean_text(self.cleaned_data["lot"]).upper()

    def _dose_data(self, number: int) -> DoseData:
        data = self.cleaned_data
        return DoseData(
            number=number,
            given_on=data["given_on"],
            vaccine=data["vaccine"],
            lot=data["lot"],
            unit=self.fixed_unit or data["unit"],
            after_recovery=data["after_recovery"],
        )


class DoseAddForm(_DoseFields):
    """A dose typed in by unit staff, with the person it was given to: found on file by
    the ID document and birth date, or by name, birth date and phone, else created."""

    full_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=120,
        error_messages={"required": _("Nhập họ và tên người được tiêm.")},
    )
    date_of_birth = _date_field(_("Ngày sinh"), _("Nhập ngày sinh."))
    sex = forms.ChoiceField(
        label=_("Giới tính"),
        choices=Sex.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Chọn giới tính.")},
    )
    id_type = forms.ChoiceField(label=_("Loại giấy tờ"), choices=IdType.choices, initial="cccd")
    id_number = forms.CharField(label=_("Số giấy tờ"), max_length=20, required=False)
    phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False)
    area = forms.ModelChoiceField(
        label=_("Phường / xã nơi ở"),
        queryset=Area.objects.none(),
        help_text=_("Dùng khi người này chưa có hồ sơ: hồ sơ mới được tạo ở phường / xã này."),
        error_messages={
            "required": _("Chọn phường / xã nơi ở."),
            "invalid_choice": _("Chọn phường / xã trong danh sách."),
        },
    )
    number = forms.IntegerField(
        label=_("Mũi thứ"),
        min_value=1,
        max_value=10,
        error_messages={
            "required": _("Nhập mũi thứ mấy."),
            "invalid": _("Mũi thứ là một số từ 1 đến 10."),
            "min_value": _("Mũi thứ phải từ 1 đến 10."),
            "max_value": _("Mũi thứ phải từ 1 đến 10."),
        },
    )

    field_order = [
        "full_name",
        "date_of_birth",
        "sex",
        "id_type",
        "id_number",
        "phone",
        "area",
        "number",
        "given_on",
        "vaccine",
        "lot",
        "unit",
        "after_recovery",
    ]

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = (
            areas
            if areas is not None
            else Area.objects.filter(level__in=(AreaLevel.WARD, AreaLevel.VILLAGE))
        )
        self.order_fields(self.field_order)

    def clean_full_name(self) -> str:
        return clean_text(self.cleaned_data["full_name"])

    def person_data(self) -> PersonData:
        data = self.cleaned_data
        return PersonData(
            full_name=data["full_name"],
            date_of_birth=data["date_of_birth"],
            sex=data["sex"],
            id_type=data["id_type"],
            id_number=data["id_number"],
            phone=data["phone"],
            area=data["area"],
        )

    def dose_data(self) -> DoseData:
        return self._dose_data(self.cleaned_data["number"])


class DoseCorrectForm(_DoseFields):
    """A dose the unit recorded wrongly, as it should be, and why (dose_correct)."""

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

    def dose_data(self, number: int) -> DoseData:
        return self._dose_data(number)


def correct_form_initial(record) -> dict:
    return {
        "given_on": record.given_on,
        "vaccine": record.vaccine,
        "lot": record.lot,
        "unit": record.unit_id,
        "after_recovery": record.after_recovery,
    }


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp CSV mũi tiêm"),
        help_text=_("Mã hoá UTF-8, dòng đầu là tên cột theo tệp mẫu; dấu phân cách , hoặc ;."),
        error_messages={
            "required": _("Chọn tệp CSV để tải lên."),
            "empty": _("Tệp tải lên rỗng."),
        },
    )


# -- decisions on a correction request ------------------------------------------------


class ApproveForm(forms.Form):
    """Nothing to fill in: the button is the decision."""


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Lý do không cập nhật"),
        choices=[("", "---------"), *RejectReason.choices],
        error_messages={
            "required": _("Chọn lý do không cập nhật."),
            "invalid_choice": _("Chọn một lý do trong danh sách."),
        },
    )
    note = forms.CharField(
        label=_("Ghi chú cho người dân"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Bắt buộc khi chọn “Lý do khác”. Người dân nhận lý do qua tin nhắn."),
        error_messages={"max_length": _("Ghi chú dài tối đa %(limit_value)d ký tự.")},
    )

    def clean_note(self) -> str:
        return clean_text(self.cleaned_data["note"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == RejectReason.OTHER and not cleaned.get("note"):
            self.add_error("note", ValidationError(_("Ghi rõ lý do khác."), code="note_required"))
        return cleaned


def _approve(*, request: CorrectionRequest, by, ip=None) -> CorrectionRequest:
    return correction_approve(request=request, by=by, ip=ip)


def _reject(*, request: CorrectionRequest, by, reason, note, ip=None) -> CorrectionRequest:
    return correction_reject(request=request, by=by, reason=reason, note=note, ip=ip)


@dataclass(frozen=True)
class Decision:
    """One decision on a pending request: its form and its service."""

    kind: str  # URL name suffix: admin:vaccination_correctionrequest_<kind>
    route: str
    form_class: type[forms.Form]
    service: Callable[..., CorrectionRequest]
    title: Promise
    button: Promise
    done: Promise  # success message; %(code)s and %(name)s
    danger: bool = False
    status: str = CorrectionStatus.PENDING


DECISIONS = (
    Decision(
        kind="approve",
        route="duyet",
        form_class=ApproveForm,
        service=_approve,
        title=_("Duyệt: thêm các mũi tiêm vào hồ sơ"),
        button=_("Duyệt"),
        done=_(
            "Đã duyệt phản ánh %(code)s của %(name)s: đã thêm mũi tiêm, cấp chứng nhận mới "
            "và thu hồi chứng nhận cũ. Tin nhắn đã được xếp gửi."
        ),
    ),
    Decision(
        kind="reject",
        route="tu-choi",
        form_class=RejectForm,
        service=_reject,
        title=_("Từ chối: không cập nhật mũi tiêm"),
        button=_("Từ chối"),
        done=_("Đã từ chối phản ánh %(code)s của %(name)s. Tin nhắn báo lý do đã được xếp gửi."),
        danger=True,
    ),
)
