"""Every change to a Person goes through here: normalised, cross-checked, audited."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from khaibao.areas.models import Area, AreaLevel
from khaibao.audit.services import AuditAction, log_action

from .ids import validate_id_document
from .models import ManagedPerson, Person, Relationship
from .normalize import clean_text, name_key, normalize_phone


def _normalized_fields(
    *,
    full_name: str,
    date_of_birth: datetime.date,
    sex: str,
    id_type: str,
    id_number: str,
    phone: str,
    area: Area,
    street_address: str,
) -> dict:
    errors: dict[str, list] = {}
    full_name = clean_text(full_name)
    if not full_name:
        errors["full_name"] = [ValidationError(_("Nhập họ và tên."), code="required")]
    today = timezone.localdate()
    if date_of_birth > today:
        errors["date_of_birth"] = [
            ValidationError(_("Ngày sinh không thể ở tương lai."), code="dob_future")
        ]
    try:
        id_type, id_number = validate_id_document(
            id_type=id_type, id_number=id_number, date_of_birth=date_of_birth, sex=sex, today=today
        )
    except ValidationError as exc:
        errors["id_number"] = exc.error_list
    if phone:
        try:
            phone = normalize_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.error_list
    if area.level == AreaLevel.PROVINCE:
        errors["area"] = [
            ValidationError(_("Chọn phường / xã (hoặc thôn, tổ dân phố)."), code="area_level")
        ]
    if errors:
        raise ValidationError(errors)
    return {
        "full_name": full_name,
        "name_key": name_key(full_name),
        "date_of_birth": date_of_birth,
        "sex": sex,
        "id_type": id_type,
        "id_number": id_number,
        "phone": phone,
        "area": area,
        "street_address": clean_text(street_address),
    }


@transaction.atomic
def person_create(
    *,
    full_name: str,
    date_of_birth: datetime.date,
    sex: str,
    id_type: str,
    id_number: str,
    area: Area,
    phone: str = "",
    street_address: str = "",
    nationality: str = "VN",
    by=None,
    request=None,
) -> Person:
    fields = _normalized_fields(
        full_name=full_name,
        date_of_birth=date_of_birth,
        sex=sex,
        id_type=id_type,
        id_number=id_number,
        phone=phone,
        area=area,
        street_address=street_address,
    )
    person = Person(nationality=nationality.upper(), **fields)
    person.full_clean()
    person.save()
    if by is not None and by.is_staff:
        log_action(
            actor=by,
            action=AuditAction.CREATE,
            obj=person,
            person=person,
            area=person.area,
            request=request,
        )
    return person


@transaction.atomic
def person_update(*, person: Person, by=None, request=None, **changes) -> Person:
    current = {
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth,
        "sex": person.sex,
        "id_type": person.id_type,
        "id_number": person.id_number,
        "phone": person.phone,
        "area": person.area,
        "street_address": person.street_address,
    }
    unknown = set(changes) - set(current) - {"nationality"}
    if unknown:
        raise TypeError(f"person_update() got unknown fields: {sorted(unknown)}")
    nationality = changes.pop("nationality", person.nationality)
    fields = _normalized_fields(**{**current, **changes})
    changed = sorted(name for name, value in fields.items() if getattr(person, name) != value)
    for name, value in fields.items():
        setattr(person, name, value)
    person.nationality = nationality.upper()
    person.full_clean()
    person.save()
    if by is not None and by.is_staff and changed:
        log_action(
            actor=by,
            action=AuditAction.CHANGE,
            obj=person,
            person=person,
            area=person.area,
            request=request,
            detail={"fields": [name for name in changed if name != "name_key"]},
        )
    return person


@transaction.atomic
def person_link_to_account(*, account, person: Person, relationship: str) -> ManagedPerson:
    if relationship not in Relationship.values:
        raise ValidationError(
            {"relationship": _("Chọn quan hệ với người này.")}, code="relationship_invalid"
        )
    link = ManagedPerson.objects.filter(account=account, person=person).first()
    if link is None:
        link = ManagedPerson(account=account, person=person)
    link.relationship = relationship
    link.full_clean()  # also checks "at most one SELF per account"
    link.save()
    return link
