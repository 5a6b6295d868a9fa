"""Every change to health and entry declarations: filing one (citizen or paper), the
ward's follow-up. The quarantine policy of an entry declaration is computed by
checkpoints.quarantine.services, in the same transaction."""

import dataclasses
import datetime
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from khaibao.accounts.models import Unit, User
from khaibao.accounts.roles import Role
from khaibao.areas.models import Area, AreaLevel, ward_of
from khaibao.audit.models import AuditAction
from khaibao.audit.services import log_action
from khaibao.lib.dates import date_text
from khaibao.lib.normalize import name_key
from khaibao.notify.services import sms_queue
from khaibao.people.models import Person, Relationship
from khaibao.rules.selectors import sms_text
from khaibao.trust.services import qr_issue_kb1

from ..quarantine.services import entry_policy_apply
from .links import access_url
from .models import (
    MAX_VACCINE_DOSES,
    EntryDeclaration,
    Exposure,
    HealthDeclaration,
    Source,
    Symptom,
    TestOutcome,
    TravelMeans,
)
from .rules import DECLARING_SMS, declaring_rules
from .selectors import verified_status


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _end_of_day(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=timezone.get_default_timezone()
    )


def _sign(declaration, *, kind: str, valid_until: datetime.datetime) -> None:
    now = timezone.now()
    code = qr_issue_kb1(
        kind="declaration",
        subject_id=str(declaration.public_id),
        claims={
            "name": declaration.person.full_name,
            "birth_date": declaration.person.date_of_birth,
            "t": kind,
        },
        valid_for=max(valid_until - now, datetime.timedelta(hours=1)),
        issued_at=now,
    )
    declaration.qr_text = code.text
    declaration.qr_cert_id = code.cert_id
    declaration.qr_expires_at = code.expires_at


def _save_once(declaration, model) -> tuple[object, bool]:
    """Insert, or find the row a concurrent submit of the same page inserted first."""
    try:
        with transaction.atomic():
            declaration.save()
    except IntegrityError:
        existing = model.objects.filter(
            submission_key=declaration.submission_key, person=declaration.person
        ).first()
        if existing is None:
            raise
        return existing, False
    return declaration, True


def _audit_staff_entry(declaration, *, by: User, ip: str | None, area: Area) -> None:
    log_action(
        actor=by,
        action=AuditAction.CREATE,
        obj=declaration,
        person=declaration.person,
        area=area,
        ip=ip,
        detail={"entered_by_staff": True},
    )


def _queue_paper_sms(declaration, *, text: str, area: Area, **values) -> None:
    if not declaration.contact_phone:
        return
    body = sms_text(
        DECLARING_SMS,
        text,
        area,
        ho_ten=declaration.person.full_name,
        duong_dan=access_url(declaration),
        **values,
    )
    sms_queue(to=declaration.contact_phone, body=body, purpose=f"checkpoint_{text}")


# -- health declarations (KBYT) ---------------------------------------------------------


@transaction.atomic
def health_declaration_submit(
    *,
    declared_by: User,
    person: Person,
    relationship: str,
    submission_key: uuid.UUID,
    area: Area,
    street_address: str = "",
    symptoms: list[str] | None = None,
    other_symptoms: str = "",
    contact_with_case: str = Exposure.NO,
    travelled: bool = False,
    travel_places: str = "",
    contact_phone: str = "",
    entered_by_staff: bool = False,
    ip: str | None = None,
) -> HealthDeclaration:
    """File an in-province health declaration and sign its QR.

    The same `submission_key` again for the same person returns the declaration already
    filed. A paper declaration (`entered_by_staff`) is audited, and the person gets the
    QR's link by SMS when a phone is given.
    """
    existing = HealthDeclaration.objects.filter(
        submission_key=submission_key, person=person
    ).first()
    if existing is not None:
        return existing
    if area.level not in (AreaLevel.WARD, AreaLevel.VILLAGE):
        raise _error("area", _("Chọn phường / xã (hoặc thôn, tổ) nơi đang ở."), "area_level")
    unknown = set(symptoms or []) - set(Symptom.values)
    if unknown:
        raise _error("symptoms", _("Triệu chứng không có trong danh sách."), "invalid_choice")
    if travelled and not travel_places.strip():
        raise _error("travel_places", _("Ghi nơi đã đến."), "required")
    declaration = HealthDeclaration(
        person=person,
        declared_by=declared_by,
        relationship=relationship,
        entered_by_staff=entered_by_staff,
        submission_key=submission_key,
        area=area,
        street_address=street_address.strip(),
        symptoms=[code for code in Symptom.values if code in set(symptoms or [])],
        other_symptoms=other_symptoms.strip(),
        contact_with_case=contact_with_case,
        travelled=travelled,
        travel_places=travel_places.strip() if travelled else "",
        contact_phone=contact_phone,
    )
    rules = declaring_rules(area)
    _sign(
        declaration,
        kind="health",
        valid_until=_end_of_day(timezone.localdate())
        + datetime.timedelta(days=rules["health_qr_days"]),
    )
    declaration.full_clean(exclude=["declared_by"])
    declaration, created = _save_once(declaration, HealthDeclaration)
    if created and entered_by_staff:
        _audit_staff_entry(declaration, by=declared_by, ip=ip, area=area)
        _queue_paper_sms(declaration, text="paper_health", area=area, ngay_den="")
    return declaration


