"""Doses from a unit's CSV file, and the person a typed-in dose is about.

1. read_csv(): the file → its rows, each with its row number in the file (the header is
   row 1, so the first dose is row 2), or one clear error (too big, not UTF-8, no
   header, a missing column, too many rows).
2. parse_row(): one row → (PersonData, DoseData), or each column's errors.
3. dose_import_run(): every good row through person_find_or_create() and dose_record()
   (source "imported"), each row in its own transaction so a bad row leaves the others
   saved; a row the service refuses gets its error too. The same dose again is
   "unchanged" (dose_record returns created=False), so importing the same file twice
   changes nothing. Certificates are reissued once per person, after their doses.
   The DoseImport row keeps the counts and the errors by row.
"""

import datetime
import hashlib
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from khaibao.accounts.models import Unit, User
from khaibao.areas.models import Area, AreaLevel
from khaibao.audit.models import AuditAction
from khaibao.audit.services import log_action
from khaibao.lib.csvfile import csv_rows, csv_template
from khaibao.lib.normalize import clean_text, name_key
from khaibao.people.ids import IdType, Sex
from khaibao.people.matching import person_find_or_create
from khaibao.people.models import Person

from .models import DoseImport, DoseSource
from .services import DoseData, certificate_reissue, dose_record
from .vaccines import Vaccine

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000

COLUMNS = (
    "ho_ten",
    "ngay_sinh",
    "gioi_tinh",
    "loai_giay_to",
    "so_giay_to",
    "so_dien_thoai",
    "ma_phuong",
    "mui_thu",
    "ngay_tiem",
    "vac_xin",
    "so_lo",
)
REQUIRED = (
    "ho_ten",
    "ngay_sinh",
    "gioi_tinh",
    "ma_phuong",
    "mui_thu",
    "ngay_tiem",
    "vac_xin",
    "so_lo",
)

#: The template's one example row (a made-up person).
EXAMPLE_ROW = {
    "ho_ten": "Nguyễn Văn An",
    "ngay_sinh": "14/03/1988",
    "gioi_tinh": "nam",
    "loai_giay_to": "cccd",
    "so_giay_to": "079088001234",
    "so_dien_thoai": "0912345678",
    "ma_phuong": "26734",
    "mui_thu": "1",
    "ngay_tiem": "02/08/2021",
    "vac_xin": "AstraZeneca",
    "so_lo": "NJ0342",
}

#: Where a service's error on a field shows in the file: the column of that field.
COLUMN_OF_FIELD = {
    "full_name": "ho_ten",
    "date_of_birth": "ngay_sinh",
    "sex": "gioi_tinh",
    "id_type": "loai_giay_to",
    "id_number": "so_giay_to",
    "phone": "so_dien_thoai",
    "area": "ma_phuong",
    "number": "mui_thu",
    "given_on": "ngay_tiem",
    "vaccine": "vac_xin",
    "lot": "so_lo",
}


def _key(text: str) -> str:
    """ "Vero Cell", "vero-cell", "VERO CELL" → "verocell"."""
    return re.sub(r"[^a-z0-9]", "", name_key(text))


#: The names the vaccines go by in spreadsheets, besides their codes and labels.
_VACCINE_NAMES = {
    "az": Vaccine.ASTRAZENECA,
    "vaxzevria": Vaccine.ASTRAZENECA,
    "covishield": Vaccine.ASTRAZENECA,
    "pfizerbiontech": Vaccine.PFIZER,
    "biontech": Vaccine.PFIZER,
    "comirnaty": Vaccine.PFIZER,
    "spikevax": Vaccine.MODERNA,
    "sinopharm": Vaccine.VERO_CELL,
    "verocellsinopharm": Vaccine.VERO_CELL,
    "sputnik": Vaccine.SPUTNIK_V,
    "gamcovidvac": Vaccine.SPUTNIK_V,
    "johnsonjohnson": Vaccine.JANSSEN,
    "jj": Vaccine.JANSSEN,
    "hayatvax": Vaccine.HAYAT_VAX,
}
VACCINE_WORDS = {
    **{_key(value): value for value in Vaccine.values},
    **{_key(str(label)): value for value, label in Vaccine.choices},
    **{_key(str(label).split("(")[0]): value for value, label in Vaccine.choices},
    **_VACCINE_NAMES,
}
SEX_WORDS = {"m": Sex.MALE, "nam": Sex.MALE, "male": Sex.MALE}
SEX_WORDS |= {"f": Sex.FEMALE, "nu": Sex.FEMALE, "female": Sex.FEMALE}


