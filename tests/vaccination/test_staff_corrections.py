"""The unit's queue of correction requests in the admin: the request beside the person's
existing doses, its photo, and the decisions (approve, reject with a coded reason).
Another unit's or province's request, photo and records are a 404."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.notify.models import SmsMessage
from khaibao.trust.services import qr_verify
from vaccination.certificates import certificate_text
from vaccination.models import (
    CertificateStatus,
    CorrectionRequest,
    CorrectionStatus,
    DoseRecord,
    DoseSource,
    VaccinationCertificate,
)
from vaccination.services import corrections_escalate_overdue

from .factories import give_dose, submit_correction

pytestmark = pytest.mark.django_db

QUEUE_URL = reverse("admin:vaccination_correctionrequest_changelist")


def _url(kind: str, request) -> str:
    return reverse(f"admin:vaccination_correctionrequest_{kind}", args=[request.pk])


@pytest.fixture
def first_dose(citizen_person, unit1):
    """Dose 1 on file (and its certificate): the request asks for dose 2."""
    return give_dose(citizen_person, unit1, lot="NJ0342")


@pytest.fixture
def pending(ward1, unit1, first_dose):
    return submit_correction(area=ward1, unit=unit1)


def test_the_request_page_shows_the_persons_existing_doses_beside_the_request(
    client, unit1_staff, pending, first_dose
):
    client.force_login(unit1_staff)

    response = client.get(_url("change", pending))

    assert response.status_code == 200
    text = response.content.decode()
    existing = text[text.index('id="vacc-existing"') :]
    stated = text[text.index('id="vacc-stated"') : text.index('id="vacc-existing"')]
    assert "NJ0342" in existing and "Nhập trên trang quản trị" in existing
    assert "FF2587" in stated and "04/10/2021" in stated  # dose 2 as the citizen typed it
    assert _url("request_photo", pending) in text
    assert {item["decision"].kind for item in response.context["decisions"]} == {
        "approve",
        "reject",
    }
    # The read is audited, on the person the request is about.
    event = AuditEvent.objects.get(
        actor=unit1_staff, action=AuditAction.VIEW, object_type="vaccination.correctionrequest"
    )
    assert event.person_id == pending.person_id


def test_the_photo_is_served_to_the_unit_and_its_read_audited(client, unit1_staff, pending):
    client.force_login(unit1_staff)

    response = client.get(_url("request_photo", pending))

    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(
        actor=unit1_staff, action=AuditAction.VIEW, object_type="uploads.photo"
    ).exists()


@pytest.mark.parametrize("stranger", ["unit2_staff", "other_province_staff"])
@pytest.mark.parametrize("kind", ["change", "request_photo", "approve", "reject", "history"])
def test_another_units_staff_get_404_on_the_request_its_photo_and_decisions(
    client, request, pending, stranger, kind
):
    client.force_login(request.getfixturevalue(stranger))

    assert client.get(_url(kind, pending)).status_code == 404
    assert pending.pk not in {row.pk for row in client.get(QUEUE_URL).context["cl"].result_list}


def test_another_unit_cannot_approve_and_nothing_changes(client, unit2_staff, pending):
    client.force_login(unit2_staff)

    assert client.post(_url("approve", pending)).status_code == 404

    pending.refresh_from_db()
    assert pending.status == CorrectionStatus.PENDING
    assert DoseRecord.objects.count() == 1


def test_another_unit_gets_404_on_the_persons_dose_records(
    client, unit2_staff, other_province_staff, first_dose
):
    url = reverse("admin:vaccination_doserecord_change", args=[first_dose.pk])
    for stranger in (unit2_staff, other_province_staff):
        client.force_login(stranger)
        assert client.get(url).status_code == 404


def test_approving_adds_the_doses_issues_a_new_certificate_and_revokes_the_old(
    client, unit1_staff, pending, citizen_person
):
    old = VaccinationCertificate.objects.get(person=citizen_person, status="current")
    old_text = certificate_text(old)
    texts_before = SmsMessage.objects.count()
    client.force_login(unit1_staff)

    response = client.post(_url("approve", pending))

    assert response.status_code == 302 and response["Location"].startswith(QUEUE_URL)
    queue = client.get(response["Location"])
    assert f"Đã duyệt phản ánh {pending.tracking_code}" in queue.content.decode()
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (CorrectionStatus.APPROVED, unit1_staff)
    dose = DoseRecord.objects.get(person=pending.person, number=2)
    assert (dose.source, dose.correction) == (DoseSource.CORRECTION, pending)
    assert dose.source_label == f"Phản ánh {pending.tracking_code}"
    # The unit's list names the request as the dose's source.
    doses_page = client.get(reverse("admin:vaccination_doserecord_changelist"))
    assert f"Phản ánh {pending.tracking_code}" in doses_page.content.decode()
    old.refresh_from_db()
    new = VaccinationCertificate.objects.get(person=citizen_person, status="current")
    assert old.status == CertificateStatus.REVOKED and old.replaced_by == new
    assert pending.certificate == new and (new.dn, new.sd) == (2, 2)
    assert qr_verify(old_text).status == "revoked"
    assert qr_verify(certificate_text(new)).status == "valid"
    assert SmsMessage.objects.count() == texts_before + 1
    assert pending.tracking_code in SmsMessage.objects.latest("id").body


def test_rejecting_without_a_reason_is_400_in_vietnamese_and_changes_nothing(
    client, unit1_staff, pending
):
    texts_before = SmsMessage.objects.count()
    client.force_login(unit1_staff)

    response = client.post(_url("reject", pending), {"reason": "", "note": ""})

    assert response.status_code == 400
    assert "Chọn lý do không cập nhật." in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == CorrectionStatus.PENDING and pending.reject_reason == ""
    assert SmsMessage.objects.count() == texts_before


def test_rejecting_for_another_reason_needs_a_note(client, unit1_staff, pending):
    client.force_login(unit1_staff)

    response = client.post(_url("reject", pending), {"reason": "other", "note": "  "})

    assert response.status_code == 400
    assert "Ghi rõ lý do khác." in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == CorrectionStatus.PENDING


def test_rejecting_with_a_coded_reason_texts_the_citizen(client, unit1_staff, pending):
    client.force_login(unit1_staff)

    response = client.post(_url("reject", pending), {"reason": "not_in_register", "note": ""})

    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.reject_reason) == (CorrectionStatus.REJECTED, "not_in_register")
    assert DoseRecord.objects.filter(person=pending.person).count() == 1
    text = SmsMessage.objects.latest("id").body
    assert pending.tracking_code in text


def test_an_approval_the_service_refuses_is_400_with_its_message_and_saves_nothing(
    client, unit1_staff, unit1, pending, citizen_person
):
    # Dose 2 is already on file with other details: the approval would contradict it.
    give_dose(citizen_person, unit1, number=2, given_on=datetime.date(2021, 9, 20), lot="OTHER")
    certificates = VaccinationCertificate.objects.count()
    client.force_login(unit1_staff)

    response = client.post(_url("approve", pending))

    assert response.status_code == 400
    assert "đã có mũi 2" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == CorrectionStatus.PENDING
    assert DoseRecord.objects.get(person=citizen_person, number=2).lot == "OTHER"
    assert VaccinationCertificate.objects.count() == certificates


def test_a_decided_request_cannot_be_decided_again(client, unit1_staff, pending):
    client.force_login(unit1_staff)
    client.post(_url("reject", pending), {"reason": "mismatch"})

    response = client.post(_url("approve", pending))

    assert response.status_code == 400
    assert "Phản ánh này đã được xử lý" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == CorrectionStatus.REJECTED
    assert not DoseRecord.objects.filter(source=DoseSource.CORRECTION).exists()


def test_the_queue_lists_pending_requests_first_and_the_oldest_deadline_first(
    client, unit1_staff, ward1, unit1
):
    late = submit_correction(area=ward1, unit=unit1, kind="dose1")
    soon = submit_correction(
        area=ward1,
        unit=unit1,
        kind="dose1",
        full_name="Phạm Thị Hoa",
        date_of_birth=datetime.date(1992, 6, 9),
        sex="F",
        id_number="079192000123",
        phone="+84933444555",
    )
    decided = submit_correction(
        area=ward1,
        unit=unit1,
        kind="dose1",
        full_name="Võ Văn Bình",
        date_of_birth=datetime.date(1980, 1, 2),
        id_number="079080000456",
        phone="+84944555666",
    )
    now = timezone.now()
    CorrectionRequest.objects.filter(pk=late.pk).update(due_at=now + datetime.timedelta(hours=20))
    CorrectionRequest.objects.filter(pk=soon.pk).update(due_at=now + datetime.timedelta(hours=2))
    CorrectionRequest.objects.filter(pk=decided.pk).update(
        status=CorrectionStatus.REJECTED, reject_reason="mismatch", due_at=now
    )
    client.force_login(unit1_staff)

    response = client.get(QUEUE_URL)
    pending_only = client.get(QUEUE_URL, {"status__exact": "pending"})

    assert [row.pk for row in response.context["cl"].result_list] == [soon.pk, late.pk, decided.pk]
    assert [row.pk for row in pending_only.context["cl"].result_list] == [soon.pk, late.pk]


def test_a_duplicate_is_linked_on_the_first_requests_page(
    client, unit1_staff, ward1, unit2, pending
):
    # Sent to another unit, it joins the first request's unit instead of its queue.
    duplicate = submit_correction(area=ward1, unit=unit2, kind="dose2")
    client.force_login(unit1_staff)

    page = client.get(_url("change", pending)).content.decode()

    assert duplicate.duplicate_of == pending
    assert duplicate.tracking_code in page[page.index('id="vacc-duplicates"') :]


def test_province_admin_sees_every_unit_and_decides_only_escalated_requests(
    client, province_admin, ward1, ward2, unit1, unit2, pending
):
    theirs = submit_correction(
        area=ward2,
        unit=unit2,
        kind="dose1",
        full_name="Trần Thị Cúc",
        date_of_birth=datetime.date(1975, 11, 30),
        sex="F",
        id_number="079175001111",
        phone="+84987654321",
    )
    client.force_login(province_admin)

    listed = {row.pk for row in client.get(QUEUE_URL).context["cl"].result_list}
    refused = client.post(_url("approve", pending))

    assert listed == {pending.pk, theirs.pk}
    assert refused.status_code == 400
    assert "Sở Y tế xử lý khi phản ánh đã quá hạn" in refused.content.decode()
    pending.refresh_from_db()
    assert pending.status == CorrectionStatus.PENDING

    CorrectionRequest.objects.filter(pk=pending.pk).update(due_at=timezone.now())
    assert corrections_escalate_overdue(now=timezone.now() + datetime.timedelta(minutes=1)) == 1
    escalated_only = client.get(QUEUE_URL, {"escalated": "yes"})
    assert [row.pk for row in escalated_only.context["cl"].result_list] == [pending.pk]
    assert "Đã chuyển Sở Y tế" in escalated_only.content.decode()

    response = client.post(_url("approve", pending))

    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (CorrectionStatus.APPROVED, province_admin)