@transaction.atomic
def health_declarations_submit(
    *,
    declared_by: User,
    persons: list[tuple[Person, str]],
    submission_key: uuid.UUID,
    **answers,
) -> list[HealthDeclaration]:
    """The same answers filed for each (person, relationship) of one page, all or none."""
    if not persons:
        raise _error("persons", _("Chọn ít nhất một người."), "required")
    return [
        health_declaration_submit(
            declared_by=declared_by,
            person=person,
            relationship=relationship,
            submission_key=submission_key,
            **answers,
        )
        for person, relationship in persons
    ]


# -- entry declarations ---------------------------------------------------------------------


@dataclass(frozen=True)
class Traveller:
    """One person of an entry declaration, with what they said of their vaccination and
    test (used only where the portal holds no record)."""

    person: Person
    relationship: str
    vaccine_doses: int = 0
    last_dose_on: datetime.date | None = None
    test_outcome: str = TestOutcome.NONE
    test_sampled_on: datetime.date | None = None


@dataclass(frozen=True)
class Trip:
    origin_area: Area
    departed_on: datetime.date
    arrival_on: datetime.date
    means: str
    destination_area: Area
    origin_village_text: str = ""
    origin_street: str = ""
    vehicle_number: str = ""
    checkpoint: Unit | None = None
    destination_street: str = ""
    contact_phone: str = ""


def trip_check(trip: Trip, *, today: datetime.date | None = None) -> None:
    """Every rule of a trip the database cannot hold, each error on its field, in
    Vietnamese: the forms show them and the service refuses them again."""
    today = today or timezone.localdate()
    errors: dict[str, ValidationError] = {}
    destination = trip.destination_area
    if destination.level not in (AreaLevel.WARD, AreaLevel.VILLAGE):
        errors["destination_area"] = ValidationError(
            _("Chọn phường / xã (và thôn, tổ nếu có) nơi đến."), code="area_level"
        )
    if trip.origin_area.level == AreaLevel.PROVINCE:
        errors["origin_area"] = ValidationError(
            _("Chọn phường / xã nơi đi, không chỉ tỉnh."), code="area_level"
        )
    elif trip.origin_area.province_code == destination.province_code:
        errors["origin_area"] = ValidationError(
            _("Nơi đi ở ngoài tỉnh nơi đến: đi lại trong tỉnh dùng khai báo y tế trong tỉnh."),
            code="origin_in_province",
        )
    if trip.origin_village_text and trip.origin_area.level != AreaLevel.WARD:
        errors["origin_village_text"] = ValidationError(
            _("Đã chọn thôn / tổ trong danh sách: không cần nhập thêm."), code="village_twice"
        )
    if trip.arrival_on < trip.departed_on:
        errors["arrival_on"] = ValidationError(
            _("Ngày đến không thể trước ngày khởi hành."), code="arrival_before_departure"
        )
    rules = declaring_rules(destination)
    if trip.arrival_on > today + datetime.timedelta(days=rules["arrival_days_ahead"]):
        errors["arrival_on"] = ValidationError(
            _("Chỉ khai báo trước ngày đến tối đa %(days)d ngày.")
            % {"days": rules["arrival_days_ahead"]},
            code="arrival_too_far",
        )
    elif trip.arrival_on < today - datetime.timedelta(days=rules["arrival_days_late"]):
        errors["arrival_on"] = ValidationError(
            _("Ngày đến đã qua quá %(days)d ngày: liên hệ Trạm Y tế nơi đến.")
            % {"days": rules["arrival_days_late"]},
            code="arrival_too_late",
        )
    if trip.means not in TravelMeans.values:
        errors["means"] = ValidationError(_("Chọn phương tiện."), code="invalid_choice")
    if trip.means in (TravelMeans.AIR, TravelMeans.TRAIN, TravelMeans.COACH) and not (
        trip.vehicle_number.strip()
    ):
        errors["vehicle_number"] = ValidationError(
            _("Ghi số hiệu chuyến bay, chuyến tàu hoặc biển số xe khách."), code="required"
        )
    checkpoint = trip.checkpoint
    if checkpoint is not None and (
        checkpoint.role != Role.CHECKPOINT
        or not checkpoint.is_active
        or checkpoint.area.province_code != destination.province_code
    ):
        errors["checkpoint"] = ValidationError(
            _("Chốt kiểm soát này không thuộc tỉnh nơi đến."), code="checkpoint_province"
        )
    if errors:
        raise ValidationError(errors)


