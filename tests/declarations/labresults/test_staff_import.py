"""A lab's CSV upload in the admin: preview with row numbers, saving the good rows, the
same file again, and the file's limits."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from declarations.labresults import imports
from declarations.labresults.imports import read_csv
from declarations.labresults.models import LabImport, LabResult, ResultSource
from declarations.labresults.parsing import RECORD_FIELDS

IMPORT = "admin:declarations_labresult_import"


def _moment(hours_ago: float) -> str:
    return (timezone.localtime() - datetime.timedelta(hours=hours_ago)).strftime("%d/%m/%Y %H:%M")


def _row(sample_id, **changes) -> dict:
    row = {
        "sample_id": sample_id,
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
        "sampled_at": _moment(3),
        "resulted_at": _moment(1),
    }
    row.update(changes)
    return row


def _csv(rows, *, delimiter=",", bom=False) -> bytes:
    lines = [delimiter.join(RECORD_FIELDS)]
    lines += [delimiter.join(row[name] for name in RECORD_FIELDS) for row in rows]
    return (("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _upload(client, content: bytes, name="ket-qua.csv"):
    return client.post(reverse(IMPORT), {"file": SimpleUploadedFile(name, content, "text/csv")})


def _good_and_bad() -> bytes:
    return _csv(
        [
            _row("CR-1"),  # row 2
            _row("CR-2", ward_code="99999"),  # row 3: unknown ward
            _row("CR-3", result="chua ro", phone=""),  # row 4: two errors
            _row(
                "CR-4",
                full_name="Lê Thị Mai",
                sex="nữ",
                id_number="079195000111",
                date_of_birth="1995-07-01",
            ),
        ]
    )


def _save(client, upload: LabImport):
    return client.post(reverse(IMPORT), {"import_id": str(upload.pk)}, follow=True)


def test_preview_shows_every_row_with_its_row_number_and_errors(client, lab_a, lab_a_staff, ward1):
    client.force_login(lab_a_staff)

    response = _upload(client, _good_and_bad())

    upload = LabImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:declarations_labimport_change", args=[upload.pk])
    page = client.get(response["Location"])
    rows = {row.row: row for row in page.context["preview"]}
    assert sorted(rows) == [2, 3, 4, 5]
    assert rows[2].ok and rows[5].ok
    assert [code for code, _m in rows[3].errors["ward_code"]] == ["unknown_area"]
    assert set(rows[4].errors) == {"result", "phone"}
    assert "Mã phường / xã (ward_code) không có trong danh mục địa bàn." in page.text
    assert "2 dòng hợp lệ, 2 dòng lỗi." in page.text
    assert "Lưu các dòng hợp lệ" in page.text
    assert not LabResult.objects.exists(), "nothing is saved before the lab says so"
    assert upload.status == LabImport.Status.PREVIEW


def test_saving_keeps_the_good_rows_and_reports_bad_ones_by_row(client, lab_a, lab_a_staff, ward1):
    client.force_login(lab_a_staff)
    _upload(client, _good_and_bad())
    upload = LabImport.objects.get()

    response = _save(client, upload)

    upload.refresh_from_db()
    assert "Đã lưu: 2 kết quả mới, 0 đã có (không thay đổi), 2 dòng lỗi." in response.text
    assert upload.status == LabImport.Status.SAVED
    assert upload.summary["created"] == [2, 5]
    assert set(upload.summary["errors"]) == {"3", "4"}
    results = LabResult.objects.order_by("sample_id")
    assert [r.sample_id for r in results] == ["CR-1", "CR-4"]
    assert {r.source for r in results} == {ResultSource.CSV}
    assert {r.entered_by for r in results} == {lab_a_staff}


def test_the_same_file_uploaded_again_changes_nothing(client, lab_a, lab_a_staff, ward1):
    client.force_login(lab_a_staff)
    content = _good_and_bad()
    _upload(client, content)
    _save(client, LabImport.objects.get())

    _upload(client, content)
    second = LabImport.objects.latest("pk")
    response = _save(client, second)

    second.refresh_from_db()
    assert "0 kết quả mới, 2 đã có (không thay đổi)" in response.text
    assert second.summary["unchanged"] == [2, 5]
    assert LabResult.objects.count() == 2


def test_a_row_the_service_refuses_shows_its_error(client, lab_a, lab_a_staff, ward1):
    client.force_login(lab_a_staff)
    _upload(client, _csv([_row("CR-1")]))
    _save(client, LabImport.objects.get())

    _upload(
        client,
        _csv(
            [
                _row("CR-1", result="positive"),
                _row(
                    "CR-9",
                    id_number="079088009999",
                    full_name="Võ Văn Tám",
                    date_of_birth="01/01/1988",
                ),
            ]
        ),
    )
    upload = LabImport.objects.latest("pk")
    response = _save(client, upload)

    upload.refresh_from_db()
    assert upload.summary["created"] == [3]
    assert [code for code, _m in upload.summary["errors"]["2"]["sample_id"]] == ["sample_conflict"]
    assert "đã có kết quả khác" in response.text


def test_saving_twice_saves_once(client, lab_a, lab_a_staff, ward1):
    client.force_login(lab_a_staff)
    _upload(client, _csv([_row("CR-1")]))
    upload = LabImport.objects.get()
    _save(client, upload)

    response = _save(client, upload)

    assert "Tệp này đã được lưu." in response.text
    assert LabResult.objects.count() == 1


def test_semicolon_delimiter_and_bom_are_read(client, lab_a, lab_a_staff, ward1):
    client.force_login(lab_a_staff)

    _upload(client, _csv([_row("CR-1")], delimiter=";", bom=True))

    upload = LabImport.objects.get()
    assert [row["row"] for row in upload.rows] == [2]
    assert upload.rows[0]["values"]["sample_id"] == "CR-1"
    assert upload.rows[0]["values"]["full_name"] == "Nguyễn Văn An"


def test_a_file_not_in_utf8_is_a_clear_400(client, lab_a, lab_a_staff):
    client.force_login(lab_a_staff)
    content = _csv([_row("CR-1")]).decode().encode("utf-16")

    response = _upload(client, content)

    assert response.status_code == 400
    assert "Tệp không phải mã hoá UTF-8." in response.text
    assert not LabImport.objects.exists()


def test_a_header_without_the_columns_is_refused(client, lab_a, lab_a_staff):
    client.force_login(lab_a_staff)

    response = _upload(client, b"ma mau,ho ten\nCR-1,An\n")

    assert response.status_code == 400
    assert "Dòng tiêu đề thiếu cột: sample_id" in response.text


def test_a_file_over_the_size_limit_is_refused(client, lab_a, lab_a_staff, monkeypatch):
    monkeypatch.setattr(imports, "MAX_BYTES", 100)
    client.force_login(lab_a_staff)

    response = _upload(client, _csv([_row("CR-1"), _row("CR-2")]))

    assert response.status_code == 400
    assert "Hãy chia thành nhiều tệp nhỏ hơn." in response.text
    assert not LabImport.objects.exists()


def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)

    with pytest.raises(ValidationError) as caught:
        read_csv(_csv([_row("CR-1"), _row("CR-2"), _row("CR-3")]))

    assert caught.value.error_dict["file"][0].code == "too_many_rows"


def test_the_template_has_the_header_and_an_example_row(client, lab_a_staff):
    client.force_login(lab_a_staff)

    response = client.get(reverse(IMPORT), {"mau": "1"})

    text = response.content.decode("utf-8")
    assert response["Content-Type"].startswith("text/csv")
    assert text.startswith("\ufeff" + ",".join(RECORD_FIELDS))
    rows = read_csv(response.content)
    assert len(rows) == 1 and rows[0]["values"]["ward_code"] == "26734"


def test_lab_b_cannot_see_or_save_lab_as_upload(client, lab_a_staff, lab_b_staff, ward1):
    client.force_login(lab_a_staff)
    _upload(client, _csv([_row("CR-1")]))
    upload = LabImport.objects.get()
    client.force_login(lab_b_staff)

    page = client.get(reverse("admin:declarations_labimport_change", args=[upload.pk]))
    saved = client.post(reverse(IMPORT), {"import_id": str(upload.pk)})
    listed = client.get(reverse("admin:declarations_labimport_changelist"))

    assert page.status_code == 404
    assert saved.status_code == 404
    assert upload.pk not in {obj.pk for obj in listed.context["cl"].result_list}
    assert not LabResult.objects.exists()


def test_province_admin_may_not_upload(client, province_admin):
    client.force_login(province_admin)

    assert client.get(reverse(IMPORT)).status_code == 403
