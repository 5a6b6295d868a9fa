"""Every change to venues and check-ins: registering a venue, the ward's decision, checking
in and out (self and relatives in one tap), and deleting check-ins past the retention."""

import datetime
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from khaibao.accounts.models import User
from khaibao.accounts.scope import scope_for
from khaibao.areas.models import Area, AreaLevel, ward_of
from khaibao.audit.models import AuditAction
from khaibao.audit.services import log_action
from khaibao.lib.links import public_link
from khaibao.lib.normalize import clean_text
from khaibao.notify.services import sms_queue
from khaibao.people.models import Person
from khaibao.rules.selectors import sms_text
from khaibao.trust.services import qr_issue_kb1

from .models import CheckIn, Venue, VenueKind, VenueStatus
from .rules import VENUES_SMS, venue_rules

#: The KB1 kind of a venue's poster code.
VENUE_QR_KIND = "venue"
NAME_MAX_LENGTH = 200


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def checkin_url(venue: Venue) -> str:
    """What the poster's QR holds: the portal's check-in page with the venue's signed
    code, so a phone's own camera opens it and the page verifies the code."""
    from urllib.parse import quote

    path = reverse("checkpoints:checkin")
    return public_link(f"{path}?ma={quote(venue.qr_text, safe='')}")


def _venue_link(venue: Venue) -> str:
    return public_link(venue.get_absolute_url())


@transaction.atomic
def venue_register(
    *,
    manager: User,
    name: str,
    kind: str,
    area: Area,
    street_address: str,
    contact_phone: str,
    submission_key: uuid.UUID,
) -> Venue:
    """A venue manager (a citizen account) registers a place; it waits for its ward's
    station. The same page posted twice registers it once."""
    existing = Venue.objects.filter(submission_key=submission_key, manager=manager).first()
    if existing is not None:
        return existing
    name = clean_text(name)
    if not name:
        raise _error("name", _("Nhập tên địa điểm."), "required")
    if len(name) > NAME_MAX_LENGTH:
        raise _error("name", _("Tên địa điểm dài tối đa 200 ký tự."), "too_long")
    if kind not in VenueKind.values:
        raise _error("kind", _("Chọn loại địa điểm trong danh sách."), "invalid_choice")
    if area.level not in (AreaLevel.WARD, AreaLevel.VILLAGE):
        raise _error("area", _("Chọn phường / xã (và thôn, tổ nếu có)."), "area_level")
    street_address = clean_text(street_address)
    if not street_address:
        raise _error("street_address", _("Nhập số nhà, đường."), "required")
    venue = Venue(
        name=name,
        kind=kind,
        area=area,
        ward=ward_of(area),
        street_address=street_address,
        manager=manager,
        contact_phone=contact_phone,
        submission_key=submission_key,
    )
    venue.full_clean()
    venue.save()
    return venue


def _check_decider(venue: Venue, by: User) -> None:
    if not scope_for(by).covers(venue.ward):
        raise PermissionDenied


@transaction.atomic
def venue_approve(*, venue: Venue, by: User, ip: str | None = None) -> Venue:
    """The ward's station approves: the poster's code is signed, the manager texted."""
    _check_decider(venue, by)
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    if venue.status != VenueStatus.PENDING:
        raise ValidationError(_("Địa điểm này đã được xử lý."), code="decided")
    rules = venue_rules(venue.ward)
    code = qr_issue_kb1(
        kind=VENUE_QR_KIND,
        subject_id=str(venue.public_id),
        claims={"name": venue.name},
        valid_for=datetime.timedelta(days=rules["venue_qr_days"]),
    )
    venue.qr_text, venue.qr_cert_id = code.text, code.cert_id
    venue.status, venue.decided_by, venue.decided_at = VenueStatus.APPROVED, by, timezone.now()
    venue.save()
    log_action(
        actor=by,
        action=AuditAction.DECIDE,
        obj=venue,
        area=venue.ward,
        ip=ip,
        detail={"decision": "approved"},
    )
    body = sms_text(
        VENUES_SMS, "approved", venue.ward, dia_diem=venue.name, duong_dan=_venue_link(venue)
    )
    sms_queue(to=venue.contact_phone, body=body, purpose="venue_approved")
    return venue


