"""The CSV export of a date range: one row per report measured in the range, with its
patient's columns; only the user's scope; cells a spreadsheet cannot run; one EXPORT
audit event per patient exported."""

import datetime
import uuid

import pytest
import time_machine

from declarations.homecare.models import HomeCarePatient
from declarations.homecare.services import report_submit
from khaibao.audit.models import AuditAction, AuditEvent
from tests.admin.admin_urls import csv_rows, post_action
from tests.factories import make_person

from .factories import make_patient, reading, submit
from .staff_fixtures import at, make_facility, make_facility_staff, url


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at(9, day=20), tick=False) as traveller:
        yield traveller


@pytest.fixture
def ward1_patient(citizen_person, ward1_staff):
    """Reports on 5, 16 and 20 December; the first is outside the range below."""
    patient = make_patient(person=citizen_person, by=ward1_staff, onset=datetime.date(2026, 12, 4))
    submit(patient, account=ward1_staff, measured_at=at(8, day=5), spo2=97)
    report_submit(
        patient=patient,
        account=ward1_staff,
        reading=reading(spo2=93, chest_pain=True),
        measured_at=at(8, day=16),
        submission_key=uuid.uuid4(),
        note='=HYPERLINK("http://x")',
    )
    submit(patient, account=ward1_staff, measured_at=at(8, day=20), spo2=98, pulse=77)
    return patient


@pytest.fixture
def ward2_patient(ward2_person, ward2_staff):
    patient = make_patient(person=ward2_person, by=ward2_staff, phone="+84987654321")
    submit(patient, account=ward2_staff, measured_at=at(8, day=18), spo2=96)
    return patient


def _export(client, first="10/12/2026", last="20/12/2026"):
    return client.post(url("export_range"), {"date_from": first, "date_to": last})


def _by_column(response) -> list[dict[str, str]]:
    header, *rows = csv_rows(response)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_the_export_holds_the_scopes_reports_in_the_range_one_row_each(
    client, ward1_staff, ward1_patient, ward2_patient
):
    client.force_login(ward1_staff)

    response = _export(client)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="cham-soc-tai-nha-20261210-20261220.csv"'
    )
    rows = _by_column(response)
    code = f"CS-{ward1_patient.pk:06d}"
    assert [(row["Mã người bệnh"], row["Đo lúc"]) for row in rows] == [
        (code, "16/12/2026 08:00"),
        (code, "20/12/2026 08:00"),
    ]
    first, second = rows
    assert first["Họ và tên"] == "Nguyễn Văn An"
    assert first["Ngày sinh"] == "14/03/1988"
    assert first["Phường / thôn"] == "Khu phố 1, Phường Sài Gòn"
    assert first["Ngày bệnh"] == "13"
    assert first["SpO2 (%)"] == "93"
    assert first["Dấu hiệu nguy hiểm"] == "SpO2 thấp (93%), Đau tức ngực"
    assert first["Theo quy định"].startswith("phiên bản 1, ")
    assert second["Mạch (lần/phút)"] == "77"
    assert second["Dấu hiệu nguy hiểm"] == ""
    # A citizen's note typed as a formula stays text in a spreadsheet.
    assert first["Ghi chú"] == '\'=HYPERLINK("http://x")'


def test_each_exported_patient_is_one_audit_event(
    client, ward1_staff, ward1_patient, ward2_patient
):
    client.force_login(ward1_staff)

    _export(client)

    [event] = AuditEvent.objects.filter(action=AuditAction.EXPORT)
    assert event.actor == ward1_staff
    assert event.object_type == "declarations.homecarepatient"
    assert event.object_id == str(ward1_patient.pk)
    assert event.person == ward1_patient.person
    assert event.detail == {"from": "2026-12-10", "to": "2026-12-20", "reports": 2}


def test_the_province_admin_exports_both_wards(
    client, province_admin, ward1_patient, ward2_patient
):
    client.force_login(province_admin)

    rows = _by_column(_export(client))

    assert [row["Mã người bệnh"] for row in rows] == [
        f"CS-{ward1_patient.pk:06d}",
        f"CS-{ward1_patient.pk:06d}",
        f"CS-{ward2_patient.pk:06d}",
    ]
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 2


def test_a_treatment_facility_exports_only_its_own_patients(
    client, superuser, ward1, ward1_staff, ward1_patient, village1
):
    facility = make_facility(ward1)
    own = make_patient(
        person=make_person(area=village1, full_name="Mai Văn Tùng"),
        by=ward1_staff,
        phone="+84903222333",
        facility=facility,
    )
    submit(own, account=ward1_staff, measured_at=at(7, day=19))
    client.force_login(make_facility_staff(by=superuser, unit=facility))

    rows = _by_column(_export(client))

    assert [row["Mã người bệnh"] for row in rows] == [f"CS-{own.pk:06d}"]
    assert rows[0]["Cơ sở điều trị"] == facility.name


def test_a_range_that_ends_before_it_starts_is_refused_in_vietnamese(
    client, ward1_staff, ward1_patient
):
    client.force_login(ward1_staff)

    form = client.get(url("export_range"))
    response = _export(client, first="20/12/2026", last="10/12/2026")

    assert form.status_code == 200
    assert 'id="export_range_form"' in form.content.decode()
    assert "Tính theo ngày đo của báo cáo" in form.content.decode()
    assert response.status_code == 400
    assert "“Đến ngày” phải sau hoặc bằng “Từ ngày”." in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_roles_without_home_care_cannot_export(client, checkpoint_officer, ward1_patient):
    client.force_login(checkpoint_officer)

    assert _export(client).status_code == 403
    assert client.get(url("export_range")).status_code == 403


def test_the_csv_of_selected_board_rows_holds_plain_cells_and_is_audited(
    client, ward1_staff, ward1_patient
):
    client.force_login(ward1_staff)

    response = post_action(client, HomeCarePatient, [ward1_patient])

    [row] = _by_column(response)
    assert row["Mã người bệnh"] == f"CS-{ward1_patient.pk:06d}"
    # The alert of 16 December is still open: the row is in danger, whatever came after.
    assert row["Tình trạng hôm nay"] == "Nguy hiểm"
    assert row["SpO2 gần nhất (%)"] == "98"
    assert row["Cảnh báo chưa xử lý"] == "1"
    assert not any("<" in cell for cell in row.values())
    [event] = AuditEvent.objects.filter(action=AuditAction.EXPORT)
    assert event.person == ward1_patient.person
