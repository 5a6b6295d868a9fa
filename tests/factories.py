"""Small factories for test data. Areas mimic the official tree with made-up codes."""

import datetime
import itertools

from khaibao.accounts.models import User
from khaibao.accounts.roles import Role
from khaibao.accounts.services import staff_create
from khaibao.areas.models import Area, AreaLevel, build_path
from khaibao.lib.normalize import name_key
from khaibao.people.ids import IdType, Sex
from khaibao.people.models import Person, Relationship
from khaibao.people.services import person_create, person_link_to_account

_sequence = itertools.count(1)


def make_area(
    *, code: str, name: str, level: str, parent: Area | None = None, division_type: str = ""
) -> Area:
    default_type = {
        AreaLevel.PROVINCE: "tỉnh",
        AreaLevel.WARD: "phường",
        AreaLevel.VILLAGE: "tổ dân phố",
        AreaLevel.POINT: "điểm",
    }
    return Area.objects.create(
        code=code,
        name=name,
        name_key=name_key(name),
        level=level,
        parent=parent,
        division_type=division_type or default_type[level],
        path=build_path(parent=parent, code=code),
    )


def cccd_for(date_of_birth: datetime.date, sex: str, province: str = "079") -> str:
    """A CCCD number consistent with the birth date and sex (random tail)."""
    century_sex = (date_of_birth.year // 100 - 19) * 2 + (1 if sex == Sex.FEMALE else 0)
    return f"{province}{century_sex}{date_of_birth.year % 100:02d}{next(_sequence):06d}"


def make_person(
    *,
    area: Area,
    full_name: str = "Nguyễn Văn An",
    date_of_birth=datetime.date(1990, 5, 17),
    sex: str = Sex.MALE,
    phone: str = "",
    id_type: str = IdType.CCCD,
    id_number: str | None = None,
) -> Person:
    if id_number is None:
        id_number = cccd_for(date_of_birth, sex) if id_type == IdType.CCCD else ""
    return person_create(
        full_name=full_name,
        date_of_birth=date_of_birth,
        sex=sex,
        id_type=id_type,
        id_number=id_number,
        phone=phone,
        area=area,
        street_address="12 Lê Lợi",
    )


def make_citizen(*, phone: str, person: Person | None = None) -> User:
    user = User.objects.create(username=phone, phone=phone)
    user.set_unusable_password()
    user.save()
    if person is not None:
        person_link_to_account(account=user, person=person, relationship=Relationship.SELF)
    return user


def make_staff(
    *, username: str, role: str, area: Area, by: User, password: str = "Mat-khau-kiem-thu-2026"
) -> User:
    return staff_create(
        by=by,
        username=username,
        password=password,
        full_name=username.title(),
        role=role,
        area=area,
    )


__all__ = [
    "make_area",
    "make_person",
    "make_citizen",
    "make_staff",
    "cccd_for",
    "Role",
    "AreaLevel",
]


def error_codes(error) -> dict[str, list[str]] | list[str]:
    """The codes of a ValidationError: {field: [code, …]} for a dict of errors, else
    [code, …]. Tests compare them, so a refusal for the wrong reason fails."""
    if hasattr(error, "error_dict"):
        return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}
    return [e.code for e in error.error_list]
