"""The F0 state machine: every transition, its SMS, its audit record, its rules."""

import datetime
import uuid

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from declarations.f0 import services
from declarations.f0.models import F0Declaration, F0Draft, F0Event, F0Status, RejectReason
from declarations.f0.services import (
    decision_overdue,
    f0_accept,
    f0_draft_save,
    f0_reject,
    f0_remind,
    f0_resubmit,
)
from declarations.kinds import TEST_RESULT_PHOTO
from khaibao.audit.models import AuditEvent
from khaibao.notify.gsm import is_gsm7
from khaibao.notify.models import SmsMessage
from khaibao.uploads.services import photo_store
from tests.declarations.factories import id_card_image, make_declaration, rules_detail, tray_jpeg
from tests.factories import error_codes
from tests.uploads.images import CCCD_TEXT, uploaded
from tests.uploads.images import image_bytes as encode

TODAY = datetime.date(2026, 11, 22)
NOON = datetime.datetime(2026, 11, 22, 5, 0, tzinfo=datetime.UTC)  # 12:00 in Hà Nội


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def tray_photo(seed: int) -> bytes:
    return tray_jpeg(seed)


def id_card_photo(qr_text: str | None = None) -> bytes:
    return encode(id_card_image(qr_text), "JPEG", quality=95)


def store(person, account, content: bytes, kind=TEST_RESULT_PHOTO):
    return photo_store(upload=uploaded(content), kind=kind, person=person, uploaded_by=account)


def submit(
    account, person, *, seed=1, key=None, test_date=TODAY, id_content=None, area=None, **extra
):
    return make_declaration(
        person=person,
        account=account,
        submission_key=key,
        test_date=test_date,
        test_content=tray_photo(seed),
        id_content=id_content or id_card_photo(),
        isolation_area=area,
        contact_phone="+84912345678",
        **extra,
    )


def test_a_submission_writes_the_declaration_its_event_and_a_gsm7_sms(citizen, citizen_person):
    declaration = submit(citizen, citizen_person)

    assert declaration.status == F0Status.SUBMITTED
    assert declaration.events.get().status == F0Status.SUBMITTED
    sms = SmsMessage.objects.get(purpose="f0_submitted")
    assert sms.to == "+84912345678"
    assert "Nguyen Van An" in sms.body and is_gsm7(sms.body)
    assert f"/f0/{declaration.pk}/" in sms.body


def test_the_same_submission_key_twice_gives_one_declaration(citizen, citizen_person):
    key = uuid.uuid4()
    first = submit(citizen, citizen_person, key=key)
    second = submit(citizen, citizen_person, key=key, seed=2)

    assert first.pk == second.pk
    assert F0Declaration.objects.count() == 1
    assert SmsMessage.objects.filter(purpose="f0_submitted").count() == 1


def test_a_second_open_declaration_for_a_person_is_refused(citizen, citizen_person):
    submit(citizen, citizen_person)

    with pytest.raises(ValidationError) as refused:
        submit(citizen, citizen_person, seed=2)

    assert refused.value.code == "open_declaration"
    assert F0Declaration.objects.count() == 1


def test_the_database_itself_holds_one_open_declaration_per_person(citizen, citizen_person):
    first = submit(citizen, citizen_person)
    duplicate = F0Declaration.objects.get(pk=first.pk)
    duplicate.pk, duplicate.submission_key, duplicate.case_code = None, uuid.uuid4(), None
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


@pytest.mark.parametrize(
    "days_ago, allowed", [(0, True), (1, True), (2, True), (3, False), (-1, False)]
)
def test_the_test_date_window_is_today_or_the_two_days_before(db, days_ago, allowed):
    assert (
        services.test_date_allowed(TODAY - datetime.timedelta(days=days_ago), area=None) is allowed
    )


def test_the_window_follows_the_rule_in_force(db, set_rule, ward1):
    set_rule("f0_timing", province=ward1.parent, test_date_window_days=5)
    assert services.test_date_allowed(TODAY - datetime.timedelta(days=5), area=ward1)
    assert not services.test_date_allowed(TODAY - datetime.timedelta(days=5), area=None)


def test_a_test_date_outside_the_window_is_refused_and_nothing_saved(citizen, citizen_person):
    with pytest.raises(ValidationError) as refused:
        submit(citizen, citizen_person, test_date=TODAY - datetime.timedelta(days=3))
    assert error_codes(refused.value) == {"test_date": ["test_date"]}
    assert F0Declaration.objects.count() == 0
    assert SmsMessage.objects.count() == 0


def test_accepting_gives_a_case_code_an_sms_and_an_audit_event(
    citizen, citizen_person, ward1_staff
):
    declaration = submit(citizen, citizen_person)

    f0_accept(declaration=declaration, by=ward1_staff)

    declaration.refresh_from_db()
    assert declaration.status == F0Status.ACCEPTED
    assert declaration.case_code == f"F0-26734-{declaration.pk:06d}"
    sms = SmsMessage.objects.get(purpose="f0_accepted")
    assert declaration.case_code in sms.body and is_gsm7(sms.body)
    event = AuditEvent.objects.get(action="decide")
    assert (event.actor, event.person, event.detail) == (
        ward1_staff,
        citizen_person,
        {"decision": "accept", **rules_detail(declaration)},
    )


