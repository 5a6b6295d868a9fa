"""One result record as a lab writes it (a CSV row, an API JSON record) → ResultData,
or every field's error with a code and a Vietnamese message. The CSV upload and the
token API both read through here, so the same record gets the same answer either way.

Fields (CSV header and JSON keys alike; see RECORD_FIELDS):
    sample_id, full_name, date_of_birth, sex, id_type, id_number, phone, ward_code,
    street_address, test_type, result, sampled_at, resulted_at

Dates: 2026-11-21 or 21/11/2026. Times: ISO 8601 (2026-11-21T08:30:00+07:00; without an
offset it is Vietnam's time) or "21/11/2026 08:30". Words a lab's spreadsheet uses are
understood: "RT-PCR", "test nhanh", "dương tính", "âm tính", "nam", "nữ".
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from khaibao.areas.models import Area, AreaLevel
from khaibao.lib.normalize import clean_text, name_key
from khaibao.people.ids import IdType, Sex

from .models import LabTestType, TestOutcome
from .services import ResultData

RECORD_FIELDS = (
    "sample_id",
    "full_name",
    "date_of_birth",
    "sex",
    "id_type",
    "id_number",
    "phone",
    "ward_code",
    "street_address",
    "test_type",
    "result",
    "sampled_at",
    "resulted_at",
)
REQUIRED_FIELDS = (
    "sample_id",
    "full_name",
    "date_of_birth",
    "sex",
    "phone",
    "ward_code",
    "test_type",
    "result",
    "sampled_at",
    "resulted_at",
)

_WORDS = {
    "test_type": {
        "pcr": LabTestType.PCR,
        "rt-pcr": LabTestType.PCR,
        "rtpcr": LabTestType.PCR,
        "rapid": LabTestType.RAPID,
        "antigen": LabTestType.RAPID,
        "test nhanh": LabTestType.RAPID,
        "test nhanh khang nguyen": LabTestType.RAPID,
    },
    "result": {
        "positive": TestOutcome.POSITIVE,
        "duong tinh": TestOutcome.POSITIVE,
        "negative": TestOutcome.NEGATIVE,
        "am tinh": TestOutcome.NEGATIVE,
        "invalid": TestOutcome.INVALID,
        "khong xac dinh": TestOutcome.INVALID,
    },
    "sex": {
        "m": Sex.MALE,
        "male": Sex.MALE,
        "nam": Sex.MALE,
        "f": Sex.FEMALE,
        "female": Sex.FEMALE,
        "nu": Sex.FEMALE,
    },
}
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
_MOMENT_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


# Longer than any field the record fills: refused before it reaches a query.
MAX_FIELD_CHARS = 300


def _storable(text: str) -> bool:
    """PostgreSQL's text holds neither a NUL nor a lone surrogate (JSON's "\\ud800")."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable_fields(record) -> dict[str, list[tuple[str, str]]]:
    """Fields the database cannot hold, or longer than any field: refused here, before
    they reach a query (where they would be an error page)."""
    if not isinstance(record, dict):
        return {}
    errors = {}
    for name in RECORD_FIELDS:
        value = record.get(name)
        if value is None:
            continue
        # parse_record() reads a number (or anything else) as its text.
        text = value if isinstance(value, str) else str(value)
        if len(text) > MAX_FIELD_CHARS:
            message = _("Trường %(field)s quá dài (tối đa %(max)s ký tự).")
            errors[name] = [("too_long", message % {"field": name, "max": MAX_FIELD_CHARS})]
        elif not _storable(text):
            message = _("Trường %(field)s có ký tự không hợp lệ.")
            errors[name] = [("invalid_characters", message % {"field": name})]
    return errors


@dataclass
class Parsed:
    """A record read: `data` when every field is right, else `errors` (field → list of
    (code, message))."""

    data: ResultData | None = None
    errors: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.data is not None


def _word(kind: str, raw: str):
    return _WORDS[kind].get(name_key(raw).lower()) if raw else None


def _date(raw: str) -> datetime.date | None:
    for pattern in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(raw, pattern).date()  # noqa: DTZ007 (a date)
        except ValueError:
            continue
    return None