@transaction.atomic
def venue_reject(*, venue: Venue, by: User, reason: str, ip: str | None = None) -> Venue:
    _check_decider(venue, by)
    reason = clean_text(reason)
    if not reason:
        raise _error("reason", _("Ghi lý do không duyệt."), "required")
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    if venue.status != VenueStatus.PENDING:
        raise ValidationError(_("Địa điểm này đã được xử lý."), code="decided")
    venue.status, venue.decided_by, venue.decided_at = VenueStatus.REJECTED, by, timezone.now()
    venue.rejection_reason = reason[:300]
    venue.save()
    log_action(
        actor=by,
        action=AuditAction.DECIDE,
        obj=venue,
        area=venue.ward,
        ip=ip,
        detail={"decision": "rejected", "reason": venue.rejection_reason},
    )
    body = sms_text(
        VENUES_SMS,
        "rejected",
        venue.ward,
        dia_diem=venue.name,
        ly_do=venue.rejection_reason,
        duong_dan=_venue_link(venue),
    )
    sms_queue(to=venue.contact_phone, body=body, purpose="venue_rejected")
    return venue


@transaction.atomic
def checkins_record(
    *, venue: Venue, persons: list[Person], account: User, now: datetime.datetime | None = None
) -> list[CheckIn]:
    """Check in each person at `venue` (one tap for self and relatives).

    A person already checked in there within the rule's minutes, and not out since,
    keeps that check-in: scanning twice at the door is one visit. A person still in at
    another venue is checked out of it at this moment (one cannot be in two places).
    """
    if venue.status != VenueStatus.APPROVED:
        raise ValidationError(_("Địa điểm này chưa được duyệt."), code="not_approved")
    if not persons:
        raise _error("persons", _("Chọn ít nhất một người."), "required")
    now = now or timezone.now()
    rules = venue_rules(venue.ward)
    merge_from = now - datetime.timedelta(minutes=rules["merge_minutes"])
    open_from = now - datetime.timedelta(hours=rules["open_checkin_hours"])
    # One person's check-ins are changed by one request at a time.
    Person.objects.select_for_update().filter(pk__in=[p.pk for p in persons]).order_by("pk").first()
    recorded = []
    for person in persons:
        recent = (
            CheckIn.objects.filter(
                person=person,
                venue=venue,
                checked_in_at__gte=merge_from,
                checked_out_at__isnull=True,
            )
            .order_by("-checked_in_at")
            .first()
        )
        if recent is not None:
            recorded.append(recent)
            continue
        CheckIn.objects.filter(
            person=person, checked_out_at__isnull=True, checked_in_at__gte=open_from
        ).exclude(venue=venue).update(checked_out_at=now)
        checkin = CheckIn(person=person, venue=venue, checked_in_at=now, declared_by=account)
        checkin.save()
        recorded.append(checkin)
    return recorded


@transaction.atomic
def checkouts_record(
    *, venue: Venue, persons: list[Person], now: datetime.datetime | None = None
) -> int:
    """Check out each person's open check-in at `venue`; the number checked out."""
    now = now or timezone.now()
    open_from = now - datetime.timedelta(hours=venue_rules(venue.ward)["open_checkin_hours"])
    return CheckIn.objects.filter(
        person__in=persons, venue=venue, checked_out_at__isnull=True, checked_in_at__gte=open_from
    ).update(checked_out_at=now)


def checkins_delete_expired(*, now: datetime.datetime | None = None, batch: int = 10_000) -> int:
    """Delete the check-ins older than the retention rule of their venue's province, in
    batches so a large backlog never holds one long lock. Idempotent: nothing else is
    touched, and a second run finds nothing to delete."""
    now = now or timezone.now()
    deleted = 0
    for province in Area.objects.filter(level=AreaLevel.PROVINCE).only("pk", "code", "path"):
        cutoff = now - datetime.timedelta(days=venue_rules(province)["retention_days"])
        old = CheckIn.objects.filter(
            checked_in_at__lt=cutoff, venue__ward__path__startswith=province.path
        )
        while True:
            ids = list(old.order_by("checked_in_at").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            deleted += CheckIn.objects.filter(pk__in=ids).delete()[0]
    return deleted
