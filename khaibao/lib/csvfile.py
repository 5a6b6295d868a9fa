"""Reading an uploaded CSV the way a spreadsheet saves it, for the portal's imports.

UTF-8 (with or without Excel's BOM), comma or semicolon separated (Excel's choice in a
Vietnamese locale), a header row naming the columns in any order. Every problem with the
file as a whole is a ValidationError on "file" with a message the uploader can act on;
problems with single rows are the importer's to find.
"""

import csv
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FIRST_ROW = 2  # the header is row 1


def file_error(message: str, code: str) -> ValidationError:
    return ValidationError({"file": ValidationError(message, code=code)})


def _text(content: bytes, *, max_bytes: int) -> str:
    if len(content) > max_bytes:
        raise file_error(
            _("Tệp lớn hơn %(mb)d MB. Hãy chia thành nhiều tệp nhỏ hơn.")
            % {"mb": max_bytes // (1024 * 1024)},
            "too_big",
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise file_error(
            _(
                "Tệp không phải mã hoá UTF-8. Trong Excel, chọn Lưu thành → "
                "“CSV UTF-8 (phân cách bằng dấu phẩy)”."
            ),
            "encoding",
        ) from None
    if "\x00" in text:
        raise file_error(_("Không đọc được tệp CSV (sai định dạng)."), "csv")
    return text


def csv_rows(
    content: bytes, *, columns: tuple[str, ...], max_bytes: int, max_rows: int
) -> list[dict]:
    """[{"row": n, "values": {column: text}}], n as the spreadsheet numbers the row;
    blank lines are skipped, columns not asked for are ignored."""
    text = _text(content, max_bytes=max_bytes)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise file_error(_("Tệp không có dòng tiêu đề."), "no_header")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(reader)]
        missing = [name for name in columns if name not in header]
        if missing:
            raise file_error(
                _("Dòng tiêu đề thiếu cột: %(columns)s. Hãy dùng tệp mẫu.")
                % {"columns": ", ".join(missing)},
                "header",
            )
        rows = []
        for number, cells in enumerate(reader, start=FIRST_ROW):
            if not any(cell.strip() for cell in cells):
                continue  # a blank line a spreadsheet left at the end
            if len(rows) == max_rows:
                raise file_error(
                    _("Tệp có hơn %(max)d dòng. Hãy chia thành nhiều tệp nhỏ hơn.")
                    % {"max": max_rows},
                    "too_many_rows",
                )
            values = dict(zip(header, cells, strict=False))
            rows.append({"row": number, "values": {name: values.get(name, "") for name in columns}})
    except csv.Error:
        raise file_error(_("Không đọc được tệp CSV (sai định dạng)."), "csv") from None
    if not rows:
        raise file_error(_("Tệp không có dòng nào dưới dòng tiêu đề."), "empty")
    return rows


def csv_template(columns: tuple[str, ...], example: dict[str, str]) -> str:
    """The header and one example row, with a BOM so that Excel reads it as UTF-8."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerow([example[name] for name in columns])
    return buffer.getvalue()