def _moment(raw: str) -> datetime.datetime | None:
    value = None
    try:
        value = datetime.datetime.fromisoformat(raw)
    except ValueError:
        for pattern in _MOMENT_FORMATS:
            try:
                # Made aware below, in Vietnam's time.
                value = datetime.datetime.strptime(raw, pattern)  # noqa: DTZ007
                break
            except ValueError:
                continue
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def messages() -> dict[str, tuple[str, str]]:
    """Each field's (code, message) when it is missing or cannot be read."""
    return {
        "sample_id": ("required", _("Thiếu mã mẫu (sample_id).")),
        "full_name": ("required", _("Thiếu họ và tên (full_name).")),
        "date_of_birth": (
            "invalid_date",
            _("Ngày sinh (date_of_birth) phải dạng 2026-11-21 hoặc 21/11/2026."),
        ),
        "sex": ("invalid_choice", _("Giới tính (sex) phải là M/F hoặc nam/nữ.")),
        "id_type": (
            "invalid_choice",
            _(
                "Loại giấy tờ (id_type) phải là cccd, cmnd, passport, birth_cert, health_ins, student hoặc none."
            ),
        ),
        "phone": ("required", _("Thiếu số điện thoại khi lấy mẫu (phone): bắt buộc.")),
        "ward_code": (
            "unknown_area",
            _("Mã phường / xã (ward_code) không có trong danh mục địa bàn."),
        ),
        "test_type": ("invalid_choice", _("Loại xét nghiệm (test_type) phải là pcr hoặc rapid.")),
        "result": (
            "invalid_choice",
            _("Kết quả (result) phải là positive, negative hoặc invalid."),
        ),
        "sampled_at": (
            "invalid_datetime",
            _(
                "Giờ lấy mẫu (sampled_at) phải dạng 2026-11-21T08:30:00+07:00 hoặc 21/11/2026 08:30."
            ),
        ),
        "resulted_at": (
            "invalid_datetime",
            _(
                "Giờ có kết quả (resulted_at) phải dạng 2026-11-21T08:30:00+07:00 hoặc 21/11/2026 08:30."
            ),
        ),
    }


def areas_by_code(codes) -> dict[str, Area]:
    """The wards and villages of `codes`, in one query (a CSV of many rows)."""
    wanted = {clean_text(str(code)) for code in codes if code}
    wanted = {code for code in wanted if len(code) <= MAX_FIELD_CHARS and _storable(code)}
    return {
        area.code: area
        for area in Area.objects.filter(
            code__in=wanted,
            level__in=(AreaLevel.WARD, AreaLevel.VILLAGE),
        )
    }


def parse_record(record: dict, *, areas: dict[str, Area] | None = None) -> Parsed:
    """Read one record (string values; JSON numbers are taken as text)."""
    if not isinstance(record, dict):
        return Parsed(
            errors={"__all__": [("not_an_object", _("Mỗi kết quả phải là một đối tượng JSON."))]}
        )
    unstorable = unstorable_fields(record)
    if unstorable:
        return Parsed(errors=unstorable)
    text = {name: clean_text(str(record.get(name) or "")) for name in RECORD_FIELDS}
    known = messages()
    errors: dict[str, list[tuple[str, str]]] = {}

    def fail(name, code=None, message=None):
        default_code, default_message = known[name]
        errors.setdefault(name, []).append((code or default_code, message or default_message))

    for name in REQUIRED_FIELDS:
        if not text[name]:
            fail(name, "required", _("Thiếu trường bắt buộc %(field)s.") % {"field": name})
    date_of_birth = _date(text["date_of_birth"]) if text["date_of_birth"] else None
    if text["date_of_birth"] and date_of_birth is None:
        fail("date_of_birth")
    sex = _word("sex", text["sex"])
    if text["sex"] and sex is None:
        fail("sex")
    id_type = text["id_type"].lower() or (IdType.CCCD if text["id_number"] else IdType.NONE)
    if id_type not in IdType.values:
        fail("id_type")
    test_type = _word("test_type", text["test_type"])
    if text["test_type"] and test_type is None:
        fail("test_type")
    outcome = _word("result", text["result"])
    if text["result"] and outcome is None:
        fail("result")
    moments = {}
    for name in ("sampled_at", "resulted_at"):
        moments[name] = _moment(text[name]) if text[name] else None
        if text[name] and moments[name] is None:
            fail(name)
    area = None
    if text["ward_code"]:
        if areas is None:
            areas = areas_by_code([text["ward_code"]])
        area = areas.get(text["ward_code"])
        if area is None:
            fail("ward_code")
    if errors:
        return Parsed(errors=errors)
    return Parsed(
        data=ResultData(
            sample_id=text["sample_id"],
            full_name=text["full_name"],
            date_of_birth=date_of_birth,
            sex=sex,
            id_type=id_type,
            id_number=text["id_number"],
            phone=text["phone"],
            area=area,
            street_address=text["street_address"],
            test_type=test_type,
            outcome=outcome,
            sampled_at=moments["sampled_at"],
            resulted_at=moments["resulted_at"],
        )
    )


def service_errors(error: ValidationError) -> dict[str, list[tuple[str, str]]]:
    """A service's ValidationError as the same field → [(code, message)] shape."""
    if hasattr(error, "error_dict"):
        return {
            name: [(item.code or "invalid", " ".join(item.messages)) for item in items]
            for name, items in error.error_dict.items()
        }
    return {
        "__all__": [(item.code or "invalid", " ".join(item.messages)) for item in error.error_list]
    }
