"""The typed fields a rule kind is made of. Each cleans a value typed by a province admin
(or read from a stored version) into its typed form, or raises a ValidationError with a
Vietnamese message and a code."""

import re
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import sms

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class RuleField:
    name: str
    label: str
    help_text: str = ""

    def clean(self, value):
        raise NotImplementedError

    def display(self, value) -> str:
        return str(value)

    def widget(self) -> forms.Widget:
        return forms.TextInput()

    def to_form(self, value) -> str:
        return "" if value is None else str(value)

    def form_field(self) -> forms.Field:
        rule_field = self

        class _Field(forms.CharField):
            def clean(self, value):
                value = super().clean(value)
                return rule_field.clean(value)

        return _Field(
            label=self.label,
            help_text=self.help_text,
            widget=self.widget(),
            error_messages={"required": _("Trường này là bắt buộc.")},
        )


@dataclass(frozen=True)
class IntegerRule(RuleField):
    min_value: int = 0
    max_value: int = 1_000_000
    unit: str = ""

    def clean(self, value) -> int:
        if isinstance(value, bool):
            value = None
        if isinstance(value, str):
            value = value.strip()
            if not re.fullmatch(r"-?\d+", value):
                raise ValidationError(_("Nhập một số nguyên."), code="not_integer")
            value = int(value)
        if not isinstance(value, int):
            raise ValidationError(_("Nhập một số nguyên."), code="not_integer")
        if not self.min_value <= value <= self.max_value:
            raise ValidationError(
                _("Giá trị phải từ %(min)s đến %(max)s.")
                % {"min": self.min_value, "max": self.max_value},
                code="out_of_range",
            )
        return value

    def display(self, value) -> str:
        return f"{value} {self.unit}".strip()

    def widget(self) -> forms.Widget:
        return forms.NumberInput(attrs={"min": self.min_value, "max": self.max_value})


def _clean_time(value) -> str:
    match = _TIME.match(str(value).strip()) if isinstance(value, str) else None
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValidationError(
            _("Giờ không hợp lệ: nhập theo dạng giờ:phút từ 00:00 đến 23:59, ví dụ 10:00."),
            code="invalid_time",
        )
    return f"{int(match[1]):02d}:{match[2]}"


@dataclass(frozen=True)
class TimeOfDayRule(RuleField):
    """A time of day, stored as "HH:MM" (local time, Asia/Ho_Chi_Minh)."""

    def clean(self, value) -> str:
        return _clean_time(value)

    def widget(self) -> forms.Widget:
        return forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "10:00"})


@dataclass(frozen=True)
class TimeListRule(RuleField):
    """Times of day, "10:30, 14:00": stored sorted, without repeats."""

    max_items: int = 6

    def clean(self, value) -> list[str]:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ValidationError(_("Nhập các giờ, cách nhau bằng dấu phẩy."), code="invalid_time")
        times = sorted({_clean_time(item) for item in items if str(item).strip()})
        if not times:
            raise ValidationError(_("Nhập ít nhất một giờ."), code="required")
        if len(times) > self.max_items:
            raise ValidationError(
                _("Nhiều nhất %(count)d giờ.") % {"count": self.max_items}, code="too_many"
            )
        return times

    def display(self, value) -> str:
        return ", ".join(value)

    def to_form(self, value) -> str:
        return ", ".join(value or [])


@dataclass(frozen=True)
class SmsTextRule(RuleField):
    """An SMS text with named placeholders. `placeholders` maps each name to a sample
    value, used by the preview and to count segments the way a real text will run."""

    placeholders: dict[str, str] = field(default_factory=dict)
    max_segments: int = 2

    def clean(self, value) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(_("Nhập nội dung tin nhắn."), code="required")
        text = " ".join(value.split())
        try:
            names = sms.placeholders(text)
        except sms.PlaceholderError:
            raise ValidationError(
                _("Dấu ngoặc nhọn chỉ dùng cho tên thay thế, ví dụ {ma_ca}."),
                code="bad_placeholder",
            ) from None
        unknown = sorted(set(names) - set(self.placeholders))
        if unknown:
            raise ValidationError(
                _("Tên thay thế không có trong tin nhắn này: %(names)s. Dùng được: %(known)s.")
                % {
                    "names": ", ".join(f"{{{name}}}" for name in unknown),
                    "known": ", ".join(f"{{{name}}}" for name in self.placeholders),
                },
                code="unknown_placeholder",
            )
        count = self.segments(text)
        if count.segments > self.max_segments:
            raise ValidationError(
                _(
                    "Tin nhắn dài %(segments)d phần SMS (%(encoding)s), quá mức %(max)d phần. "
                    "Viết ngắn lại, hoặc bỏ dấu tiếng Việt để dùng bảng mã GSM-7."
                )
                % {
                    "segments": count.segments,
                    "encoding": count.encoding,
                    "max": self.max_segments,
                },
                code="too_many_segments",
            )
        return text

    def sample(self, text: str) -> str:
        return sms.render(text, self.placeholders)

    def segments(self, text: str) -> sms.SegmentCount:
        return sms.segment_count(self.sample(text))

    def widget(self) -> forms.Widget:
        return forms.Textarea(attrs={"rows": 3})


@dataclass(frozen=True)
class ChoiceListRule(RuleField):
    """Some of a fixed list of choices (code → label), e.g. which symptoms are danger
    signs. Stored as the codes, in the list's order."""

    choices: tuple[tuple[str, str], ...] = ()

    def clean(self, value) -> list[str]:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ValidationError(_("Chọn trong danh sách."), code="invalid_choice")
        codes = {str(item).strip() for item in items if str(item).strip()}
        known = [code for code, _label in self.choices]
        if codes - set(known):
            raise ValidationError(
                _("Không có trong danh sách: %(codes)s.")
                % {"codes": ", ".join(sorted(codes - set(known)))},
                code="invalid_choice",
            )
        return [code for code in known if code in codes]

    def display(self, value) -> str:
        labels = dict(self.choices)
        return ", ".join(str(labels.get(code, code)) for code in value or [])

    def to_form(self, value):
        return list(value or [])

    def form_field(self) -> forms.Field:
        rule_field = self

        class _Field(forms.MultipleChoiceField):
            def clean(self, value):
                return rule_field.clean(super().clean(value))

        return _Field(
            label=self.label,
            help_text=self.help_text,
            choices=self.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
