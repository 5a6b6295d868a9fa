"""A lab's CSV upload, in three steps:

1. read_csv(): the file → its rows (each with its row number in the file: the header is
   row 1, so the first result is row 2), or one clear error (too big, not UTF-8, no
   header, too many rows). import_preview_create() keeps the rows in a LabImport.
2. import_preview(): each row read through parse_record(), with its errors; the page
   shows them before anything is saved.
3. import_save(): the good rows through result_record(); a row the service refuses gets
   its error too. Good rows are saved whatever the others hold; the same file saved
   again finds its rows "unchanged" (the sample id is the key).
"""

import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from khaibao.accounts.models import Unit, User
from khaibao.audit.models import AuditAction
from khaibao.audit.services import log_action
from khaibao.lib.csvfile import csv_rows, csv_template

from .models import LabImport, ResultSource
from .parsing import RECORD_FIELDS, areas_by_code, parse_record, service_errors
from .services import result_record

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

#: The template's one example row (a made-up person).
EXAMPLE_ROW = {
    "sample_id": "CR-2026-000123",
    "full_name": "Nguyễn Văn An",
    "date_of_birth": "14/03/1988",
    "sex": "nam",
    "id_type": "cccd",
    "id_number": "079088001234",
    "phone": "0912345678",
    "ward_code": "26734",
    "street_address": "12 Lê Lợi",
    "test_type": "pcr",
    "result": "negative",
    "sampled_at": "21/11/2026 08:30",
    "resulted_at": "21/11/2026 14:00",
}


def read_csv(content: bytes) -> list[dict]:
    """[{"row": n, "values": {field: text}}] of a lab's CSV; ValidationError on "file"."""
    return csv_rows(content, columns=RECORD_FIELDS, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)


def import_preview_create(
    *, lab: Unit, file_name: str, content: bytes, by: User, ip: str | None = None
) -> LabImport:
    """Read the file and keep its rows for the preview (nothing is recorded yet)."""
    rows = read_csv(content)
    upload = LabImport(
        lab=lab,
        file_name=file_name[:200],
        file_sha256=hashlib.sha256(content).hexdigest(),
        rows=rows,
        created_by=by,
    )
    upload.full_clean(exclude=["lab", "created_by"])
    upload.save()
    log_action(
        actor=by,
        action=AuditAction.CREATE,
        obj=upload,
        area=lab.area,
        ip=ip,
        detail={"lab": lab.code, "rows": len(rows), "sha256": upload.file_sha256},
    )
    return upload


@dataclass(frozen=True)
class PreviewRow:
    row: int
    values: dict
    errors: dict  # field → [(code, message)]

    @property
    def ok(self) -> bool:
        return not self.errors


def import_preview(upload: LabImport) -> list[PreviewRow]:
    """Each row as parse_record() reads it (the ward codes in one query)."""
    areas = areas_by_code(row["values"].get("ward_code") for row in upload.rows)
    return [
        PreviewRow(row["row"], row["values"], parse_record(row["values"], areas=areas).errors)
        for row in upload.rows
    ]


def import_save(*, upload: LabImport, by: User, ip: str | None = None) -> LabImport:
    """Record the upload's good rows (see the module's docstring); the summary is kept.

    Each row is its own transaction (result_record), so a row that fails leaves the
    others saved. The upload is claimed first, so two clicks on "save" save it once.
    """
    claimed = LabImport.objects.filter(
        pk=upload.pk, status=LabImport.Status.PREVIEW, saved_at__isnull=True
    ).update(saved_at=timezone.now())
    if not claimed:
        raise ValidationError(_("Tệp này đã được lưu."), code="already_saved")
    upload.refresh_from_db()
    areas = areas_by_code(row["values"].get("ward_code") for row in upload.rows)
    created, unchanged, errors = [], [], {}
    for row in upload.rows:
        parsed = parse_record(row["values"], areas=areas)
        if not parsed.ok:
            errors[str(row["row"])] = parsed.errors
            continue
        try:
            recorded = result_record(
                lab=upload.lab, data=parsed.data, source=ResultSource.CSV, by=by, ip=ip
            )
        except ValidationError as exc:
            errors[str(row["row"])] = service_errors(exc)
            continue
        (created if recorded.created else unchanged).append(row["row"])
    with transaction.atomic():
        upload.status = LabImport.Status.SAVED
        upload.summary = {"created": created, "unchanged": unchanged, "errors": errors}
        upload.save(update_fields=["status", "summary"])
        log_action(
            actor=by,
            action=AuditAction.DECIDE,
            obj=upload,
            area=upload.lab.area,
            ip=ip,
            detail={
                "decision": "save",
                "created": len(created),
                "unchanged": len(unchanged),
                "errors": len(errors),
            },
        )
    return upload


def template_csv() -> str:
    return csv_template(RECORD_FIELDS, EXAMPLE_ROW)
