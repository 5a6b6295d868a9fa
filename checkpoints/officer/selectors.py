"""What a checkpoint officer may read: the person a look-up names, and that person's three
groups (seed 003 §IV) from the records of the officer's province only.

A look-up is one statement (the person and the three groups), each group read down an
index that starts with the person, so it costs the same, whatever the tables hold.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khaibao.areas.models import Area
from khaibao.lib.sql import db_value, fetch_rows
from khaibao.people.models import Person

from ..declaring.models import EntryDeclaration, HealthDeclaration
from ..quarantine.policy import Measure
from ..venues.models import CheckIn, Venue, VenueStatus
from .models import CheckpointCheck

GREEN, YELLOW, RED = "green", "yellow", "red"
#: An ID number made of one repeated digit ("000000000") is a placeholder, never a match.
PLACEHOLDER_DIGITS = frozenset("0123456789")
#: More persons than this with one ID number is a data problem, not a choice to offer.
MAX_MATCHES = 10
MAX_VENUES = 20
MAX_VENUE_CHECKINS = 200
QUARANTINE_MEASURES = frozenset({Measure.HOME_QUARANTINE, Measure.CENTRAL_QUARANTINE})
WATCH_MEASURES = frozenset({Measure.TEST_ON_ARRIVAL, Measure.SELF_MONITOR})
MEASURE_LABELS = dict(Measure.choices)


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

    @property
    def groups(self) -> tuple[tuple[str, str, Group], ...]:
        """(name, title, group) of the three, in the seed's order."""
        return (
            ("checkin", _("Quét QR điểm đến"), self.checkin),
            ("health", _("Khai báo y tế trong tỉnh"), self.health),
            ("entry", _("Khai báo vào tỉnh"), self.entry),
        )


def officer_province(user) -> Area | None:
    """The province an officer works in (their staff area, loaded with the account by
    khaibao.accounts.backends), None without one."""
    profile = getattr(user, "staff_profile", None)
    return profile.area if profile is not None else None


def is_placeholder_id(id_number: str) -> bool:
    return not id_number or (len(set(id_number)) == 1 and id_number[0] in PLACEHOLDER_DIGITS)


#: One statement for a whole look-up: the persons a query names (at most MAX_MATCHES,
#: by birth date) and, for each, the three groups from the records of one province.
#: Each group is a correlated subquery that reads one row down an index starting with
#: the person (its last check-in, health declaration, entry declaration in the
#: province); the outer joins then fetch what the groups show. Plain SQL that SQLite
#: (`make run`) runs as well as PostgreSQL. The ORM would build four statements and
#: compile them on every look-up: on the portal's hottest read that cost more than the
#: database did (README, "Benchmarks").
_LOOKUP_SQL = """
SELECT x.id, x.public_id, x.full_name, x.date_of_birth,
       ci.checked_in_at, v.name, x.health_at,
       e.arrival_on, e.policy_measure, e.policy_text, e.policy_ends_on,
       e.origin_village_text, o1.name, o2.name, o3.name, o4.name
FROM (
    SELECT p.id, p.public_id, p.full_name, p.date_of_birth,
        (SELECT c.id FROM checkpoints_checkin c
         JOIN checkpoints_venue cv ON cv.id = c.venue_id
         JOIN areas_area ca ON ca.id = cv.ward_id
         WHERE c.person_id = p.id AND ca.path LIKE %(path)s ESCAPE '\\'
         ORDER BY c.checked_in_at DESC LIMIT 1) AS checkin_id,
        (SELECT h.created_at FROM checkpoints_healthdeclaration h
         JOIN areas_area ha ON ha.id = h.area_id
         WHERE h.person_id = p.id AND ha.path LIKE %(path)s ESCAPE '\\'
         ORDER BY h.created_at DESC LIMIT 1) AS health_at,
        (SELECT d.id FROM checkpoints_entrydeclaration d
         JOIN areas_area da ON da.id = d.destination_area_id
         WHERE d.person_id = p.id AND da.path LIKE %(path)s ESCAPE '\\'
         ORDER BY d.created_at DESC LIMIT 1) AS entry_id
    FROM people_person p
    WHERE {where}
    ORDER BY p.date_of_birth, p.id
    LIMIT %(limit)s
) x
LEFT JOIN checkpoints_checkin ci ON ci.id = x.checkin_id
LEFT JOIN checkpoints_venue v ON v.id = ci.venue_id
LEFT JOIN checkpoints_entrydeclaration e ON e.id = x.entry_id
LEFT JOIN areas_area o1 ON o1.id = e.origin_area_id
LEFT JOIN areas_area o2 ON o2.id = o1.parent_id
LEFT JOIN areas_area o3 ON o3.id = o2.parent_id
LEFT JOIN areas_area o4 ON o4.id = o3.parent_id
ORDER BY x.date_of_birth, x.id
"""
_BY_ID_NUMBER = _LOOKUP_SQL.format(where="p.id_number = %(value)s")
_BY_PUBLIC_ID = _LOOKUP_SQL.format(where="p.public_id = %(value)s")
_CHOSEN_BY_ID_NUMBER = _LOOKUP_SQL.format(
    where="p.id_number = %(value)s AND p.public_id = %(chosen)s"
)
_BY_DECLARATION = {
    kind: _LOOKUP_SQL.format(
        where=f"p.id IN (SELECT person_id FROM {model._meta.db_table} WHERE public_id = %(value)s)"
    )
    for kind, model in (("health", HealthDeclaration), ("entry", EntryDeclaration))
}
_PERSON_FIELDS = ["id", "public_id", "full_name", "date_of_birth"]


