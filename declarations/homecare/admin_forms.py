"""The station's forms on a home-care patient, in the admin: each decision is a form and
the one service it calls (accept or reject a registration, end care, a call note), the
acknowledgement of an alert, the note of the bulk "called" action and the date range of
the CSV export."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from declarations.f0.admin_forms import EXPORT_MAX_DAYS, ExportRangeForm
from khaibao.accounts.models import Unit
from khaibao.accounts.roles import Role
from khaibao.lib.normalize import clean_text

from .models import CareEnd, CareStatus, HomeCarePatient
from .services import call_note_add, homecare_accept, homecare_end, homecare_reject

NOTE_MAX = 500
CALL_NOTE_MAX = 1000


def _note_field(label, *, required_message=None, max_length: int = NOTE_MAX, help_text=""):
    """A note of a few lines; required when it has a message for the empty case (a note
    of spaces only is empty: the field strips it)."""
    errors = {"max_length": _("Ghi chú dài tối đa %(limit_value)d ký tự.")}
    if required_message is not None:
        errors["required"] = required_message
    return forms.CharField(
        label=label,
        required=required_message is not None,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=help_text,
        error_messages=errors,
    )


class NoteForm(forms.Form):
    def clean_note(self) -> str:
        return clean_text(self.cleaned_data["note"])


class PatientForm(NoteForm):
    """A decision's form about one patient (the accept form offers the treatment
    facilities of the patient's province)."""

    def __init__(self, *args, patient: HomeCarePatient, **kwargs):
        self.patient = patient
        super().__init__(*args, **kwargs)


class AcceptForm(PatientForm):
    facility = forms.ModelChoiceField(
        label=_("Cơ sở điều trị theo dõi"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("Không: Trạm Y tế theo dõi"),
        help_text=_("Cơ sở điều trị được chọn cũng nhận cảnh báo nguy hiểm của người bệnh."),
        error_messages={"invalid_choice": _("Chọn một cơ sở điều trị trong danh sách.")},
    )

    def __init__(self, *args, patient: HomeCarePatient, **kwargs):
        super().__init__(*args, patient=patient, **kwargs)
        field = self.fields["facility"]
        field.queryset = Unit.objects.filter(
            role=Role.TREATMENT_FACILITY,
            is_active=True,
            area__path__startswith=f"{patient.area.province_code}/",
        ).order_by("name")
        field.initial = patient.facility_id


class RejectForm(PatientForm):
    note = _note_field(
        _("Lý do không tiếp nhận"),
        required_message=_("Ghi lý do không tiếp nhận để người đăng ký biết cần làm gì."),
        help_text=_("Người đăng ký nhận nội dung này qua tin nhắn."),
    )


class EndForm(PatientForm):
    reason = forms.ChoiceField(
        label=_("Lý do kết thúc"),
        choices=[("", "---------"), *CareEnd.choices],
        error_messages={
            "required": _("Chọn lý do kết thúc chăm sóc tại nhà."),
            "invalid_choice": _("Chọn một lý do trong danh sách."),
        },
    )
    note = _note_field(
        _("Ghi chú"),
        help_text=_("Bắt buộc khi chuyển viện (ghi nơi chuyển đến) hoặc tử vong."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") in (CareEnd.HOSPITAL, CareEnd.DIED) and not cleaned.get("note"):
            self.add_error(
                "note",
                ValidationError(
                    _("Ghi rõ nơi chuyển đến hoặc hoàn cảnh tử vong."), code="note_required"
                ),
            )
        return cleaned


class CallNoteForm(PatientForm):
    note = _note_field(
        _("Nội dung cuộc gọi"),
        required_message=_("Ghi nội dung cuộc gọi."),
        max_length=CALL_NOTE_MAX,
        help_text=_("Ví dụ: đã gọi, người bệnh ổn, hướng dẫn đo lại SpO2 buổi chiều."),
    )


class AcknowledgeForm(NoteForm):
    note = _note_field(
        _("Đã xử lý thế nào"),
        required_message=_("Ghi lại đã xử lý thế nào."),
        max_length=CALL_NOTE_MAX,
        help_text=_(
            "Ví dụ: đã gọi, hướng dẫn thở oxy, chuyển bệnh viện quận. Khi đã ghi xử lý, "
            "cảnh báo thôi báo lại tới số trực."
        ),
    )


class CalledForm(NoteForm):
    """The note of the bulk action "Đã gọi điện", written on each selected patient."""

    note = _note_field(
        _("Nội dung cuộc gọi"),
        required_message=_("Ghi nội dung cuộc gọi."),
        max_length=CALL_NOTE_MAX,
        help_text=_("Cùng một ghi chú được ghi cho mỗi người bệnh đã chọn."),
    )


class ReportRangeForm(ExportRangeForm):
    """F0's date range (dd/mm/yyyy, at most EXPORT_MAX_DAYS days), by the day of measuring."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_to"].help_text = format_lazy(
            _("Tính theo ngày đo của báo cáo, gồm cả hai ngày; tối đa {days} ngày."),
            days=EXPORT_MAX_DAYS,
        )


# -- decisions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PatientAction:
    """One thing the station does to a patient: when it applies, its form, its service."""

    kind: str  # URL name suffix: admin:declarations_homecarepatient_<kind>
    route: str
    statuses: tuple[str, ...]
    form_class: type[PatientForm]
    service: Callable[..., object]
    title: Promise
    button: Promise
    done: Promise  # success message; %(name)s and %(code)s
    danger: bool = False
    #: Back to the board afterwards (a decision), or to the patient page (a note).
    to_board: bool = True


PATIENT_ACTIONS = (
    PatientAction(
        kind="accept",
        route="tiep-nhan",
        statuses=(CareStatus.PENDING,),
        form_class=AcceptForm,
        service=homecare_accept,
        title=_("Tiếp nhận chăm sóc tại nhà"),
        button=_("Tiếp nhận"),
        done=_("Đã tiếp nhận %(name)s (%(code)s). Tin nhắn hướng dẫn báo cáo đã được xếp gửi."),
    ),
    PatientAction(
        kind="reject",
        route="tu-choi",
        statuses=(CareStatus.PENDING,),
        form_class=RejectForm,
        service=homecare_reject,
        title=_("Không tiếp nhận chăm sóc tại nhà"),
        button=_("Không tiếp nhận và gửi lý do"),
        done=_("Đã không tiếp nhận %(name)s (%(code)s). Tin nhắn báo lý do đã được xếp gửi."),
        danger=True,
    ),
    PatientAction(
        kind="end",
        route="ket-thuc",
        statuses=(CareStatus.ACTIVE,),
        form_class=EndForm,
        service=homecare_end,
        title=_("Kết thúc chăm sóc tại nhà"),
        button=_("Kết thúc chăm sóc"),
        done=_("Đã kết thúc chăm sóc tại nhà của %(name)s (%(code)s)."),
        danger=True,
    ),
    PatientAction(
        kind="call_note",
        route="goi-dien",
        statuses=tuple(CareStatus.values),
        form_class=CallNoteForm,
        service=call_note_add,
        title=_("Ghi cuộc gọi"),
        button=_("Lưu ghi chú"),
        done=_("Đã ghi cuộc gọi với %(name)s (%(code)s)."),
        to_board=False,
    ),
)