def test_rejecting_texts_the_reason_and_the_fix_link(citizen, citizen_person, ward1_staff):
    declaration = submit(citizen, citizen_person)

    f0_reject(
        declaration=declaration,
        by=ward1_staff,
        reason=RejectReason.TEST_PHOTO_INVALID,
        note="Chưa ghi họ tên trên khay test",
    )

    declaration.refresh_from_db()
    assert declaration.status == F0Status.REJECTED
    sms = SmsMessage.objects.get(purpose="f0_rejected")
    assert "Chua ghi ho ten tren khay test" in sms.body
    assert f"/f0/{declaration.pk}/" in sms.body


def test_reject_other_needs_a_note(citizen, citizen_person, ward1_staff):
    declaration = submit(citizen, citizen_person)
    with pytest.raises(ValidationError) as refused:
        f0_reject(declaration=declaration, by=ward1_staff, reason=RejectReason.OTHER, note="  ")
    assert error_codes(refused.value) == {"note": ["note_required"]}
    declaration.refresh_from_db()
    assert declaration.status == F0Status.SUBMITTED


def test_a_decision_on_a_decided_declaration_is_refused(citizen, citizen_person, ward1_staff):
    declaration = submit(citizen, citizen_person)
    f0_accept(declaration=declaration, by=ward1_staff)
    with pytest.raises(ValidationError) as refused:
        f0_reject(declaration=declaration, by=ward1_staff, reason=RejectReason.DUPLICATE)
    assert refused.value.code == "wrong_status"


def test_resubmitting_a_rejected_declaration_keeps_its_photos(citizen, citizen_person, ward1_staff):
    declaration = submit(citizen, citizen_person)
    f0_reject(declaration=declaration, by=ward1_staff, reason=RejectReason.PHOTO_UNREADABLE)
    declaration.refresh_from_db()

    f0_resubmit(
        declaration=declaration,
        account=citizen,
        test_date=declaration.test_date,
        test_type="pcr",
        test_photo=declaration.test_photo,
        id_photo=declaration.id_photo,
        isolation_area=declaration.isolation_area,
        isolation_street="14 Lê Lợi",
        contact_phone="+84912345678",
    )

    declaration.refresh_from_db()
    assert declaration.status == F0Status.SUBMITTED
    assert (declaration.reject_reason, declaration.test_type) == ("", "pcr")
    assert list(declaration.events.values_list("status", flat=True)) == [
        "submitted",
        "rejected",
        "submitted",
    ]
    assert SmsMessage.objects.filter(purpose="f0_submitted").count() == 2


def test_remind_goes_to_the_station_then_escalates_after_the_deadline(
    citizen, citizen_person, clock, settings
):
    declaration = submit(citizen, citizen_person)

    clock.shift(datetime.timedelta(hours=24 - 1))  # the default decision hours: 24
    assert f0_remind(declaration=declaration, account=citizen) is False
    declaration.refresh_from_db()
    assert declaration.reminded_at and declaration.escalated_at is None

    clock.shift(datetime.timedelta(hours=2))
    assert decision_overdue(declaration)
    assert f0_remind(declaration=declaration, account=citizen) is True
    declaration.refresh_from_db()
    assert declaration.escalated_at == timezone.now()


def test_a_cccd_photo_whose_qr_disagrees_is_flagged_by_field(citizen, citizen_person):
    # The QR says "Nguyễn Văn An", born 14/03/1988, but another ID number.
    card = id_card_photo(CCCD_TEXT)

    declaration = submit(citizen, citizen_person, id_content=card)

    assert citizen_person.full_name == "Nguyễn Văn An"
    assert declaration.cccd_mismatch == ["id_number"]


def test_a_reused_test_photo_is_flagged_for_staff(citizen, citizen_person, ward2_person):
    first = submit(citizen, citizen_person, seed=7)
    other_account = type(citizen).objects.create(username="+84987654321", phone="+84987654321")

    second = submit(other_account, ward2_person, seed=7)

    assert second.reused_photo_of == first
    assert submit(other_account, _another_person(ward2_person), seed=8).reused_photo_of is None


def _another_person(like):
    from tests.factories import make_person

    return make_person(
        area=like.area, full_name="Lâm Thị Hạnh", date_of_birth=datetime.date(1999, 1, 1), sex="F"
    )


def test_a_draft_merges_what_was_typed_and_is_gone_after_submit(citizen, citizen_person):
    f0_draft_save(account=citizen, person=citizen_person, data={"test_type": "rapid"})
    draft = f0_draft_save(
        account=citizen, person=citizen_person, data={"isolation_street": "12 Lê Lợi"}
    )
    assert draft.data == {"test_type": "rapid", "isolation_street": "12 Lê Lợi"}

    submit(citizen, citizen_person, key=draft.submission_key)

    assert not F0Draft.objects.exists()
    assert F0Event.objects.count() == 1


def test_a_second_reminder_within_the_hour_adds_nothing(citizen, citizen_person, clock):
    declaration = submit(citizen, citizen_person)
    f0_remind(declaration=declaration, account=citizen)
    clock.shift(datetime.timedelta(minutes=20))

    with pytest.raises(ValidationError) as refused:
        f0_remind(declaration=declaration, account=citizen)

    assert refused.value.code == "remind_cooldown"
    assert declaration.events.count() == 2  # submitted + one reminder