def _field(model, name):
    return model._meta.get_field(name)


#: The model field of each column the statement returns, in order.
_COLUMNS = (
    *(_field(Person, name) for name in _PERSON_FIELDS),
    _field(CheckIn, "checked_in_at"),
    _field(Venue, "name"),
    _field(HealthDeclaration, "created_at"),
    *(
        _field(EntryDeclaration, name)
        for name in (
            "arrival_on",
            "policy_measure",
            "policy_text",
            "policy_ends_on",
            "origin_village_text",
        )
    ),
    *(_field(Area, "name"),) * 4,
)
_PUBLIC_ID = _field(Person, "public_id")


@dataclass(frozen=True)
class Found:
    """A person a look-up named, with the three groups of the officer's province."""

    person: Person
    summary: Summary


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _found(sql: str, params: dict, province: Area, rules) -> list[Found]:
    # LIKE's own wildcards in a path (digits and "/") cannot occur, but are escaped anyway.
    prefix = province.path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = fetch_rows(sql, {"path": prefix + "%", "limit": MAX_MATCHES, **params}, _COLUMNS)
    now = timezone.now()
    today = timezone.localdate(now)
    found = []
    for row in rows:
        person = Person.from_db(connection.alias, _PERSON_FIELDS, row[:4])
        checkin_at, venue_name, health_at = row[4], row[5], row[6]
        entry = None
        if row[7] is not None:
            entry = EntryFacts(*row[7:12], origins=tuple(name for name in row[12:16] if name))
        summary = Summary(
            checkin=_checkin_group(checkin_at, venue_name, now=now, rules=rules),
            health=_health_group(health_at, now=now, rules=rules),
            entry=_entry_group(entry, today=today, rules=rules),
            has_data=checkin_at is not None or health_at is not None or entry is not None,
        )
        found.append(Found(person, summary))
    return found


def found_by_id_number(id_number: str, *, province: Area, rules, chosen=None) -> list[Found]:
    """The persons whose document number is `id_number` (any document type), at most
    MAX_MATCHES, oldest first, with their groups in `province`; `chosen` (a public id)
    keeps only that one. None for an empty or placeholder number."""
    if is_placeholder_id(id_number):
        return []
    if chosen is None:
        return _found(_BY_ID_NUMBER, {"value": id_number}, province, rules)
    key = _uuid(chosen)
    if key is None:
        return []
    params = {"value": id_number, "chosen": db_value(_PUBLIC_ID, key)}
    return _found(_CHOSEN_BY_ID_NUMBER, params, province, rules)


def found_by_public_id(public_id, *, province: Area, rules) -> Found | None:
    """The person with this public id (a My QR's subject), with their groups."""
    key = _uuid(public_id)
    if key is None:
        return None
    found = _found(_BY_PUBLIC_ID, {"value": db_value(_PUBLIC_ID, key)}, province, rules)
    return found[0] if found else None


def found_by_declaration(
    public_id, declaration_type: str, *, province: Area, rules
) -> Found | None:
    """The person of a declaration QR's subject: "health" or "entry" (claim "t")."""
    key = _uuid(public_id)
    sql = _BY_DECLARATION.get(declaration_type)
    if key is None or sql is None:
        return None
    found = _found(sql, {"value": db_value(_PUBLIC_ID, key)}, province, rules)
    return found[0] if found else None


def person_by_public_id(public_id: str) -> Person | None:
    key = _uuid(public_id)
    if key is None:
        return None
    return (
        Person.objects.filter(public_id=key).only("public_id", "full_name", "date_of_birth").first()
    )


def checkpoint_checked_since(officer, person: Person, moment: datetime.datetime) -> bool:
    """Whether `officer` recorded "đã kiểm tra" for `person` at or after `moment`."""
    return CheckpointCheck.objects.filter(
        officer=officer, person=person, checked_at__gte=moment
    ).exists()


def _moment(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%H:%M %d/%m/%Y")


def _day(value: datetime.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _checkin_group(checked_in_at, venue_name: str, *, now, rules) -> Group:
    if checked_in_at is None:
        return Group(RED, _("Không có"), note=_("Chưa quét QR địa điểm nào trong tỉnh."))
    rows = ((_("Địa điểm"), venue_name), (_("Lúc"), _moment(checked_in_at)))
    recent = now - checked_in_at <= datetime.timedelta(hours=rules["recent_checkin_hours"])
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


@dataclass(frozen=True)
class EntryFacts:
    """What the third group shows of a person's last entry declaration into the province."""

    arrival_on: datetime.date
    policy_measure: str
    policy_text: str
    policy_ends_on: datetime.date | None
    origin_village_text: str
    #: The origin's names, ward first (as EntryDeclaration.origin_text says them).
    origins: tuple[str, ...] = ()

    @property
    def origin_text(self) -> str:
        village = (self.origin_village_text,) if self.origin_village_text else ()
        return ", ".join(village + self.origins)


def _entry_group(declaration: EntryFacts | None, *, today, rules) -> Group:
    if declaration is None:
        return Group(RED, _("Chưa khai báo"), note=_("Không có khai báo vào tỉnh."))
    rows = [
        (_("Nơi đi"), declaration.origin_text),
        (_("Ngày đến"), _day(declaration.arrival_on)),
        (_("Biện pháp"), MEASURE_LABELS.get(declaration.policy_measure, "")),
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