def self_declared_dose_check(
    traveller: Traveller, last_dose_on: datetime.date | None, *, arrival_on: datetime.date
) -> None:
    """Doses a person declares: in range, dated, after their birth, not after arrival."""
    if not 0 <= traveller.vaccine_doses <= MAX_VACCINE_DOSES:
        raise _error("vaccine_doses", _("Chọn số mũi trong danh sách."), "invalid_choice")
    if traveller.vaccine_doses and last_dose_on is None:
        raise _error("last_dose_on", _("Nhập ngày tiêm mũi gần nhất."), "required")
    if last_dose_on and last_dose_on > arrival_on:
        raise _error("last_dose_on", _("Ngày tiêm không thể sau ngày đến."), "dose_after_arrival")
    if last_dose_on and last_dose_on > timezone.localdate():
        raise _error("last_dose_on", _("Ngày tiêm không thể sau hôm nay."), "dose_future")
    if last_dose_on and last_dose_on < traveller.person.date_of_birth:
        raise _error("last_dose_on", _("Ngày tiêm không thể trước ngày sinh."), "dose_before_birth")


def self_declared_test_check(
    traveller: Traveller,
    sampled_on: datetime.date | None,
    *,
    arrival_on: datetime.date,
    recent_test_days: int,
) -> None:
    """A test a person declares: dated, not after arrival, recent by the rule."""
    if traveller.test_outcome and sampled_on is None:
        raise _error("test_sampled_on", _("Nhập ngày lấy mẫu xét nghiệm."), "required")
    if sampled_on and sampled_on > arrival_on:
        raise _error(
            "test_sampled_on", _("Ngày lấy mẫu không thể sau ngày đến."), "test_after_arrival"
        )
    if sampled_on and sampled_on > timezone.localdate():
        raise _error("test_sampled_on", _("Ngày lấy mẫu không thể sau hôm nay."), "test_future")
    if sampled_on and sampled_on < arrival_on - datetime.timedelta(days=recent_test_days):
        raise _error(
            "test_sampled_on",
            _(
                "Xét nghiệm lấy mẫu quá %(days)d ngày trước ngày đến không được tính là "
                "gần đây: chọn “Chưa xét nghiệm gần đây”."
            )
            % {"days": recent_test_days},
            "test_not_recent",
        )


def _status_fields(traveller: Traveller, *, arrival_on: datetime.date, area: Area) -> dict:
    """Vaccination and test as the portal's records say (verified), or as the person said
    (checked here: only what a person types can be after the arrival)."""
    known = verified_status(
        traveller.person,
        recent_from=arrival_on - datetime.timedelta(days=declaring_rules(area)["recent_test_days"]),
        until=arrival_on,
    )
    fields = {}
    if known.vaccine_doses:
        fields.update(
            vaccination_source=Source.VERIFIED,
            vaccine_doses=known.vaccine_doses,
            last_dose_on=known.last_dose_on,
        )
    else:
        last_dose_on = traveller.last_dose_on if traveller.vaccine_doses else None
        self_declared_dose_check(traveller, last_dose_on, arrival_on=arrival_on)
        fields.update(
            vaccination_source=Source.SELF,
            vaccine_doses=traveller.vaccine_doses,
            last_dose_on=last_dose_on,
        )
    if known.test_outcome:
        fields.update(
            test_source=Source.VERIFIED,
            test_outcome=known.test_outcome,
            test_sampled_on=known.test_sampled_on,
        )
    else:
        sampled_on = traveller.test_sampled_on if traveller.test_outcome else None
        self_declared_test_check(
            traveller,
            sampled_on,
            arrival_on=arrival_on,
            recent_test_days=declaring_rules(area)["recent_test_days"],
        )
        fields.update(
            test_source=Source.SELF,
            test_outcome=traveller.test_outcome,
            test_sampled_on=sampled_on,
        )
    return fields


