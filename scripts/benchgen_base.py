"""What the benchgen modules share: the COPY writer, times as whole seconds, seeded
random streams, and the World every step reads (areas, persons, staff, rule versions).

Times are whole seconds since the epoch (UTC) and dates are day numbers (days since
1970-01-01) until they are written: integer arithmetic is what keeps ten million rows
fast. Local dates use the portal's zone as a fixed offset (Vietnam has no summer time).
"""

import datetime
import random
from array import array
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from khaibao.people.ids import age_on

CHUNK = 50_000
NULL = "\\N"
DAY = 86_400
HOUR = 3_600
MINUTE = 60
EPOCH = datetime.date(1970, 1, 1)
EPOCH_ORDINAL = EPOCH.toordinal()


def rng_for(seed: int, step: str) -> random.Random:
    """One random stream per step: a step's size never shifts another step's rows."""
    return random.Random(f"benchgen:{seed}:{step}")


def uuid4(rng: random.Random) -> str:
    """str(uuid.UUID(int=rng.getrandbits(128), version=4)), three times faster."""
    h = f"{rng.getrandbits(128) & _UUID_KEEP | _UUID_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_UUID_KEEP = ~(0xF000 << 64 | 0xC000 << 48) & (1 << 128) - 1
_UUID_SET = 4 << 76 | 0x8000 << 48


def hex_digits(rng: random.Random, count: int) -> str:
    return f"{rng.getrandbits(4 * count):0{count}x}"


class UvciMaker:
    """Fresh UVCIs as khaibao.trust.hcert.uvci_new() makes them (24 random Crockford
    characters and the Luhn mod N check character), from a seeded stream: the constant
    prefix's share of the checksum is summed once."""

    CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

    def __init__(self, rng: random.Random):
        from django.conf import settings

        from khaibao.trust.hcert import UVCI_CHECKSUM_ALPHABET, UVCI_PREFIX

        self.rng, self.prefix = rng, f"{UVCI_PREFIX}{settings.QR_ISSUER}:"
        alphabet = self.alphabet = UVCI_CHECKSUM_ALPHABET
        base = len(alphabet)

        def share(factor: int, character: str) -> int:
            addend = factor * alphabet.index(character)
            return addend // base + addend % base

        # Read from the right, the factors alternate 2, 1, 2, ...: 24 random characters,
        # then the prefix, whose factors therefore never change.
        self.shares = [
            {c: share(2 if i % 2 == 0 else 1, c) for c in self.CROCKFORD} for i in range(24)
        ]
        self.prefix_share = sum(
            share(2 if (24 + i) % 2 == 0 else 1, c) for i, c in enumerate(reversed(self.prefix))
        )

    def __call__(self) -> str:
        bits, crockford, shares = self.rng.getrandbits(120), self.CROCKFORD, self.shares
        characters = [crockford[bits >> (5 * i) & 31] for i in range(24)]
        # characters[0] is the rightmost one.
        total = self.prefix_share + sum(shares[i][c] for i, c in enumerate(characters))
        base = len(self.alphabet)
        check = self.alphabet[(base - total % base) % base]
        return f"{self.prefix}{''.join(reversed(characters))}#{check}"


def copy_lines(model, columns: list[str], lines, *, freeze: bool = True) -> int:
    """COPY text lines (tab-separated, in `columns` order) into `model`'s table. Every
    column the table has must be given (the migrations set no database defaults).

    With `freeze` (the table must be empty, and no foreign key may point at it) the
    table is truncated and filled in one transaction, COPY FREEZE: the rows are stored
    frozen and all-visible, so VACUUM need not rewrite every page afterwards. A writer
    thread sends each batch while the next one is made (the server and this process
    each have a core)."""
    from django.db import transaction
    from psycopg.copy import QueuedLibpqWriter

    missing = {f.column for f in model._meta.concrete_fields if not f.primary_key} - set(columns)
    if missing:
        raise SystemExit(f"benchgen: no value for {model._meta.db_table}.{sorted(missing)}")
    table, count = model._meta.db_table, 0
    with transaction.atomic(), connection.cursor() as cursor:
        if freeze:
            cursor.execute(f"TRUNCATE {table}")
        raw = cursor.cursor  # psycopg's own cursor, for copy()
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with raw.copy(
            statement + (" WITH (FREEZE)" if freeze else ""), writer=QueuedLibpqWriter(raw)
        ) as copy:
            batch = []
            for line in lines:
                batch.append(line)
                if len(batch) == CHUNK:
                    copy.write("".join(batch))
                    count += len(batch)
                    batch.clear()
            copy.write("".join(batch))
            count += len(batch)
        if "id" in columns:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"coalesce(max(id), 1), max(id) IS NOT NULL) FROM {table}"
            )
    return count


