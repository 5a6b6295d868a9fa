"""The citizen's daily health report (seed 002 part 2, "trả lời 6 câu hỏi"), and the page
that asks for SpO2 again after a minute's rest when the first reading is low (QĐ 261).

Both work without JavaScript. homecare-draft.js saves what is typed as a draft.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout
from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .models import HomeCarePatient
from .rules import OTHER_SIGNS, REPORT_SIGNS
from .scoring import Reading

# The answers kept in a draft, as the browser posts them (the time is always "now"
# when the form is opened again, so it is not kept).
DRAFT_FIELDS = (
    "submission_key",
    "temperature",
    "spo2",
    "pulse",
    "breathing_rate",
    "short_of_breath",
    "chest_pain",
    "symptoms",
    "systolic",
    "diastolic",
    "note",
)
MULTI_VALUE_FIELDS = ("symptoms",)
# The answers the re-measure page carries to the next POST (signed).
CARRIED_FIELDS = (*DRAFT_FIELDS, "measured_date", "measured_time")

TEMPERATURE_MIN, TEMPERATURE_MAX = Decimal("34.0"), Decimal("43.0")
# A report measured this long ago is more likely a mistyped date than a late report.
MAX_REPORT_AGE = datetime.timedelta(days=7)
# The service allows this much clock difference between the phone and the server.
FUTURE_SLACK = datetime.timedelta(minutes=5)
# How long the re-measure page's signed answers stay valid.
REMEASURE_MAX_AGE = datetime.timedelta(hours=1)
REMEASURE_SALT = "homecare.remeasure"

_SIGN_LABELS = dict(REPORT_SIGNS)
_TIME = re.compile(r"^\s*(\d{1,2})\s*(?:[:.hHgG]\s*(\d{1,2})?)?\s*(?:phút|p)?\s*$")


def _numeric(decimal: bool = False) -> forms.TextInput:
    """A text box with the phone's number pad: type="number" would refuse "37,5" and
    change the value when the thumb scrolls over it. No placeholder: a grey "97" in an
    empty box reads as a value already measured."""
    attrs = {
        "inputmode": "decimal" if decimal else "numeric",
        "autocomplete": "off",
        "class": "form-control-lg kb-number",
    }
    if not decimal:
        attrs["pattern"] = "[0-9]*"
    return forms.TextInput(attrs=attrs)


def _integer(label, low: int, high: int, message, *, required=True):
    """A whole number in low..high; every way of getting it wrong says the same thing."""
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=low,
        max_value=high,
        widget=_numeric(),
        error_messages={
            "required": message,
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
    )


def spo2_field() -> forms.IntegerField:
    return _integer(
        _("2. SpO2 (%)"),
        50,
        100,
        _("Nhập SpO2 là số từ 50 đến 100, ví dụ 97."),
    )


class DailyReportForm(forms.Form):
    """The six questions, blood pressure when there is a meter, the time of measuring
    and a note. `reading()` is what scoring and the service take."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    temperature = forms.CharField(
        label=_("1. Nhiệt độ (°C)"),
        max_length=10,
        widget=_numeric(decimal=True),
        help_text=_("Ví dụ 37,5"),
        error_messages={"required": _("Nhập nhiệt độ, ví dụ 37,5.")},
    )
    spo2 = spo2_field()
    pulse = _integer(
        _("3. Mạch (lần/phút)"),
        30,
        250,
        _("Nhập mạch là số lần/phút từ 30 đến 250, ví dụ 80."),
    )
    breathing_rate = _integer(
        _("4. Nhịp thở (lần/phút)"),
        5,
        100,
        _("Nhập nhịp thở là số lần/phút từ 5 đến 100, ví dụ 18."),
        required=False,
    )
    short_of_breath = forms.BooleanField(label=_("Khó thở, không đếm được"), required=False)
    chest_pain = forms.TypedChoiceField(
        label=_("5. Có đau tức ngực không?"),
        choices=[("no", _("Không")), ("yes", _("Có"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Chọn Có hoặc Không.")},
    )
    symptoms = forms.MultipleChoiceField(
        label=_("6. Dấu hiệu khác (chọn các dấu hiệu đang có)"),
        choices=[(code, _SIGN_LABELS[code]) for code in OTHER_SIGNS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Không có dấu hiệu nào thì để trống."),
    )
    systolic = _integer(
        _("Tâm thu (số trên)"),
        50,
        250,
        _("Huyết áp tâm thu là số từ 50 đến 250, ví dụ 120."),
        required=False,
    )
    diastolic = _integer(
        _("Tâm trương (số dưới)"),
        30,
        150,
        _("Huyết áp tâm trương là số từ 30 đến 150, ví dụ 80."),
        required=False,
    )
    measured_date = forms.DateField(
        label=_("Ngày đo"),
        widget=forms.DateInput(
            format="%d/%m/%Y",
            attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"},
        ),
        error_messages={
            "required": _("Nhập ngày đo dạng ngày/tháng/năm, ví dụ 21/11/2026."),
            "invalid": _("Nhập ngày đo dạng ngày/tháng/năm, ví dụ 21/11/2026."),
        },
    )
    measured_time = forms.CharField(
        label=_("Giờ đo"),
        max_length=10,
        widget=forms.TextInput(attrs={"type": "time", "autocomplete": "off"}),
        error_messages={"required": _("Nhập giờ đo, ví dụ 08:30.")},
    )
    note = forms.CharField(
        label=_("Ghi chú cho Trạm Y tế (nếu có)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, patient: HomeCarePatient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient

    @cached_property
    def helper(self) -> FormHelper:
        # Built when the page is drawn, not for a POST that is filed and redirected
        # (the hot path of a daily report).
        helper = FormHelper()
        # The page writes the <form> tag: it carries the autosave script's attributes.
        helper.form_tag = False
        helper.disable_csrf = True
        helper.layout = Layout(
            "submission_key",
            Fieldset(
                _("Các chỉ số đo được"),
                Field("temperature"),
                Field("spo2"),
                Field("pulse"),
                Div(Field("breathing_rate"), Field("short_of_breath"), css_id="breathing"),
            ),
            Fieldset(_("Triệu chứng"), Field("chest_pain"), Field("symptoms")),
            Fieldset(
                _("Huyết áp, mmHg (nếu có máy đo)"),
                Div(
                    Div(Field("systolic"), css_class="col-6"),
                    Div(Field("diastolic"), css_class="col-6"),
                    css_class="row",
                ),
            ),
            Fieldset(
                _("Thời gian đo"),
                Div(
                    Div(Field("measured_date"), css_class="col-6"),
                    Div(Field("measured_time"), css_class="col-6"),
                    css_class="row",
                ),
            ),
            Field("note"),
        )
        return helper

    # -- fields ---------------------------------------------------------------------------

    def clean_temperature(self) -> Decimal:
        """ "37,5", "37.5", "37,5 °C" → Decimal("37.5")."""
        text = self.cleaned_data["temperature"].replace(",", ".").replace("°", "")
        text = text.upper().replace("C", "").strip()
        message = _("Nhập nhiệt độ là số từ 34 đến 43 độ C, ví dụ 37,5.")
        try:
            value = Decimal(text).quantize(Decimal("0.1"))
        except InvalidOperation:
            raise ValidationError(message, code="invalid") from None
        if not value.is_finite() or not TEMPERATURE_MIN <= value <= TEMPERATURE_MAX:
            raise ValidationError(message, code="out_of_range")
        return value

    def clean_measured_time(self) -> datetime.time:
        """ "08:30", "8:30", "8h30", "8.30", "8g" → time(8, 30)."""
        match = _TIME.match(self.cleaned_data["measured_time"])
        hour, minute = (int(match[1]), int(match[2] or 0)) if match else (99, 99)
        if hour > 23 or minute > 59:
            raise ValidationError(_("Nhập giờ đo dạng giờ:phút, ví dụ 08:30."), code="invalid")
        return datetime.time(hour, minute)

    def clean_note(self) -> str:
        return " ".join(self.cleaned_data.get("note", "").split())

    # -- the whole form ---------------------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("breathing_rate") is None and not cleaned.get("short_of_breath"):
            if "breathing_rate" not in self.errors:
                self.add_error(
                    "breathing_rate",
                    ValidationError(
                        _("Nhập nhịp thở, hoặc chọn “Khó thở, không đếm được”."),
                        code="breathing_required",
                    ),
                )
        self._clean_pressure(cleaned)
        self._clean_measured_at(cleaned)
        return cleaned

    def _clean_pressure(self, cleaned: dict) -> None:
        if "systolic" in self.errors or "diastolic" in self.errors:
            return
        systolic, diastolic = cleaned.get("systolic"), cleaned.get("diastolic")
        if (systolic is None) != (diastolic is None):
            missing = "diastolic" if diastolic is None else "systolic"
            self.add_error(
                missing,
                ValidationError(
                    _("Nhập cả hai số huyết áp (số trên và số dưới), hoặc để trống cả hai."),
                    code="pressure_pair",
                ),
            )
        elif systolic is not None and diastolic >= systolic:
            self.add_error(
                "diastolic",
                ValidationError(
                    _("Số dưới (tâm trương) phải nhỏ hơn số trên (tâm thu)."),
                    code="pressure_order",
                ),
            )

    def _clean_measured_at(self, cleaned: dict) -> None:
        day, time = cleaned.get("measured_date"), cleaned.get("measured_time")
        if day is None or time is None:
            return
        measured_at = timezone.make_aware(datetime.datetime.combine(day, time))
        now = timezone.now()
        if measured_at > now + FUTURE_SLACK:
            self.add_error(
                "measured_time",
                ValidationError(
                    _("Giờ đo không được ở tương lai. Kiểm tra lại ngày và giờ đo."),
                    code="future",
                ),
            )
        elif measured_at < now - MAX_REPORT_AGE:
            self.add_error(
                "measured_date",
                ValidationError(
                    _("Chỉ gửi được số đo trong 7 ngày gần đây. Kiểm tra lại ngày đo."),
                    code="too_old",
                ),
            )
        else:
            cleaned["measured_at"] = measured_at

    def reading(self, *, spo2: int | None = None) -> Reading:
        """The answers for scoring; `spo2` replaces the form's (the second reading)."""
        data = self.cleaned_data
        return Reading(
            temperature=data["temperature"],
            spo2=data["spo2"] if spo2 is None else spo2,
            pulse=data["pulse"],
            breathing_rate=data["breathing_rate"],
            short_of_breath=data["short_of_breath"],
            chest_pain=data["chest_pain"],
            symptoms=tuple(data["symptoms"]),
            systolic=data["systolic"],
            diastolic=data["diastolic"],
        )

    # -- initial values, drafts and the re-measure page -------------------------------------

    @classmethod
    def initial_for(cls, *, draft_data: dict | None, new_key) -> dict:
        """Now as the time of measuring, overlaid by the draft's answers."""
        now = timezone.localtime()
        initial = {
            "submission_key": new_key,
            "measured_date": now.date(),
            "measured_time": now.strftime("%H:%M"),
        }
        for name, value in (draft_data or {}).items():
            if name not in DRAFT_FIELDS or not value:
                continue
            if name in MULTI_VALUE_FIELDS:
                value = [code for code in value.split(",") if code]
            elif name == "short_of_breath":
                value = value not in ("0", "False", "false", "off")
            initial[name] = value
        return initial

    @staticmethod
    def draft_data(data) -> dict[str, str]:
        """What the browser posted, as strings, for report_draft_save: every draft field
        is present, so an unticked box clears the one saved before."""
        return {
            name: ",".join(value.strip() for value in data.getlist(name))[:500]
            for name in DRAFT_FIELDS
        }

    def carried(self) -> str:
        """The answers as posted, signed for the re-measure page (to this patient)."""
        answers = {name: self.data.getlist(name) for name in CARRIED_FIELDS if name in self.data}
        return signing.dumps({"patient": self.patient.pk, "answers": answers}, salt=REMEASURE_SALT)


class RemeasureForm(forms.Form):
    """The second SpO2 reading, with the first report's answers carried signed. The
    answers are validated again by DailyReportForm: a signature proves where they came
    from, not that they still hold (the time may have become too old)."""

    answers = forms.CharField(widget=forms.HiddenInput)
    spo2 = spo2_field()

    def __init__(self, *args, patient: HomeCarePatient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.fields["spo2"].label = _("SpO2 đo lại (%)")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout("answers", Field("spo2"))

    def clean_answers(self) -> dict[str, list[str]]:
        try:
            payload = signing.loads(
                self.cleaned_data["answers"],
                salt=REMEASURE_SALT,
                max_age=REMEASURE_MAX_AGE,
            )
        except signing.SignatureExpired:
            raise ValidationError(
                _("Trang đo lại đã mở quá lâu. Hãy nhập lại báo cáo."), code="expired"
            ) from None
        except signing.BadSignature:
            raise ValidationError(
                _("Không đọc được các câu trả lời trước. Hãy nhập lại báo cáo."),
                code="bad_signature",
            ) from None
        if payload.get("patient") != self.patient.pk or not isinstance(
            payload.get("answers"), dict
        ):
            raise ValidationError(
                _("Không đọc được các câu trả lời trước. Hãy nhập lại báo cáo."),
                code="bad_signature",
            )
        return payload["answers"]
