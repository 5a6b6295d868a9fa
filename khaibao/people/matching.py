"""Tolerant matching of an identity a citizen types against a stored person, for every
room that finds a record again from what people type (F0 isolation completion in
f0/completion_lookup.py; lab results next).

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

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from khaibao.lib.normalize import clean_text, normalize_phone
from khaibao.people.ids import CHILD_WITHOUT_ID

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
