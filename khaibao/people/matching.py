"""Tolerant matching of an identity a citizen types against a stored person, for every
room that finds a record again from what people type (F0 isolation completion in
declarations/f0/completion_lookup.py), and the one rule by which a record that arrives
about someone (a lab result, a dose from a unit's CSV, a correction request) is filed
under the person already on file (`person_find_or_create`), so that one person keeps
one identity across the portal.

Seed 000, question 8: people whose case the station had accepted were told "Bệnh nhân
không tồn tại" (patient does not exist) when they declared completion, because they
typed their name or phone a little differently. Here the same person is found however
they type it:

- name: NFC / NFD, upper / lower case, accents, extra spaces (`name_key`);
- phone: 0912 345 678, 0912.345.678, +84 912 345 678 (`phone_key`);
- ID number: spaces, dots and hyphens ignored, upper case, a lost leading zero
  forgiven; "000000000" means "no ID" and never matches anything.

Rule: name key and date of birth must match, and at least one of ID number and phone.
A miss names the group of fields to check (`FieldGroup`), and never shows stored data.
"""

import datetime
import re
from typing import Protocol

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from khaibao.areas.models import Area
from khaibao.lib.normalize import clean_text, name_key, normalize_phone

from .ids import CHILD_WITHOUT_ID
from .models import Person
from .services import person_create

# Persons sharing a name key and a birth date are few; this bounds a pathological case.
_MAX_CANDIDATES = 50

_ID_SEPARATORS = re.compile(r"[\s.\-]")


class FieldGroup(models.TextChoices):
    """The groups of fields a citizen is told to check (never the stored values)."""

    IDENTITY = "identity", _("họ tên và ngày sinh")
    ID_NUMBER = "id_number", _("số giấy tờ")
    PHONE = "phone", _("số điện thoại")


def typed_id_number(raw: str) -> str:
    """An ID number as typed, comparable with a stored one; "" for none / "000000000"."""
    number = _ID_SEPARATORS.sub("", clean_text(raw)).upper()
    if number == CHILD_WITHOUT_ID or (number and set(number) == {"0"}):
        return ""
    return number


def same_id_number(stored: str, typed: str) -> bool:
    """Whether a stored ID number is the one typed (`typed_id_number`)."""
    stored = _ID_SEPARATORS.sub("", stored).upper()
    if not stored or not typed:
        return False
    if stored == typed:
        return True
    # A spreadsheet or a phone keyboard drops the leading zero of "079…": the rest of the
    # identity (name, birth date) already matched, so this widens nothing that matters.
    return stored.isdigit() and typed.isdigit() and stored.lstrip("0") == typed.lstrip("0")


def phone_key(value: str) -> str:
    """E.164 when it parses, otherwise the bare digits (stored data may predate checks)."""
    if not value:
        return ""
    try:
        return normalize_phone(value)
    except ValidationError:
        return re.sub(r"\D", "", value)


class PersonFields(Protocol):
    """Who a record is about, as a lab, a unit's CSV row or a correction request says it."""

    full_name: str
    date_of_birth: datetime.date
    sex: str
    id_type: str
    id_number: str
    phone: str
    area: Area


def person_find_or_create(data: PersonFields, *, by=None, ip: str | None = None) -> Person:
    """The person a record is about: found by the ID document (with the same birth date,
    so that a mistyped number never files it under someone else), or by name key and
    birth date with a matching ID number or phone, or when exactly one person has that
    name and birth date and no other ID; otherwise a new person (person_create, which
    refuses a malformed ID document or phone with a field error)."""
    id_number = typed_id_number(data.id_number)
    phone = phone_key(data.phone)
    if id_number:
        digits = id_number.lstrip("0")
        by_id = Person.objects.filter(
            id_number__in={id_number, digits, "0" + digits}, date_of_birth=data.date_of_birth
        )
        for person in by_id[:_MAX_CANDIDATES]:
            if same_id_number(person.id_number, id_number):
                return person
    candidates = list(
        Person.objects.filter(
            name_key=name_key(data.full_name), date_of_birth=data.date_of_birth
        ).order_by("id")[:_MAX_CANDIDATES]
    )
    for person in candidates:
        if same_id_number(person.id_number, id_number) or (
            person.phone and phone and phone_key(person.phone) == phone
        ):
            return person
    # The only person of that name and birth date, unless both have an ID document (then
    # different ones, checked above: two persons).
    if len(candidates) == 1 and not (candidates[0].id_number and id_number):
        return candidates[0]
    return person_create(
        full_name=data.full_name,
        date_of_birth=data.date_of_birth,
        sex=data.sex,
        id_type=data.id_type,
        id_number=data.id_number,
        area=data.area,
        phone=data.phone,
        street_address=getattr(data, "street_address", ""),
        by=by,
        ip=ip,
    )
