"""What a checkpoint officer may read: the person a look-up names, and that person's three
groups (seed 003 §IV) from the records of the officer's province only.

Each read is one query on an index that starts with the person (or the venue), so a
look-up costs the same number of queries, and about the same time, whatever the tables
hold.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khaibao.accounts.scope import scope_for
from khaibao.areas.models import Area
from khaibao.people.models import Person

from ..declaring.models import EntryDeclaration, HealthDeclaration
from ..quarantine.policy import Measure
from ..venues.models import CheckIn, Venue, VenueStatus

GREEN, YELLOW, RED = "green", "yellow", "red"
#: An ID number made of one repeated digit ("000000000") is a placeholder, never a match.
PLACEHOLDER_DIGITS = frozenset("0123456789")
#: More persons than this with one ID number is a data problem, not a choice to offer.
MAX_MATCHES = 10
MAX_VENUES = 20
MAX_VENUE_CHECKINS = 200
QUARANTINE_MEASURES = frozenset({Measure.HOME_QUARANTINE, Measure.CENTRAL_QUARANTINE})
WATCH_MEASURES = frozenset({Measure.TEST_ON_ARRIVAL, Measure.SELF_MONITOR})


@dataclass(frozen=True)
class Group:
    """One of the three groups of an answer: a colour, the word said beside it, and the
    few facts the officer needs."""

    level: str
    word: str
    rows: tuple[tuple[str, str], ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Summary:
    checkin: Group
    health: Group
    entry: Group
    has_data: bool


def officer_province(user) -> Area | None:
    """The province an officer works in (their staff area), None without one."""
    return scope_for(user).area


def is_placeholder_id(id_number: str) -> bool:
    return not id_number or (len(set(id_number)) == 1 and id_number[0] in PLACEHOLDER_DIGITS)


def persons_with_id_number(id_number: str) -> list[Person]:
    """The persons whose document number is `id_number` (any document type), at most
    MAX_MATCHES; none for an empty or placeholder number."""
    if is_placeholder_id(id_number):
        return []
    return list(
        Person.objects.filter(id_number=id_number)
        .only("public_id", "full_name", "date_of_birth")
        .order_by("date_of_birth", "pk")[:MAX_MATCHES]
    )


def person_by_public_id(public_id: str) -> Person | None:
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return (
        Person.objects.filter(public_id=key).only("public_id", "full_name", "date_of_birth").first()
    )


def person_of_declaration(public_id: str, declaration_type: str) -> Person | None:
    """The person of a declaration QR's subject: "health" or "entry" (claim "t")."""
    model = {"health": HealthDeclaration, "entry": EntryDeclaration}.get(declaration_type)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        return None
    if model is None:
        return None
    return (
        Person.objects.filter(pk__in=model.objects.filter(public_id=key).values("person_id"))
        .only("public_id", "full_name", "date_of_birth")
        .first()
    )