def copy_rows(model, columns: list[str], rows, *, freeze: bool = True) -> int:
    """copy_lines() for rows given as tuples of str (NULL for NULL)."""
    return copy_lines(model, columns, ("\t".join(row) + "\n" for row in rows), freeze=freeze)


class Clock:
    """`now` and the text COPY reads for a time or a date."""

    def __init__(self, now: datetime.datetime):
        self.now = int(now.timestamp())
        self.offset = int(timezone.localtime(now).utcoffset().total_seconds())
        self.today = self.local_day(self.now)
        self._days: dict[int, str] = {}
        self._hours: dict[int, str] = {}

    def date(self, day: int) -> str:
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = (EPOCH + datetime.timedelta(days=day)).isoformat()
        return text

    def text(self, t: int) -> str:
        hour = t // HOUR
        prefix = self._hours.get(hour)
        if prefix is None:
            day, hours = divmod(hour, 24)
            prefix = self._hours[hour] = f"{self.date(day)} {hours:02d}:"
        return prefix + _MINUTES_SECONDS[t % HOUR]

    def text_or_null(self, t: int | None) -> str:
        return NULL if t is None else self.text(t)

    def local_day(self, t: int) -> int:
        return (t + self.offset) // DAY

    def at(self, day: int, seconds: int) -> int:
        """The moment `seconds` after local midnight of `day`."""
        return day * DAY + seconds - self.offset


_MINUTES_SECONDS = [f"{m:02d}:{s:02d}+00" for m in range(60) for s in range(60)]


def day_of(date: datetime.date) -> int:
    return (date - EPOCH).days


def date_of(day: int) -> datetime.date:
    return datetime.date.fromordinal(EPOCH_ORDINAL + day)


def id_number_of(person_id: int) -> str:
    """A 12-digit number, different for each id (multiplying by an odd number not
    divisible by 5 is a bijection modulo 10¹²)."""
    return f"{person_id * 982_451_653 % 10**12:012d}"


def phone_of(person_id: int) -> str:
    """A mobile number, different for each id below 10⁷ (the same bijection, modulo
    10⁷); "+8498…" never meets the venues' manager's "+8491…"."""
    return f"+8498{person_id * 3_162_277 % 10**7:07d}"


@dataclass(frozen=True)
class Ward:
    pk: int
    code: str
    name: str
    province: int  # the province's pk


@dataclass
class Staff:
    """The units and staff accounts of the areas, by ward and province pk."""

    station_unit: dict[int, int] = field(default_factory=dict)  # ward → unit
    station_user: dict[int, int] = field(default_factory=dict)  # ward → user
    vaccination_unit: dict[int, int] = field(default_factory=dict)  # ward → unit
    vaccination_user: dict[int, int] = field(default_factory=dict)  # unit → user
    labs: dict[int, list[int]] = field(default_factory=dict)  # province → units
    lab_user: dict[int, int] = field(default_factory=dict)  # unit → user
    lab_token: dict[int, int] = field(default_factory=dict)  # unit → token
    lab_code: dict[int, str] = field(default_factory=dict)  # unit → code
    lab_name: dict[int, str] = field(default_factory=dict)  # unit → name
    facility: dict[int, int] = field(default_factory=dict)  # province → unit
    next_user: int = 0


@dataclass
class World:
    """What the steps share. Persons are 1..persons; their arrays are indexed by id."""

    seed: int
    clock: Clock
    province: int  # the benchmark province's pk
    wards: list[Ward]
    ward_by_pk: dict[int, Ward]
    local_wards: list[int]  # the benchmark province's wards
    outside_wards: list[int]
    province_wards: dict[int, list[int]]  # province pk → its wards
    rules: dict[str, int]  # rule kind → version id in force
    rule_values: dict[str, dict]
    manager: int  # the venues' manager, who files the health and entry declarations
    persons: int = 0
    person_ward: array = field(default_factory=lambda: array("l"))
    person_born: array = field(default_factory=lambda: array("l"))  # day numbers
    person_sex: bytearray = field(default_factory=bytearray)  # b"M" / b"F"
    person_name: list[str] = field(default_factory=list)
    # Filled by the vaccination step: what an F0 form's vaccination questions answer.
    dose_count: bytearray = field(default_factory=bytearray)
    last_dose_day: array = field(default_factory=lambda: array("l"))
    last_vaccine: bytearray = field(default_factory=bytearray)  # benchgen_vaccination.VACCINES
    staff: Staff = field(default_factory=Staff)
    counts: dict[str, int] = field(default_factory=dict)

    def age(self, person: int, day: int) -> int:
        """Whole years on local day `day`, as Person.age() counts them."""
        return age_on(date_of(self.person_born[person]), date_of(day))

    def province_of(self, ward: int) -> int:
        return self.ward_by_pk[ward].province