def vaccine_from_text(text: str) -> str | None:
    """The Vaccine value a spreadsheet's word names ("Pfizer", "Vero Cell"), or None."""
    return VACCINE_WORDS.get(_key(text)) if text else None


def _date(raw: str) -> datetime.date | None:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(raw, pattern).date()  # noqa: DTZ007 (a date)
        except ValueError:
            continue
    return None


# -- the person ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonData:
    full_name: str
    date_of_birth: datetime.date
    sex: str
    id_type: str
    id_number: str
    phone: str
    area: Area


# -- the file -----------------------------------------------------------------------------


def read_csv(content: bytes) -> list[dict]:
    """[{"row": n, "values": {column: text}}]; ValidationError on "file"."""
    return csv_rows(content, columns=COLUMNS, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)


@dataclass
class ParsedRow:
    person: PersonData | None = None
    dose: DoseData | None = None
    errors: list[dict] | None = None  # [{"column", "code", "message"}]


def _messages() -> dict[str, str]:
    return {
        "ngay_sinh": _("Ngày sinh phải dạng dd/mm/yyyy, ví dụ 14/03/1988."),
        "gioi_tinh": _("Giới tính phải là “nam” hoặc “nữ”."),
        "loai_giay_to": _("Loại giấy tờ không hợp lệ (ví dụ: cccd, cmnd, passport)."),
        "ma_phuong": _("Không có phường / xã nào mang mã này."),
        "mui_thu": _("Mũi thứ phải là một số từ 1 đến 10."),
        "ngay_tiem": _("Ngày tiêm phải dạng dd/mm/yyyy, ví dụ 02/08/2021."),
        "vac_xin": _(
            "Không nhận ra vắc xin. Ghi một trong: AstraZeneca, Pfizer, Moderna, Vero Cell, "
            "Sputnik V, Abdala, Janssen, Covaxin, Hayat-Vax."
        ),
    }


def parse_row(values: dict, *, unit: Unit, areas: dict[str, Area]) -> ParsedRow:
    text = {name: clean_text(values.get(name) or "") for name in COLUMNS}
    known = _messages()
    errors: list[dict] = []

    def fail(column, code="invalid", message=None):
        errors.append({"column": column, "code": code, "message": message or known[column]})

    for column in REQUIRED:
        if not text[column]:
            fail(column, "required", _("Thiếu cột bắt buộc %(column)s.") % {"column": column})
    date_of_birth = _date(text["ngay_sinh"]) if text["ngay_sinh"] else None
    if text["ngay_sinh"] and date_of_birth is None:
        fail("ngay_sinh")
    sex = SEX_WORDS.get(name_key(text["gioi_tinh"])) if text["gioi_tinh"] else None
    if text["gioi_tinh"] and sex is None:
        fail("gioi_tinh")
    id_type = text["loai_giay_to"].lower() or (IdType.CCCD if text["so_giay_to"] else IdType.NONE)
    if id_type not in IdType.values:
        fail("loai_giay_to")
    area = areas.get(text["ma_phuong"]) if text["ma_phuong"] else None
    if text["ma_phuong"] and area is None:
        fail("ma_phuong")
    number = int(text["mui_thu"]) if text["mui_thu"].isdigit() else None
    if text["mui_thu"] and (number is None or not 1 <= number <= 10):
        fail("mui_thu")
    given_on = _date(text["ngay_tiem"]) if text["ngay_tiem"] else None
    if text["ngay_tiem"] and given_on is None:
        fail("ngay_tiem")
    vaccine = vaccine_from_text(text["vac_xin"])
    if text["vac_xin"] and vaccine is None:
        fail("vac_xin")
    if len(text["so_lo"]) > 40:
        fail("so_lo", "too_long", _("Số lô dài tối đa 40 ký tự."))
    if errors:
        return ParsedRow(errors=errors)
    return ParsedRow(
        person=PersonData(
            full_name=text["ho_ten"],
            date_of_birth=date_of_birth,
            sex=sex,
            id_type=id_type,
            id_number=text["so_giay_to"],
            phone=text["so_dien_thoai"],
            area=area,
        ),
        dose=DoseData(
            number=number, given_on=given_on, vaccine=vaccine, lot=text["so_lo"], unit=unit
        ),
    )


