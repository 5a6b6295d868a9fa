"""Reads of venues and check-ins: a manager's own venues, the venue a poster's code
names, and who of an account's persons is in at a venue now."""

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from khaibao.accounts.models import User
from khaibao.people.models import Person
from khaibao.trust.services import Verification, qr_verify

from .models import CheckIn, Venue, VenueStatus
from .rules import venue_rules
from .services import VENUE_QR_KIND

VENUE_CODE_KIND = f"KB1:{VENUE_QR_KIND}"


def venues_for_manager(manager: User) -> QuerySet[Venue]:
    return Venue.objects.filter(manager=manager).select_related("area__parent", "ward__parent")


def venue_for_manager_or_404(manager: User, public_id) -> Venue:
    """The manager's own venue; anyone else's is a 404, like one that does not exist."""
    return get_object_or_404(venues_for_manager(manager), public_id=public_id)


@dataclass(frozen=True)
class VenueCode:
    """What a poster's code turned out to be. `problem` is None when the code is a
    genuine, current code of an approved venue (then `venue` is set)."""

    verification: Verification | None
    venue: Venue | None = None
    #: "missing", "invalid" (see verification.status), "not_venue", "unknown",
    #: "not_approved", or None.
    problem: str | None = None


def venue_from_code(text: str) -> VenueCode:
    """The approved venue a poster's KB1 code names. Never raises for any text."""
    text = (text or "").strip()
    if not text:
        return VenueCode(None, problem="missing")
    verification = qr_verify(text)
    if not verification.is_valid:
        return VenueCode(verification, problem="invalid")
    if verification.kind != VENUE_CODE_KIND:
        return VenueCode(verification, problem="not_venue")
    try:
        public_id = uuid.UUID(str(verification.claims.get("subject_id", "")))
    except ValueError:
        return VenueCode(verification, problem="unknown")
    venue = Venue.objects.select_related("ward").filter(public_id=public_id).first()
    if venue is None:
        return VenueCode(verification, problem="unknown")
    if venue.status != VenueStatus.APPROVED:
        return VenueCode(verification, venue, problem="not_approved")
    if verification.claims.get("cert_id") != venue.qr_cert_id:
        # A poster from before the venue's code was issued again: genuine, no longer its.
        return VenueCode(verification, venue, problem="invalid")
    return VenueCode(verification, venue)


def open_checkins(
    venue: Venue, persons: list[Person], now: datetime.datetime | None = None
) -> dict[int, CheckIn]:
    """Person id → the person's check-in at `venue` not yet checked out (and not older
    than the rule's hours, after which it counts as ended). One query on the person
    index (checkin_person_time_idx)."""
    now = now or timezone.now()
    open_from = now - datetime.timedelta(hours=venue_rules(venue.ward)["open_checkin_hours"])
    rows = CheckIn.objects.filter(
        person__in=persons, venue=venue, checked_out_at__isnull=True, checked_in_at__gte=open_from
    ).order_by("person_id", "-checked_in_at")
    found: dict[int, CheckIn] = {}
    for row in rows:
        found.setdefault(row.person_id, row)
    return found
