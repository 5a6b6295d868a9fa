"""The province's forms on its quarantine policy table: set one area's policy, remove
one. They validate and normalise one row (with policy.clean_policy_row, so the page and
the generic rules form refuse the same things in the same words); building the new table
and scheduling it is policy_area_schedule's."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khaibao.areas.models import Area, AreaLevel
from khaibao.lib.forms import day_field
from khaibao.lib.normalize import clean_text
from khaibao.rules.services import PAST_TOLERANCE

from ..declaring.admin_forms import AreaPicker
from .policy import MAX_DAYS, Measure, clean_policy_row

#: The codes of clean_policy_row's errors, by the part of a row they are about.
_DAYS_CODES = frozenset({"bad_days", "days_required"})
_MEASURE_CODES = frozenset({"bad_measure", "exception_stricter", "bad_policy"})

EXCEPTIONS = (
    ("vaccinated", _("Ngoại lệ: đã tiêm đủ liều (dữ liệu tiêm chủng)")),
    ("negative_test", _("Ngoại lệ: có kết quả xét nghiệm âm tính gần đây")),
)


def _days_field(label, *, required: bool = False) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=MAX_DAYS,
        required=required,
        error_messages={
            "invalid": _("Số ngày là một số nguyên."),
            "min_value": _("Số ngày không thể âm."),
            "max_value": _("Nhiều nhất %(limit_value)s ngày."),
        },
    )


class ScheduleFieldsForm(forms.Form):
    """From when the new table applies and on what authority."""

    effective_from = forms.DateTimeField(
        label=_("Có hiệu lực từ"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "step": "60"}, format="%Y-%m-%dT%H:%M"
        ),
        help_text=_("Để trống: có hiệu lực ngay khi lưu."),
        error_messages={"invalid": _("Ngày giờ phải dạng 21/11/2026 08:30.")},
    )
    document = forms.CharField(
        label=_("Văn bản căn cứ"),
        max_length=300,
        help_text=_(
            "Số, ký hiệu và ngày của văn bản, ví dụ Công văn 1346/UBND-GD ngày 17/02/2021."
        ),
        error_messages={"required": _("Ghi văn bản căn cứ của thay đổi này.")},
    )
    note = forms.CharField(
        label=_("Ghi chú"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        error_messages={"max_length": _("Ghi chú dài tối đa %(limit_value)d ký tự.")},
    )

    #: Where rule_version_schedule's errors go (its field names → this form's).
    service_fields = {
        "effective_from": "effective_from",
        "document": "document",
        "area_code": "area_code",
    }

    @property
    def schedule_fields(self) -> list[forms.BoundField]:
        return [self["effective_from"], self["document"], self["note"]]

    def clean_effective_from(self):
        """A time in the past is refused at the preview already (the rules service refuses
        it again at the confirm): a version in force is never rewritten."""
        value = self.cleaned_data["effective_from"]
        if value is not None and value < timezone.now() - PAST_TOLERANCE:
            raise ValidationError(
                _("Không thể đặt hiệu lực trong quá khứ: phiên bản đã áp dụng không được sửa."),
                code="in_past",
            )
        return value

    def clean_document(self) -> str:
        return clean_text(self.cleaned_data["document"])

    def clean_note(self) -> str:
        return clean_text(self.cleaned_data["note"])

    def add_service_errors(self, exc: ValidationError) -> None:
        mapping = getattr(exc, "error_dict", None) or {None: exc.error_list}
        for field, errors in mapping.items():
            self.add_error(self.service_fields.get(field), errors)


class PolicySetForm(ScheduleFieldsForm):
    """One area's policy: the area (by its code, or picked province → ward → village →
    point), the measure and its days, the exceptions, the dates it covers."""

    area_code = forms.CharField(
        label=_("Mã vùng"),
        max_length=32,
        required=False,
        help_text=_("Ví dụ 01 (cả tỉnh), 00070 (một phường) hoặc 00070-001; hoặc chọn bên dưới."),
    )
    measure = forms.ChoiceField(
        label=_("Biện pháp"),
        choices=[("", "---------"), *Measure.choices],
        error_messages={
            "required": _("Chọn biện pháp."),
            "invalid_choice": _("Chọn biện pháp trong danh sách."),
        },
    )
    days = _days_field(_("Số ngày"))
    test_on_arrival = forms.BooleanField(label=_("Xét nghiệm khi đến"), required=False)
    vaccinated_measure = forms.ChoiceField(
        label=EXCEPTIONS[0][1],
        choices=[("", _("Không có ngoại lệ")), *Measure.choices],
        required=False,
        error_messages={"invalid_choice": _("Chọn biện pháp trong danh sách.")},
    )
    vaccinated_days = _days_field(_("Số ngày (đã tiêm đủ liều)"))
    negative_test_measure = forms.ChoiceField(
        label=EXCEPTIONS[1][1],
        choices=[("", _("Không có ngoại lệ")), *Measure.choices],
        required=False,
        error_messages={"invalid_choice": _("Chọn biện pháp trong danh sách.")},
    )
    negative_test_days = _days_field(_("Số ngày (có kết quả âm tính)"))
    valid_from = day_field(
        _("Áp dụng cho người đến từ ngày"), required=False, help_text=_("Để trống: không giới hạn.")
    )
    valid_until = day_field(
        _("Đến hết ngày"), required=False, help_text=_("Để trống: không giới hạn.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.picker = AreaPicker(
            "area",
            provinces=Area.objects.filter(level=AreaLevel.PROVINCE),
            with_point=True,
            required=False,
            ward_required=False,
        )
        self.picker.add_to(self)

    @property
    def area_fields(self) -> list[forms.BoundField]:
        return [self["area_code"], *self.picker.bound_fields(self)]

    @property
    def rule_fields(self) -> list[forms.BoundField]:
        names = (
            "measure",
            "days",
            "test_on_arrival",
            "vaccinated_measure",
            "vaccinated_days",
            "negative_test_measure",
            "negative_test_days",
            "valid_from",
            "valid_until",
        )
        return [self[name] for name in names]

    def clean_area_code(self) -> str:
        return clean_text(self.cleaned_data["area_code"])

    def clean(self):
        cleaned = super().clean()
        cleaned["area"] = area = self._area(cleaned)
        if area is None or "measure" not in cleaned:
            return cleaned
        row = {
            "area": area.code,
            "measure": cleaned["measure"],
            "days": cleaned.get("days") or 0,
            "test_on_arrival": cleaned.get("test_on_arrival", False),
            "from": _iso(cleaned.get("valid_from")),
            "until": _iso(cleaned.get("valid_until")),
        }
        if not self._checked(row, days="days", measure="measure", dates="valid_until"):
            return cleaned
        for name, _label in EXCEPTIONS:
            measure = cleaned.get(f"{name}_measure")
            if measure:
                exception = {"measure": measure, "days": cleaned.get(f"{name}_days") or 0}
                if self._checked(
                    {**row, name: exception}, days=f"{name}_days", measure=f"{name}_measure"
                ):
                    row[name] = exception
        if not self.errors:
            cleaned["row"] = clean_policy_row(row)
        return cleaned

    def _area(self, cleaned) -> Area | None:
        code = cleaned.get("area_code")
        if code:
            area = Area.objects.filter(code=code).first()
            if area is None:
                self.add_error(
                    "area_code",
                    ValidationError(
                        _("Không có đơn vị hành chính mã %(code)s.") % {"code": code},
                        code="unknown_area",
                    ),
                )
            return area
        area = self.picker.clean(self, cleaned)
        if area is None and not self.errors:
            self.add_error(
                "area_code",
                ValidationError(_("Ghi mã vùng hoặc chọn vùng áp dụng."), code="required"),
            )
        return area

    def _checked(self, row: dict, *, days: str, measure: str, dates: str | None = None) -> bool:
        """clean_policy_row on `row`, its error put on the field it is about."""
        try:
            clean_policy_row(row)
        except ValidationError as exc:
            code = exc.error_list[0].code
            if code in _DAYS_CODES:
                field = days
            elif code == "dates_reversed":
                field = dates
            elif code in _MEASURE_CODES:
                field = measure
            else:
                field = None
            self.add_error(field, exc)
            return False
        return True


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


class PolicyRemoveForm(ScheduleFieldsForm):
    """Remove one area's row: people from there then follow the next wider area's row."""

    area_code = forms.ChoiceField(
        label=_("Vùng"),
        error_messages={
            "required": _("Chọn vùng cần bỏ chính sách."),
            "invalid_choice": _("Vùng này không có chính sách trong bảng."),
        },
    )

    def __init__(self, *args, areas: list[Area], **kwargs):
        """`areas`: those with a row in the table in force or in a later version."""
        super().__init__(*args, **kwargs)
        self.areas = {area.code: area for area in areas}
        self.fields["area_code"].choices = [
            ("", "---------"),
            *((area.code, f"{area} ({area.code})") for area in sorted(areas, key=_path)),
        ]

    @property
    def choice_fields(self) -> list[forms.BoundField]:
        return [self["area_code"]]

    def clean(self):
        cleaned = super().clean()
        cleaned["area"] = self.areas.get(cleaned.get("area_code", ""))
        return cleaned


def _path(area: Area) -> str:
    return area.path