def service_errors(error: ValidationError) -> list[dict]:
    """A service's ValidationError as [{"column", "code", "message"}], by CSV column."""
    mapping = getattr(error, "error_dict", None) or {"__all__": error.error_list}
    return [
        {
            "column": COLUMN_OF_FIELD.get(name, ""),
            "code": item.code or "invalid",
            "message": " ".join(item.messages),
        }
        for name, items in mapping.items()
        for item in items
    ]


def areas_by_code(codes) -> dict[str, Area]:
    """The wards and villages of `codes`, in one query."""
    wanted = {clean_text(code) for code in codes if code and len(code) <= 20}
    return {
        area.code: area
        for area in Area.objects.filter(
            code__in=wanted, level__in=(AreaLevel.WARD, AreaLevel.VILLAGE)
        )
    }


def dose_import_run(
    *, unit: Unit, file_name: str, content: bytes, by: User, ip: str | None = None
) -> DoseImport:
    """Import a unit's file (see the module's docstring); raises ValidationError on
    "file" when the file itself cannot be read (nothing is saved then)."""
    rows = read_csv(content)
    upload = DoseImport(
        unit=unit,
        file_name=file_name[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        rows=len(rows),
        imported_by=by,
    )
    upload.full_clean()
    upload.save()
    areas = areas_by_code(row["values"].get("ma_phuong") for row in rows)
    added, unchanged, errors = 0, 0, []
    new_doses_of: dict[int, Person] = {}
    for row in rows:
        parsed = parse_row(row["values"], unit=unit, areas=areas)
        if parsed.errors:
            errors.append({"row": row["row"], "errors": parsed.errors})
            continue
        try:
            # The person and the dose together: a refused dose leaves no new person.
            with transaction.atomic():
                person = person_find_or_create(parsed.person, by=by, ip=ip)
                _record, created = dose_record(
                    person=person,
                    data=parsed.dose,
                    source=DoseSource.IMPORTED,
                    by=by,
                    dose_import=upload,
                    ip=ip,
                    reissue=False,
                )
        except ValidationError as exc:
            errors.append({"row": row["row"], "errors": service_errors(exc)})
            continue
        if created:
            added += 1
            new_doses_of[person.pk] = person
        else:
            unchanged += 1
    for person in new_doses_of.values():
        certificate_reissue(person=person, reason=_("Có mũi tiêm mới"))
    upload.added, upload.unchanged, upload.refused = added, unchanged, len(errors)
    upload.errors = errors
    upload.save(update_fields=["added", "unchanged", "refused", "errors"])
    log_action(
        actor=by,
        action=AuditAction.CREATE,
        obj=upload,
        area=unit.area,
        ip=ip,
        detail={
            "unit": unit.code,
            "sha256": upload.sha256,
            "rows": len(rows),
            "added": added,
            "unchanged": unchanged,
            "refused": len(errors),
        },
    )
    return upload


def template_csv() -> str:
    return csv_template(COLUMNS, EXAMPLE_ROW)
