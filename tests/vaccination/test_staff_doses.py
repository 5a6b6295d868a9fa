"""Unit staff type doses in the admin and correct them; the province reads them all.
Another unit's dose is a 404."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.people.ids import Sex
from khaibao.people.models import Person
from tests.factories import cccd_for, make_person
from vaccination.models import CertificateStatus, DoseRecord, DoseSource, VaccinationCertificate

from .factories import give_dose

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:vaccination_doserecord_add")
LIST_URL = reverse("admin:vaccination_doserecord_changelist")


def _change_url(record) -> str:
    return reverse("admin:vaccination_doserecord_change", args=[record.pk])


def _form(area, **changes) -> dict:
    values = {
        "full_name": "Phạm Thị Hoa",
        "date_of_birth": "1992-06-09",
        "sex": Sex.FEMALE,
        "id_type": "cccd",
        "id_number": cccd_for(datetime.date(1992, 6, 9), Sex.FEMALE),
        "phone": "0933444555",
        "area": area.pk,
        "number": "1",
        "given_on": "2021-08-02",
        "vaccine": "pfizer",
        "lot": "ff2587",
    }
    values.update(changes)
    return values


def test_unit_staff_add_a_dose_for_a_new_person_and_a_certificate_is_issued(
    client, unit1_staff, unit1, village1
):
    client.force_login(unit1_staff)

    response = client.post(ADD_URL, _form(village1))

    record = DoseRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == _change_url(record)
    page = client.get(response["Location"])
    assert "Đã lưu mũi 1 của Phạm Thị Hoa" in page.content.decode()
    assert (record.person.full_name, record.person.area) == ("Phạm Thị Hoa", village1)
    assert (record.number, record.vaccine, record.lot) == (1, "pfizer", "FF2587")
    assert (record.unit, record.source, record.entered_by) == (unit1, "entered", unit1_staff)
    certificate = VaccinationCertificate.objects.get(person=record.person)
    assert (certificate.status, certificate.dose, certificate.dn, certificate.sd) == (
        CertificateStatus.CURRENT,
        record,
        1,
        2,
    )
    created = AuditEvent.objects.filter(
        actor=unit1_staff, action=AuditAction.CREATE, object_type="vaccination.doserecord"
    ).get()
    assert created.person_id == record.person_id


def test_a_dose_for_someone_on_file_finds_them_by_id_number_and_birth_date(
    client, unit1_staff, citizen_person, village1
):
    client.force_login(unit1_staff)
    form = _form(
        village1,
        full_name="Nguyen Van An",  # typed without accents: the ID document decides
        date_of_birth=citizen_person.date_of_birth.isoformat(),
        sex=Sex.MALE,
        id_number=citizen_person.id_number,
    )

    response = client.post(ADD_URL, form)

    assert response.status_code == 302
    assert Person.objects.count() == 1
    assert DoseRecord.objects.get().person == citizen_person


def test_the_unit_is_the_staff_members_own_whatever_is_posted(
    client, unit1_staff, unit1, unit2, village1
):
    client.force_login(unit1_staff)
    page = client.get(ADD_URL)
    assert "unit" not in page.context["form"].fields

    client.post(ADD_URL, _form(village1, unit=unit2.pk))

    assert DoseRecord.objects.get().unit == unit1


def test_a_dose_in_the_future_is_refused_in_vietnamese_and_nothing_is_saved(
    client, unit1_staff, village1
):
    client.force_login(unit1_staff)
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)

    response = client.post(ADD_URL, _form(village1, given_on=tomorrow.isoformat()))

    assert response.status_code == 400
    assert "Ngày tiêm không thể sau hôm nay." in response.content.decode()
    # The person was created in the same transaction as the dose: rolled back too.
    assert not Person.objects.exists() and not DoseRecord.objects.exists()
    assert not VaccinationCertificate.objects.exists()


def test_a_second_dose_too_soon_after_the_first_names_the_interval(
    client, unit1_staff, unit1, citizen_person, village1
):
    give_dose(citizen_person, unit1, by=unit1_staff)
    client.force_login(unit1_staff)
    form = _form(
        village1,
        full_name=citizen_person.full_name,
        date_of_birth=citizen_person.date_of_birth.isoformat(),
        sex=Sex.MALE,
        id_number=citizen_person.id_number,
        number="2",
        given_on="2021-08-05",
    )

    response = client.post(ADD_URL, form)

    assert response.status_code == 400
    assert "phải cách mũi 1" in response.content.decode()
    assert DoseRecord.objects.count() == 1


def test_the_list_shows_the_units_doses_with_their_source(
    client, unit1_staff, unit1, unit2, citizen_person, ward2_person
):
    mine = give_dose(citizen_person, unit1, lot="MINE01")
    theirs = give_dose(ward2_person, unit2, lot="THEIRS01")
    client.force_login(unit1_staff)

    response = client.get(LIST_URL)

    assert [row.pk for row in response.context["cl"].result_list] == [mine.pk]
    text = response.content.decode()
    assert "Nguyễn Văn An" in text and "MINE01" in text and "Nhập trên trang quản trị" in text
    assert theirs.lot not in text


def test_another_units_dose_is_404(client, unit2_staff, unit1, citizen_person):
    record = give_dose(citizen_person, unit1)
    client.force_login(unit2_staff)

    assert client.get(_change_url(record)).status_code == 404
    response = client.post(_change_url(record), {"given_on": "2021-08-03", "note": "x"})
    assert response.status_code == 404
    record.refresh_from_db()
    assert record.given_on == datetime.date(2021, 8, 2)


def test_another_provinces_unit_gets_404_for_the_dose(
    client, other_province_staff, unit1, citizen_person
):
    record = give_dose(citizen_person, unit1)
    client.force_login(other_province_staff)

    assert client.get(_change_url(record)).status_code == 404
    assert record.pk not in {row.pk for row in client.get(LIST_URL).context["cl"].result_list}


def test_correcting_a_dose_is_audited_with_the_old_values_and_reissues_the_certificate(
    client, unit1_staff, unit1, citizen_person
):
    record = give_dose(citizen_person, unit1, by=unit1_staff)
    old = VaccinationCertificate.objects.get(person=citizen_person)
    client.force_login(unit1_staff)
    page = client.get(_change_url(record))
    assert page.context["correct_form"] is not None

    response = client.post(
        _change_url(record),
        {"given_on": "2021-08-03", "vaccine": "astrazeneca", "lot": "NJ0343", "note": "Gõ nhầm"},
    )

    assert response.status_code == 302 and response["Location"] == _change_url(record)
    record.refresh_from_db()
    assert (record.given_on, record.lot) == (datetime.date(2021, 8, 3), "NJ0343")
    event = AuditEvent.objects.filter(action=AuditAction.CHANGE, actor=unit1_staff).get()
    assert event.detail["before"]["lot"] == "NJ0342" and event.detail["note"] == "Gõ nhầm"
    old.refresh_from_db()
    assert old.status == CertificateStatus.REVOKED
    assert VaccinationCertificate.objects.get(status="current").dose == record


def test_a_correction_without_a_reason_is_400_and_changes_nothing(
    client, unit1_staff, unit1, citizen_person
):
    record = give_dose(citizen_person, unit1)
    client.force_login(unit1_staff)

    response = client.post(
        _change_url(record), {"given_on": "2021-08-03", "vaccine": "astrazeneca", "lot": "X1"}
    )

    assert response.status_code == 400
    assert "Ghi lý do đính chính." in response.content.decode()
    record.refresh_from_db()
    assert record.lot == "NJ0342"


def test_reading_a_dose_is_audited(client, unit1_staff, unit1, citizen_person):
    record = give_dose(citizen_person, unit1)
    client.force_login(unit1_staff)

    assert client.get(_change_url(record)).status_code == 200

    event = AuditEvent.objects.get(action=AuditAction.VIEW, actor=unit1_staff)
    assert event.person_id == citizen_person.pk


def test_province_admin_reads_every_units_doses_but_neither_adds_nor_corrects(
    client, province_admin, unit1, unit2, citizen_person, ward2_person
):
    first = give_dose(citizen_person, unit1)
    second = give_dose(ward2_person, unit2)
    client.force_login(province_admin)

    listed = {row.pk for row in client.get(LIST_URL).context["cl"].result_list}
    page = client.get(_change_url(first))

    assert listed == {first.pk, second.pk}
    assert page.status_code == 200 and page.context["correct_form"] is None
    assert client.get(ADD_URL).status_code == 403
    response = client.post(
        _change_url(first), {"given_on": "2021-08-03", "vaccine": "pfizer", "lot": "A", "note": "x"}
    )
    assert response.status_code == 403
    first.refresh_from_db()
    assert first.source == DoseSource.ENTERED and first.lot == "NJ0342"


def test_other_province_person_records_are_not_in_the_list(
    client, unit1_staff, other_province_unit, other_ward
):
    stranger = make_person(area=other_ward, full_name="Lê Văn Dũng")
    give_dose(stranger, other_province_unit)
    client.force_login(unit1_staff)

    assert list(client.get(LIST_URL).context["cl"].result_list) == []
