"""Correction requests as the services handle them: routing, duplicates, approval in one
transaction (doses, a new certificate, the old one revoked, the SMS), rejection, the
deadline that escalates a late request to the province."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from khaibao.audit.models import AuditEvent
from khaibao.notify.models import SmsMessage
from khaibao.people.models import ManagedPerson
from khaibao.trust.models import RevokedCertificate
from khaibao.trust.services import qr_verify
from tests.factories import error_codes
from vaccination.certificates import certificate_text
from vaccination.models import (
    CertificateStatus,
    CorrectionRequest,
    CorrectionStatus,
    DoseRecord,
    DoseSource,
    RejectReason,
    VaccinationCertificate,
    WardDefaultUnit,
)
from vaccination.services import (
    DoseData,
    correction_approve,
    correction_reject,
    corrections_escalate_overdue,
    dose_record,
)
from vaccination.tasks import escalate_overdue_corrections

from .factories import give_dose, stated, submit_correction

pytestmark = pytest.mark.django_db


def _texts(phone="+84912345678") -> list[str]:
    return list(SmsMessage.objects.filter(to=phone).order_by("id").values_list("body", flat=True))


def test_a_request_goes_to_the_unit_named_and_texts_its_tracking_code(ward1, unit1, unit2):
    request = submit_correction(area=ward1, unit=unit2)
    assert (request.unit, request.routed_to_default, request.status) == (unit2, False, "pending")
    assert request.tracking_code.startswith("PA-") and len(request.tracking_code) == 12
    assert [dose.number for dose in request.doses.all()] == [2]
    assert request.photo.kind == "vaccination_certificate"
    assert request.photo.person == request.person
    (text,) = _texts()
    assert request.tracking_code in text and "Diem tiem Phuong Ben Nghe" in text


def test_a_request_naming_no_listed_unit_goes_to_the_wards_default_unit(ward1, unit1, unit2):
    WardDefaultUnit.objects.create(ward=ward1, unit=unit1)
    request = submit_correction(
        area=ward1, unit=None, doses=[stated(2, unit=None, unit_name="Tiêm lưu động quận 7")]
    )
    assert (request.unit, request.routed_to_default) == (unit1, True)
    assert request.doses.get().place == "Tiêm lưu động quận 7"


def test_without_a_unit_and_without_a_default_nothing_is_saved(ward1):
    with pytest.raises(ValidationError) as caught:
        submit_correction(area=ward1, unit=None, doses=[stated(2, unit=None, unit_name="Ở đâu")])
    assert "no_unit" in str(error_codes(caught.value))
    assert not CorrectionRequest.objects.exists() and not SmsMessage.objects.exists()


def test_a_second_request_for_the_same_dose_is_linked_to_the_first(ward1, unit1, unit2):
    first = submit_correction(area=ward1, unit=unit1)
    second = submit_correction(area=ward1, unit=unit2, kind="both")
    assert second.status == CorrectionStatus.DUPLICATE
    assert second.duplicate_of == first and second.unit == unit1
    assert first.tracking_code in _texts()[-1]
    # Not a second item in the unit's queue.
    assert list(CorrectionRequest.objects.filter(status="pending")) == [first]


def test_approval_records_the_doses_reissues_the_certificate_and_texts(
    ward1, unit1, unit1_staff, citizen, citizen_person
):
    give_dose(citizen_person, unit1, number=1, vaccine="pfizer", given_on=datetime.date(2021, 8, 2))
    old = VaccinationCertificate.objects.get(person=citizen_person)
    old_text = certificate_text(old)
    request = submit_correction(area=ward1, unit=unit1)
    assert request.person == citizen_person

    correction_approve(request=request, by=unit1_staff)

    request.refresh_from_db()
    dose = DoseRecord.objects.get(person=citizen_person, number=2)
    assert (dose.source, dose.correction, dose.lot) == (DoseSource.CORRECTION, request, "FF2587")
    assert str(dose.source_label) == f"Phản ánh {request.tracking_code}"
    old.refresh_from_db()
    assert old.status == CertificateStatus.REVOKED
    assert RevokedCertificate.objects.filter(cert_id=old.uvci).exists()
    assert request.certificate.status == CertificateStatus.CURRENT
    assert (request.certificate.dn, request.certificate.sd) == (2, 2)
    assert qr_verify(old_text).status == "revoked"
    assert qr_verify(certificate_text(request.certificate)).status == "valid"
    assert "da cap nhat mui tiem" in _texts()[-1]
    assert AuditEvent.objects.filter(
        actor=unit1_staff, action="decide", object_id=str(request.pk)
    ).exists()


def test_approval_links_the_person_to_the_phone_that_asked(ward1, unit1, unit1_staff):
    request = submit_correction(area=ward1, unit=unit1, kind="dose1", phone="+84987000111")
    correction_approve(request=request, by=unit1_staff)
    link = ManagedPerson.objects.get(account=request.account)
    assert (link.person, link.relationship) == (request.person, "self")


def test_an_approval_that_fails_leaves_nothing_behind(ward1, unit1, unit1_staff, citizen_person):
    request = submit_correction(area=ward1, unit=unit1, kind="both")
    # Dose 1 arrives meanwhile with other details: the approval must not half-apply.
    dose_record(
        person=citizen_person,
        data=DoseData(1, datetime.date(2021, 8, 3), "astrazeneca", "NJ0001", unit1),
        source=DoseSource.ENTERED,
        by=unit1_staff,
    )
    sms_before = SmsMessage.objects.count()
    with pytest.raises(ValidationError) as caught:
        correction_approve(request=request, by=unit1_staff)
    assert "dose_exists" in str(error_codes(caught.value))
    request.refresh_from_db()
    assert request.status == CorrectionStatus.PENDING
    assert list(DoseRecord.objects.values_list("number", flat=True)) == [1]
    assert VaccinationCertificate.objects.filter(status="current").count() == 1
    assert SmsMessage.objects.count() == sms_before


def test_rejection_needs_a_coded_reason_and_texts_it(ward1, unit1, unit1_staff):
    request = submit_correction(area=ward1, unit=unit1)
    with pytest.raises(ValidationError) as caught:
        correction_reject(request=request, by=unit1_staff, reason=RejectReason.OTHER, note=" ")
    assert "note_required" in str(error_codes(caught.value))
    correction_reject(request=request, by=unit1_staff, reason=RejectReason.NOT_IN_REGISTER)
    request.refresh_from_db()
    assert (request.status, request.reject_reason) == ("rejected", "not_in_register")
    assert "Khong tim thay mui tiem" in _texts()[-1]
    with pytest.raises(ValidationError) as caught:
        correction_approve(request=request, by=unit1_staff)
    assert caught.value.code == "not_pending"


def test_a_late_request_is_escalated_to_the_province_once(ward1, unit1, set_rule):
    request = submit_correction(area=ward1, unit=unit1)
    assert request.due_at - request.submitted_at == datetime.timedelta(hours=72)
    assert corrections_escalate_overdue() == 0
    later = timezone.now() + datetime.timedelta(hours=73)
    assert corrections_escalate_overdue(now=later) == 1
    request.refresh_from_db()
    assert request.escalated_at == later
    assert "So Y te" in _texts()[-1]
    assert corrections_escalate_overdue(now=later) == 0
    assert escalate_overdue_corrections.apply().get() == 0