def trip_resolved(trip: Trip) -> Trip:
    """A village typed by hand that is in fact one of the ward's loaded villages (or
    points) becomes that area, so its policy applies: the name is matched on its key
    ("to dan pho dong" is "Tổ dân phố Đông")."""
    text = trip.origin_village_text.strip()
    if not text or trip.origin_area.level != AreaLevel.WARD:
        return trip
    known = Area.objects.filter(
        parent=trip.origin_area,
        level__in=(AreaLevel.VILLAGE, AreaLevel.POINT),
        name_key=name_key(text),
    ).first()
    if known is None:
        return trip
    return dataclasses.replace(trip, origin_area=known, origin_village_text="")


@transaction.atomic
def entry_declarations_submit(
    *,
    declared_by: User,
    travellers: list[Traveller],
    trip: Trip,
    submission_key: uuid.UUID,
    entered_by_staff: bool = False,
    ip: str | None = None,
) -> list[EntryDeclaration]:
    """File one entry declaration per traveller of one trip, compute each one's policy
    and sign each one's QR.

    1. The trip is checked (trip_check); nothing is saved if it or any traveller fails.
    2. A second submit of the same page (`submission_key`) returns the declarations it
       filed, one per traveller, never two.
    3. Each traveller's vaccination and test come from the portal's records where it has
       them (verified), from what was typed otherwise (self-declared).
    4. The policy for the origin on the arrival day is computed and stored with its rule
       version (entry_policy_apply); paper declarations are audited and their persons
       get the QR's link by SMS.
    """
    if not travellers:
        raise _error("persons", _("Chọn ít nhất một người."), "required")
    trip = trip_resolved(trip)
    trip_check(trip)
    destination = trip.destination_area
    ward = ward_of(destination)
    valid_until = _end_of_day(trip.arrival_on) + datetime.timedelta(
        days=declaring_rules(destination)["entry_qr_days_after_arrival"]
    )
    filed = []
    for traveller in travellers:
        existing = EntryDeclaration.objects.filter(
            submission_key=submission_key, person=traveller.person
        ).first()
        if existing is not None:
            filed.append(existing)
            continue
        declaration = EntryDeclaration(
            person=traveller.person,
            declared_by=declared_by,
            relationship=traveller.relationship,
            entered_by_staff=entered_by_staff,
            submission_key=submission_key,
            origin_area=trip.origin_area,
            origin_village_text=trip.origin_village_text.strip(),
            origin_street=trip.origin_street.strip(),
            departed_on=trip.departed_on,
            arrival_on=trip.arrival_on,
            means=trip.means,
            vehicle_number=trip.vehicle_number.strip().upper(),
            checkpoint=trip.checkpoint,
            destination_area=destination,
            destination_ward=ward,
            destination_street=trip.destination_street.strip(),
            contact_phone=trip.contact_phone,
            **_status_fields(traveller, arrival_on=trip.arrival_on, area=destination),
        )
        entry_policy_apply(declaration)
        _sign(declaration, kind="entry", valid_until=valid_until)
        declaration.full_clean(exclude=["declared_by"])
        declaration, created = _save_once(declaration, EntryDeclaration)
        if created and entered_by_staff:
            _audit_staff_entry(declaration, by=declared_by, ip=ip, area=ward)
            _queue_paper_sms(
                declaration,
                text="paper_entry",
                area=destination,
                ngay_den=date_text(declaration.arrival_on),
            )
        filed.append(declaration)
    return filed


@transaction.atomic
def entry_follow_up_mark(
    *, declaration: EntryDeclaration, by: User, note: str = "", ip: str | None = None
) -> EntryDeclaration:
    """The destination ward's station has followed the arrival up (visited, called)."""
    declaration = EntryDeclaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.follow_up_done_at is not None:
        raise ValidationError(_("Người này đã được đánh dấu đã theo dõi."), code="already_done")
    declaration.follow_up_done_at = timezone.now()
    declaration.follow_up_by = by
    declaration.follow_up_note = note.strip()[:300]
    declaration.save(update_fields=["follow_up_done_at", "follow_up_by", "follow_up_note"])
    log_action(
        actor=by,
        action=AuditAction.DECIDE,
        obj=declaration,
        person=declaration.person,
        area=declaration.destination_ward,
        ip=ip,
        detail={"follow_up": "done", "note": declaration.follow_up_note},
    )
    return declaration


def paper_relationship() -> str:
    """A paper declaration is filed by staff for someone else."""
    return Relationship.OTHER
