"""benchgen: the units and their staff, the persons, and the citizens' phone accounts.

Per ward: a health station and a vaccination unit, each with one staff account; per
province: two labs (each with a staff account and an API key), a treatment facility and
a province admin. Usernames name the place: tyt-<ward code>, tiemchung-<ward code>,
xetnghiem-<province code>-<n>, dieutri-<province code>, soyte-<province code>; all have
the password STAFF_PASSWORD and belong to their role's group, as staff_create() leaves
them.
"""

import datetime
import hashlib

from benchgen_base import (
    DAY,
    NULL,
    World,
    copy_rows,
    day_of,
    hex_digits,
    id_number_of,
    phone_of,
    rng_for,
    uuid4,
)

STAFF_PASSWORD = "Benchgen-staff-2026"
SURNAMES = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương".split()
MIDDLES = {"M": "Văn Hữu Minh Quốc Gia Đức".split(), "F": "Thị Ngọc Thanh Thu Minh Mỹ".split()}
GIVENS = (
    "An Bình Cúc Dũng Giang Hà Hải Hạnh Hiếu Hoa Hùng Hương Khang Lan Linh Long Mai Nam "
    "Nga Ngân Phong Phúc Quân Sơn Tâm Thảo Trang Trung Tuấn Yến"
).split()
STREETS = (
    "Lê Lợi",
    "Nguyễn Huệ",
    "Trần Hưng Đạo",
    "Hai Bà Trưng",
    "Lý Thường Kiệt",
    "Điện Biên Phủ",
    "Võ Văn Tần",
    "Cách Mạng Tháng Tám",
    "Nguyễn Trãi",
    "Phan Đình Phùng",
)
BORN_FROM = datetime.date(1940, 1, 1)
BORN_DAYS = 29_000  # to mid-2019
CREATED_FROM = datetime.datetime(2021, 6, 1, tzinfo=datetime.UTC)
USER_COLUMNS = [
    "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name",
    "email", "is_staff", "is_active", "date_joined", "full_name", "phone",
]  # fmt: skip


def street_of(person_id: int) -> str:
    return f"Số {person_id % 297 + 1} {STREETS[person_id // 297 % len(STREETS)]}"


def _unusable_password(rng) -> str:
    # As set_unusable_password() leaves it: "!" and 40 random characters.
    return "!" + hex_digits(rng, 40)


# -- units and staff ----------------------------------------------------------------------


