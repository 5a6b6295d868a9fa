"""A unit's CSV file of doses: good rows saved, each bad row's errors by its row number,
and the same file imported again changes nothing."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.notify.models import SmsMessage
from khaibao.people.ids import Sex
from khaibao.people.models import Person
from tests.factories import cccd_for
from vaccination.imports import COLUMNS, vaccine_from_text
from vaccination.models import DoseImport, DoseRecord, DoseSource, VaccinationCertificate

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:vaccination_doserecord_import")
HOA_CCCD = cccd_for(datetime.date(1992, 6, 9), Sex.FEMALE)
BINH_CCCD = cccd_for(datetime.date(1980, 1, 2), Sex.MALE)
HEADER = ",".join(COLUMNS)
GOOD_ROWS = [
    f"Phạm Thị Hoa,09/06/1992,nữ,cccd,{HOA_CCCD},0933444555,26734,1,02/08/2021,Pfizer,FF2587",
    f"Phạm Thị Hoa,09/06/1992,nữ,cccd,{HOA_CCCD},0933444555,26734,2,04/10/2021,Pfizer,FF2590",
    f"Võ Văn Bình,02/01/1980,nam,cccd,{BINH_CCCD},0944555666,26737,1,15/09/2021,Vero Cell,2021B2",
]


def _csv(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode("utf-8")


def _post(client, content: bytes, name="mui-tiem.csv"):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content, "text/csv")})


def test_the_template_has_the_columns_and_an_example_row(client, unit1_staff):
    client.force_login(unit1_staff)

    response = client.get(IMPORT_URL, {"mau": "1"})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = response.content.decode("utf-8").lstrip("\ufeff").splitlines()
    assert lines[0] == HEADER
    assert "AstraZeneca" in lines[1]


def test_good_rows_are_saved_with_certificates_and_the_upload_counts_them(
    client, unit1_staff, unit1, ward1, ward2
):
    client.force_login(unit1_staff)

    response = _post(client, _csv(*GOOD_ROWS))

    upload = DoseImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:vaccination_doseimport_change", args=[upload.pk])
    page = client.get(response["Location"])
    assert "Đã nhập: 3 mũi mới, 0 đã có (không thay đổi), 0 dòng lỗi." in page.content.decode()
    assert (upload.rows, upload.added, upload.unchanged, upload.refused) == (3, 3, 0, 0)
    doses = DoseRecord.objects.order_by("person__full_name", "number")
    assert [(d.person.full_name, d.number, d.vaccine, d.source) for d in doses] == [
        ("Phạm Thị Hoa", 1, "pfizer", DoseSource.IMPORTED),
        ("Phạm Thị Hoa", 2, "pfizer", DoseSource.IMPORTED),
        ("Võ Văn Bình", 1, "vero_cell", DoseSource.IMPORTED),
    ]
    assert all(d.unit == unit1 and d.dose_import == upload for d in doses)
    # One certificate per person, for their latest dose (not one revoked per row).
    hoa = Person.objects.get(full_name="Phạm Thị Hoa")
    (certificate,) = VaccinationCertificate.objects.filter(person=hoa)
    assert (certificate.status, certificate.dn, certificate.sd) == ("current", 2, 2)
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="vaccination.doseimport", actor=unit1_staff
    ).exists()


def test_each_bad_row_is_listed_by_its_row_number_and_the_good_ones_saved(
    client, unit1_staff, ward1
):
    client.force_login(unit1_staff)
    content = _csv(
        GOOD_ROWS[0],
        "Võ Văn Bình,1980-13-45,nam,,,0944555666,26734,1,15/09/2021,Sinovac,202107B2",
        "Lê Thị Mai,02/01/1990,nữ,,,0944555667,99999,1,15/09/2021,Moderna,",
        f"Phạm Thị Hoa,09/06/1992,nữ,cccd,{HOA_CCCD},0933444555,26734,2,10/08/2021,Pfizer,X",
    )

    response = _post(client, content)

    upload = DoseImport.objects.get()
    assert (upload.rows, upload.added, upload.refused) == (4, 1, 3)
    by_row = {
        item["row"]: {e["column"]: e["code"] for e in item["errors"]} for item in upload.errors
    }
    assert by_row == {
        3: {"ngay_sinh": "invalid", "vac_xin": "invalid"},
        4: {"so_lo": "required", "ma_phuong": "invalid"},
        5: {"ngay_tiem": "interval_too_short"},  # a service refusal, by its column
    }
    page = client.get(response["Location"]).content.decode()
    assert "Dòng 3" in page and "Ngày sinh phải dạng dd/mm/yyyy" in page
    assert "Không nhận ra vắc xin" in page
    assert "Dòng 4" in page and "Không có phường / xã nào mang mã này." in page
    assert "Dòng 5" in page and "phải cách mũi 1" in page
    assert DoseRecord.objects.count() == 1
    # A refused row leaves no person behind.
    assert not Person.objects.filter(full_name__in=["Võ Văn Bình", "Lê Thị Mai"]).exists()


def test_importing_the_same_file_again_changes_nothing(client, unit1_staff, ward1, ward2):
    client.force_login(unit1_staff)
    content = _csv(*GOOD_ROWS)
    _post(client, content)
    doses = set(DoseRecord.objects.values_list("pk", "given_on", "lot"))
    certificates = set(VaccinationCertificate.objects.values_list("pk", "status"))
    persons, texts = Person.objects.count(), SmsMessage.objects.count()

    response = _post(client, content)

    again = DoseImport.objects.latest("id")
    page = client.get(response["Location"]).content.decode()
    assert "Đã nhập: 0 mũi mới, 3 đã có (không thay đổi), 0 dòng lỗi." in page
    assert (again.added, again.unchanged, again.refused) == (0, 3, 0)
    assert set(DoseRecord.objects.values_list("pk", "given_on", "lot")) == doses
    assert set(VaccinationCertificate.objects.values_list("pk", "status")) == certificates
    assert Person.objects.count() == persons
    assert SmsMessage.objects.count() == texts


def test_a_file_that_is_not_utf8_is_refused_in_vietnamese_and_nothing_is_saved(
    client, unit1_staff, ward1
):
    client.force_login(unit1_staff)

    response = _post(client, _csv(GOOD_ROWS[0]).decode().encode("utf-16"))

    assert response.status_code == 400
    assert "Tệp không phải mã hoá UTF-8" in response.content.decode()
    assert not DoseImport.objects.exists() and not DoseRecord.objects.exists()


def test_a_file_missing_a_column_is_refused(client, unit1_staff):
    client.force_login(unit1_staff)

    response = _post(client, b"ho_ten,ngay_sinh\nAn,01/01/1990\n")

    assert response.status_code == 400
    assert "Dòng tiêu đề thiếu cột: gioi_tinh" in response.content.decode()
    assert not DoseImport.objects.exists()


def test_a_semicolon_file_from_excel_is_read(client, unit1_staff, ward1):
    client.force_login(unit1_staff)
    row = GOOD_ROWS[0].replace(",", ";")

    _post(client, ("\ufeff" + HEADER.replace(",", ";") + "\n" + row).encode("utf-8"))

    assert DoseImport.objects.get().added == 1


def test_another_units_upload_is_404(client, unit1_staff, unit2_staff, ward1):
    client.force_login(unit1_staff)
    _post(client, _csv(GOOD_ROWS[0]))
    upload = DoseImport.objects.get()
    client.force_login(unit2_staff)

    response = client.get(reverse("admin:vaccination_doseimport_change", args=[upload.pk]))

    assert response.status_code == 404


def test_province_admin_cannot_import(client, province_admin, ward1):
    client.force_login(province_admin)

    assert _post(client, _csv(GOOD_ROWS[0])).status_code == 403
    assert not DoseRecord.objects.exists()


@pytest.mark.parametrize(
    ("text", "vaccine"),
    [
        ("AstraZeneca", "astrazeneca"),
        ("Pfizer", "pfizer"),
        ("pfizer-biontech", "pfizer"),
        ("Moderna", "moderna"),
        ("Vero Cell", "vero_cell"),
        ("VERO CELL", "vero_cell"),
        ("Sinopharm", "vero_cell"),
        ("Sputnik V", "sputnik_v"),
        ("Abdala", "abdala"),
        ("Janssen", "janssen"),
        ("Covaxin", "covaxin"),
        ("Hayat-Vax", "hayat_vax"),
        ("hayat_vax", "hayat_vax"),
        ("Sinovac", None),
    ],
)
def test_the_vaccine_column_takes_the_names_units_write(text, vaccine):
    assert vaccine_from_text(text) == vaccine
