"""The station's forms in the admin: the four decisions on an F0 declaration (each a
form and the one service it calls) and the CSV export of a date range."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from khaibao.lib.normalize import clean_text

from .models import F0Declaration, F0Status, RejectReason
from .services import f0_accept, f0_completion_confirm, f0_completion_refuse, f0_reject

DATE_FORMAT = "%d/%m/%Y"
EXPORT_MAX_DAYS = 92


# -- decision forms -----------------------------------------------------------------------


class AcceptForm(forms.Form):
    """Nothing to fill in: the button is the decision."""


class CompletionConfirmForm(forms.Form):
    """Nothing to fill in: the button is the decision."""


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Lý do từ chối"),
        choices=[("", "---------"), *RejectReason.choices],
        error_messages={
            "required": _("Chọn lý do từ chối."),
            "invalid_choice": _("Chọn một lý do trong danh sách."),
        },
    )
    note = forms.CharField(
        label=_("Ghi chú cho người khai báo"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_(
            "Bắt buộc khi chọn “Lý do khác”. Người khai báo nhận nội dung này qua tin nhắn."
        ),
        error_messages={"max_length": _("Ghi chú dài tối đa %(limit_value)d ký tự.")},
    )

    def clean_note(self) -> str:
        return clean_text(self.cleaned_data["note"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == RejectReason.OTHER and not cleaned.get("note"):
            self.add_error(
                "note",
                ValidationError(
                    _("Ghi rõ lý do để người dân biết cần sửa gì."), code="note_required"
                ),
            )
        return cleaned


class CompletionRefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do chưa xác nhận"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Người khai báo nhận nội dung này qua tin nhắn."),
        error_messages={
            "required": _("Ghi rõ lý do để người dân biết cần làm gì."),
            "max_length": _("Lý do dài tối đa %(limit_value)d ký tự."),
        },
    )

    def clean_reason(self) -> str:
        return clean_text(self.cleaned_data["reason"])


class ExportRangeForm(forms.Form):
    DATE_ERRORS = {
        "required": _("Nhập ngày theo dạng dd/mm/yyyy."),
        "invalid": _("Nhập ngày theo dạng dd/mm/yyyy, ví dụ 05/11/2026."),
    }

    date_from = forms.DateField(
        label=_("Từ ngày"),
        input_formats=[DATE_FORMAT],
        widget=forms.DateInput(format=DATE_FORMAT, attrs={"placeholder": "dd/mm/yyyy"}),
        error_messages=DATE_ERRORS,
    )
    date_to = forms.DateField(
        label=_("Đến ngày"),
        input_formats=[DATE_FORMAT],
        widget=forms.DateInput(format=DATE_FORMAT, attrs={"placeholder": "dd/mm/yyyy"}),
        error_messages=DATE_ERRORS,
        help_text=format_lazy(
            _("Tính theo ngày gửi khai báo, gồm cả hai ngày; tối đa {days} ngày."),
            days=EXPORT_MAX_DAYS,
        ),
    )

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last:
            if last < first:
                raise ValidationError(
                    _("“Đến ngày” phải sau hoặc bằng “Từ ngày”."), code="range_order"
                )
            if (last - first).days + 1 > EXPORT_MAX_DAYS:
                raise ValidationError(
                    _("Chỉ xuất được tối đa %(days)d ngày một lần."),
                    code="range_too_long",
                    params={"days": EXPORT_MAX_DAYS},
                )
        return cleaned

    def submitted_between(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start of the first day, start of the day after the last), local time."""
        first, last = self.cleaned_data["date_from"], self.cleaned_data["date_to"]
        start = datetime.datetime.combine(first, datetime.time.min)
        end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min)
        return timezone.make_aware(start), timezone.make_aware(end)


# -- decisions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """One staff decision: the status it applies to, its form and its service."""

    kind: str  # URL name suffix: admin:declarations_f0declaration_<kind>
    route: str
    status: str
    form_class: type[forms.Form]
    service: Callable[..., F0Declaration]
    title: Promise
    button: Promise
    done: Promise  # success message; %(name)s and %(code)s
    danger: bool = False


DECISIONS = (
    Decision(
        kind="accept",
        route="accept",
        status=F0Status.SUBMITTED,
        form_class=AcceptForm,
        service=f0_accept,
        title=_("Tiếp nhận khai báo F0"),
        button=_("Tiếp nhận"),
        done=_("Đã tiếp nhận F0 %(name)s, mã %(code)s. Tin nhắn báo mã đã được xếp gửi."),
    ),
    Decision(
        kind="reject",
        route="reject",
        status=F0Status.SUBMITTED,
        form_class=RejectForm,
        service=f0_reject,
        title=_("Từ chối khai báo F0"),
        button=_("Từ chối và gửi lý do"),
        done=_("Đã từ chối khai báo của %(name)s. Tin nhắn báo lý do đã được xếp gửi."),
        danger=True,
    ),
    Decision(
        kind="completion_confirm",
        route="completion-confirm",
        status=F0Status.COMPLETION_REQUESTED,
        form_class=CompletionConfirmForm,
        service=f0_completion_confirm,
        title=_("Xác nhận hoàn thành cách ly"),
        button=_("Xác nhận hoàn thành cách ly"),
        done=_("Đã xác nhận %(name)s (%(code)s) hoàn thành cách ly. Giấy xác nhận đã được cấp."),
    ),
    Decision(
        kind="completion_refuse",
        route="completion-refuse",
        status=F0Status.COMPLETION_REQUESTED,
        form_class=CompletionRefuseForm,
        service=f0_completion_refuse,
        title=_("Chưa xác nhận hoàn thành cách ly"),
        button=_("Chưa xác nhận và gửi lý do"),
        done=_("Đã báo %(name)s (%(code)s) chưa được xác nhận hoàn thành cách ly."),
        danger=True,
    ),
)