def staff_copy(world: World, *, first_user: int) -> None:
    """The units, their staff accounts with profiles and role groups, and the labs'
    API keys. Fills world.staff."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from declarations.labresults.models import LabToken
    from khaibao.accounts.models import StaffProfile, Unit, User
    from khaibao.accounts.roles import Role, group_name
    from khaibao.accounts.services import role_groups_sync
    from khaibao.areas.models import Area, AreaLevel
    from vaccination.models import WardDefaultUnit

    rng, staff, clock = rng_for(world.seed, "staff"), world.staff, world.clock
    if not Group.objects.filter(name=group_name(Role.WARD_STATION)).exists():
        role_groups_sync()
    groups = dict(Group.objects.values_list("name", "pk"))
    password = make_password(STAFF_PASSWORD)  # once: hashing is slow on purpose
    joined = clock.text(int(CREATED_FROM.timestamp()))
    units, users, profiles, memberships, defaults = [], [], [], [], []
    next_user = first_user

    def unit(role, code, name, area) -> int:
        pk = len(units) + 1
        units.append((str(pk), role, code, name, f"+8428{pk:08d}", "t", str(area)))
        return pk

    def user(username, role, area, unit_pk, unit_name) -> int:
        nonlocal next_user
        pk, next_user = next_user, next_user + 1
        users.append(
            (str(pk), password, NULL, "f", username, "", "", "", "t", "t", joined)
            + (f"Cán bộ {unit_name}", NULL)
        )
        unit_column = NULL if unit_pk is None else str(unit_pk)
        profiles.append(
            (str(len(profiles) + 1), role, unit_name, str(area), NULL, str(pk), unit_column)
        )
        memberships.append((str(len(memberships) + 1), str(pk), str(groups[group_name(role)])))
        return pk

    for ward in world.wards:
        name = f"Trạm Y tế {ward.name}"
        station = unit(Role.WARD_STATION, f"TYT-{ward.code}", name, ward.pk)
        staff.station_unit[ward.pk] = station
        staff.station_user[ward.pk] = user(
            f"tyt-{ward.code}", Role.WARD_STATION, ward.pk, station, name
        )
        name = f"Điểm tiêm chủng {ward.name}"
        point = unit(Role.VACCINATION_UNIT, f"TC-{ward.code}", name, ward.pk)
        staff.vaccination_unit[ward.pk] = point
        staff.vaccination_user[point] = user(
            f"tiemchung-{ward.code}", Role.VACCINATION_UNIT, ward.pk, point, name
        )
        defaults.append((str(len(defaults) + 1), str(point), str(ward.pk)))
    tokens = []
    for province in Area.objects.filter(level=AreaLevel.PROVINCE).order_by("pk"):
        labs = staff.labs[province.pk] = []
        for number in (1, 2):
            code, name = (
                f"XN-{province.code}-{number}",
                f"Phòng xét nghiệm số {number} {province.name}",
            )
            lab = unit(Role.LAB, code, name, province.pk)
            labs.append(lab)
            staff.lab_code[lab], staff.lab_name[lab] = code, name
            staff.lab_user[lab] = user(
                f"xetnghiem-{province.code}-{number}", Role.LAB, province.pk, lab, name
            )
            secret = "kbl_" + hex_digits(rng, 43)
            tokens.append(
                (str(len(tokens) + 1), "Máy chủ LIS", secret[:10])
                + (hashlib.sha256(secret.encode()).hexdigest(), joined)
                + (clock.text(clock.now - rng.randrange(DAY)), NULL, str(staff.lab_user[lab]))
                + (str(lab), NULL)
            )
            staff.lab_token[lab] = len(tokens)
        name = f"Bệnh viện dã chiến {province.name}"
        facility = unit(Role.TREATMENT_FACILITY, f"DT-{province.code}", name, province.pk)
        staff.facility[province.pk] = facility
        user(f"dieutri-{province.code}", Role.TREATMENT_FACILITY, province.pk, facility, name)
        name = f"Sở Y tế {province.name}"
        user(f"soyte-{province.code}", Role.PROVINCE_ADMIN, province.pk, None, name)
    staff.next_user = next_user
    copy_rows(Unit, ["id", "role", "code", "name", "phone", "is_active", "area_id"], units)
    copy_rows(User, USER_COLUMNS, users, freeze=False)  # it holds the manager
    copy_rows(
        StaffProfile,
        ["id", "role", "unit_name", "area_id", "created_by_id", "user_id", "unit_id"],
        profiles,
    )
    copy_rows(User.groups.through, ["id", "user_id", "group_id"], memberships)
    copy_rows(WardDefaultUnit, ["id", "unit_id", "ward_id"], defaults)
    copy_rows(
        LabToken,
        ["id", "name", "prefix", "digest", "created_at", "last_used_at", "revoked_at"]
        + ["created_by_id", "lab_id", "revoked_by_id"],
        tokens,
    )
    world.counts.update(units=len(units), staff=len(users))


# -- persons ------------------------------------------------------------------------------


def _persons(world: World, count: int, share: float):
    from khaibao.lib.normalize import name_key

    rng, clock = rng_for(world.seed, "persons"), world.clock
    keys: dict[str, str] = {}
    names: dict[str, str] = {}
    first_born = day_of(BORN_FROM)
    created_from = int(CREATED_FROM.timestamp())
    local, outside = world.local_wards, world.outside_wards or world.local_wards
    r = rng.random
    for pk in range(1, count + 1):
        sex = "M" if r() < 0.5 else "F"
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLES[sex])} {rng.choice(GIVENS)}"
        name = names.setdefault(name, name)  # one string per name: a million references
        key = keys.get(name) or keys.setdefault(name, name_key(name))
        born = first_born + int(r() * BORN_DAYS)
        ward = rng.choice(local) if r() < share else rng.choice(outside)
        world.person_ward.append(ward)
        world.person_born.append(born)
        world.person_sex.append(ord(sex))
        world.person_name.append(name)
        created = clock.text(created_from + int(r() * 30 * DAY))
        yield (
            f"{pk}\t{uuid4(rng)}\t{name}\t{key}\t{clock.date(born)}\t{sex}\tcccd\t"
            f"{id_number_of(pk)}\tVN\t{phone_of(pk)}\t\t{ward}\t{street_of(pk)}\t"
            f"{created}\t{created}\n"
        )


def persons_copy(world: World, *, count: int, share: float) -> None:
    """`count` persons, `share` of them living in the benchmark province's wards and the
    others spread over the other wards, with a CCCD number and a mobile number each."""
    from benchgen_base import copy_lines

    from khaibao.people.models import Person

    if count >= 10**7:
        raise ValueError("benchgen: persons must be fewer than 10 million (phone_of)")
    world.persons = count
    for column in (world.person_ward, world.person_born):
        column.append(0)  # persons are numbered from 1
    world.person_sex.append(0)
    world.person_name.append("")
    columns = [
        "id", "public_id", "full_name", "name_key", "date_of_birth", "sex", "id_type",
        "id_number", "nationality", "phone", "health_insurance_number", "area_id",
        "street_address", "created_at", "updated_at",
    ]  # fmt: skip
    copy_lines(Person, columns, _persons(world, count, share))
    world.counts["persons"] = count


# -- citizens' accounts -------------------------------------------------------------------


class Accounts:
    """The phone accounts the cases need: a person of 15 or more files for themself; a
    younger one is filed for by a parent's account (relationship "child")."""

    ADULT = 15

    def __init__(self, world: World):
        self.world = world
        self.rng = rng_for(world.seed, "accounts")
        self.first = world.staff.next_user
        self.holder: dict[int, int] = {}  # person → account
        self.parent: dict[int, int] = {}  # child → parent person
        self.children: list[tuple[int, int]] = []  # (account, child)

    def _own(self, person: int) -> int:
        account = self.holder.get(person)
        if account is None:
            account = self.holder[person] = self.first + len(self.holder)
        return account

    def filer(self, person: int) -> tuple[int, str, int]:
        """(account, relationship, the person whose phone it is) for one of `person`'s
        declarations."""
        world = self.world
        if world.age(person, world.clock.today) >= self.ADULT:
            return self._own(person), "self", person
        parent = self.parent.get(person)
        if parent is None:
            parent = self.rng.randint(1, world.persons)
            while world.age(parent, world.clock.today) < 22:
                parent = self.rng.randint(1, world.persons)
            self.parent[person] = parent
            self.children.append((self._own(parent), person))
        return self._own(parent), "child", parent

    def copy(self) -> None:
        from khaibao.accounts.models import User
        from khaibao.people.models import ManagedPerson

        clock, rng = self.world.clock, self.rng
        # Every account is older than the oldest case (90 days) it files.
        joined = {
            account: clock.text(clock.now - 120 * DAY - rng.randrange(200 * DAY))
            for account in self.holder.values()
        }
        users = (
            (str(account), _unusable_password(rng), clock.text(clock.now - rng.randrange(9 * DAY)))
            + ("f", phone_of(person), "", "", "", "f", "t", joined[account], "", phone_of(person))
            for person, account in sorted(self.holder.items(), key=lambda item: item[1])
        )
        copy_rows(User, USER_COLUMNS, users, freeze=False)  # it holds the manager
        links = [(account, person, "self") for person, account in self.holder.items()]
        links += [(account, child, "child") for account, child in self.children]
        links.sort()
        copy_rows(
            ManagedPerson,
            ["id", "relationship", "created_at", "account_id", "person_id"],
            (
                (str(pk), relationship, joined[account], str(account), str(person))
                for pk, (account, person, relationship) in enumerate(links, start=1)
            ),
        )
        self.world.staff.next_user = self.first + len(self.holder)
        self.world.counts.update(accounts=len(self.holder), managed_persons=len(links))