def _moment(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%H:%M %d/%m/%Y")


def _day(value: datetime.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _checkin_group(checkin: CheckIn | None, *, now, rules) -> Group:
    if checkin is None:
        return Group(RED, _("Không có"), note=_("Chưa quét QR địa điểm nào trong tỉnh."))
    rows = ((_("Địa điểm"), checkin.venue.name), (_("Lúc"), _moment(checkin.checked_in_at)))
    recent = now - checkin.checked_in_at <= datetime.timedelta(hours=rules["recent_checkin_hours"])
    if recent:
        return Group(GREEN, _("Gần đây"), rows)
    return Group(YELLOW, _("Đã lâu"), rows)


def _health_group(declared_at: datetime.datetime | None, *, now, rules) -> Group:
    # Only the time: what was declared (symptoms, contacts) is not the officer's to read.
    if declared_at is None:
        return Group(RED, _("Chưa khai báo"), note=_("Không có khai báo y tế trong tỉnh."))
    rows = ((_("Khai báo lúc"), _moment(declared_at)),)
    limit = datetime.timedelta(days=rules["recent_health_declaration_days"])
    if now - declared_at <= limit:
        return Group(GREEN, _("Còn hạn"), rows)
    return Group(YELLOW, _("Quá hạn"), rows, _("Cần khai báo y tế lại."))


def _origin_text(declaration: EntryDeclaration) -> str:
    """EntryDeclaration.origin_text from the areas loaded with it (no query of its own)."""
    parts = [declaration.origin_village_text] if declaration.origin_village_text else []
    area = declaration.origin_area
    while area is not None:
        parts.append(area.name)
        area = area.parent
    return ", ".join(parts)


def _entry_group(declaration: EntryDeclaration | None, *, today, rules) -> Group:
    if declaration is None:
        return Group(RED, _("Chưa khai báo"), note=_("Không có khai báo vào tỉnh."))
    rows = [
        (_("Nơi đi"), _origin_text(declaration)),
        (_("Ngày đến"), _day(declaration.arrival_on)),
        (_("Biện pháp"), declaration.get_policy_measure_display()),
    ]
    if declaration.policy_ends_on:
        rows.append((_("Đến hết ngày"), _day(declaration.policy_ends_on)))
    rows = tuple(rows)
    note = declaration.policy_text
    if today - declaration.arrival_on > datetime.timedelta(days=rules["recent_entry_days"]):
        return Group(YELLOW, _("Khai báo cũ"), rows, _("Cần khai báo lại cho chuyến đi này."))
    running = declaration.policy_ends_on is None or declaration.policy_ends_on >= today
    if declaration.policy_measure in QUARANTINE_MEASURES and running:
        return Group(RED, _("Phải cách ly"), rows, note)
    if declaration.policy_measure in WATCH_MEASURES and running:
        return Group(YELLOW, _("Cần theo dõi"), rows, note)
    return Group(GREEN, _("Đã khai báo"), rows, note)


def person_checkpoint_summary(person: Person, *, province: Area, rules) -> Summary:
    """The three groups for `person`, from the records of `province` only: check-ins at
    its venues, health declarations filed in it, entry declarations into it.

    Three queries whatever the data, one per group.
    """
    now = timezone.now()
    checkin = (
        CheckIn.objects.filter(person=person, venue__ward__path__startswith=province.path)
        .select_related("venue")
        .only("checked_in_at", "venue__name")
        .order_by("-checked_in_at")
        .first()
    )
    health_at = (
        HealthDeclaration.objects.filter(person=person, area__path__startswith=province.path)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    entry = (
        EntryDeclaration.objects.filter(
            person=person, destination_area__path__startswith=province.path
        )
        # The origin's ward, province (and village) names in the same query.
        .select_related("origin_area__parent__parent__parent")
        .only(
            "origin_area__name",
            "origin_area__parent__name",
            "origin_area__parent__parent__name",
            "origin_area__parent__parent__parent__name",
            "origin_village_text",
            "arrival_on",
            "policy_measure",
            "policy_text",
            "policy_ends_on",
        )
        .order_by("-created_at")
        .first()
    )
    return Summary(
        checkin=_checkin_group(checkin, now=now, rules=rules),
        health=_health_group(health_at, now=now, rules=rules),
        entry=_entry_group(entry, today=timezone.localdate(now), rules=rules),
        has_data=any(item is not None for item in (checkin, health_at, entry)),
    )


def venues_for_officer(province: Area, name: str) -> QuerySet[Venue]:
    """Approved venues of the province whose name contains `name`."""
    return (
        Venue.objects.filter(
            ward__path__startswith=province.path,
            status=VenueStatus.APPROVED,
            name__icontains=name,
        )
        .select_related("ward")
        .order_by("name")[:MAX_VENUES]
    )


def venue_for_officer(province: Area, public_id) -> Venue | None:
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return (
        Venue.objects.filter(
            ward__path__startswith=province.path, status=VenueStatus.APPROVED, public_id=key
        )
        .select_related("ward")
        .first()
    )


def venue_checkins(
    venue: Venue, *, start: datetime.datetime, end: datetime.datetime
) -> QuerySet[CheckIn]:
    """The venue's check-ins that began in [start, end), oldest first (the venue, time
    index), with the person's name and birth date only."""
    return (
        CheckIn.objects.filter(venue=venue, checked_in_at__gte=start, checked_in_at__lt=end)
        .select_related("person")
        .only("checked_in_at", "checked_out_at", "person__full_name", "person__date_of_birth")
        .order_by("checked_in_at")[:MAX_VENUE_CHECKINS]
    )
