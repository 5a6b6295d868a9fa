"""Every change to a Person goes through here: normalised, cross-checked, audited."""

import datetime
import unicodedata

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from khaibao.accounts.models import User
from khaibao.areas.models import Area, AreaLevel
from khaibao.audit.services import AuditAction, log_action
from khaibao.lib.normalize import clean_text, name_key, normalize_phone

from .ids import IdType, normalize_id_number, validate_id_document
from .models import ManagedPerson, Person, Relationship

# Nobody alive is older: a birth year before this many years ago is a typing mistake.
MAX_AGE_YEARS = 130
NAME_MAX_LENGTH = 120
# Between the letters of a name: a space, and the marks of names such as "H'Hen Niê",
# "Nguyễn-Trần" or "Lê V. Tám". Digits and any other symbol are refused.
_NAME_PUNCTUATION = frozenset(" '’-.")


def check_residence_area(area: Area) -> None:
    """A person lives in a ward or a village, never in a whole province."""
    if area.level == AreaLevel.PROVINCE:
        raise ValidationError(_("Chọn phường / xã (hoặc thôn, tổ dân phố)."), code="area_level")


def check_full_name(value: str) -> str:
    """The name as stored (NFC, spaces folded), or a ValidationError.

    Letters of any script with their accents are allowed, so every Vietnamese tone mark
    typed precomposed (NFC) or decomposed (NFD, iOS) passes; digits and symbols do not.
    """
    name = clean_text(value)
    if not name:
        raise ValidationError(_("Nhập họ và tên."), code="required")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            _("Họ và tên dài quá %(max)s ký tự.") % {"max": NAME_MAX_LENGTH}, code="name_too_long"
        )
    categories = {unicodedata.category(ch)[0] for ch in name if ch not in _NAME_PUNCTUATION}
    if "L" not in categories or categories - {"L", "M"}:
        raise ValidationError(
            _(
                "Họ và tên chỉ gồm chữ cái (có dấu hoặc không), dấu cách và dấu gạch nối; "
                "không có chữ số hay ký hiệu như @, #."
            ),
            code="name_characters",
        )
    return name


def check_health_insurance_number(value: str, *, id_type: str, id_number: str) -> str:
    """The BHYT card number normalised ("" for none); a person whose document is the
    card has its number here too, and may not give a different one."""
    if id_type == IdType.HEALTH_INSURANCE:
        typed = normalize_id_number(IdType.HEALTH_INSURANCE, value)[1] if value else id_number
        if typed != id_number:
            raise ValidationError(
                _("Số thẻ BHYT khác số giấy tờ đã nhập (thẻ BHYT)."), code="bhyt_mismatch"
            )
        return id_number
    if not clean_text(value):
        return ""
    return normalize_id_number(IdType.HEALTH_INSURANCE, value)[1]


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def check_date_of_birth(date_of_birth: datetime.date, today: datetime.date) -> None:
    """Not in the future, and not more than MAX_AGE_YEARS ago (1890 is a typing mistake)."""
    if date_of_birth > today:
        raise ValidationError(_("Ngày sinh không thể ở tương lai."), code="dob_future")
    if date_of_birth < _years_before(today, MAX_AGE_YEARS):
        raise ValidationError(
            _(
                "Năm sinh %(year)s không hợp lệ: người khai không thể hơn %(max)s tuổi. "
                "Kiểm tra lại ngày sinh."
            )
            % {"year": date_of_birth.year, "max": MAX_AGE_YEARS},
            code="dob_too_old",
        )


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
    health_insurance_number: str = "",
) -> dict:
    errors: dict[str, list] = {}
    # The letters-only rule (check_full_name) is the forms' (people typing); here only
    # presence, so names written from other sources are stored as they come.
    full_name = clean_text(full_name)
    if not full_name:
        errors["full_name"] = [ValidationError(_("Nhập họ và tên."), code="required")]
    today = timezone.localdate()
    try:
        check_date_of_birth(date_of_birth, today)
    except ValidationError as exc:
        errors["date_of_birth"] = exc.error_list
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
    try:
        check_residence_area(area)
    except ValidationError as exc:
        errors["area"] = exc.error_list
    try:
        health_insurance_number = check_health_insurance_number(
            health_insurance_number, id_type=id_type, id_number=id_number
        )
    except ValidationError as exc:
        errors["health_insurance_number"] = exc.error_list
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
        "health_insurance_number": health_insurance_number,
    }


def _save_person(person: Person) -> None:
    """Save; two requests storing the same document at once both pass full_clean(), and
    the database's unique constraint then stops the second: report it like full_clean."""
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:
        if "person_unique_id_document" not in str(
            exc
        ) and "id_type, people_person.id_number" not in str(exc):
            raise
        constraint = next(
            c for c in Person._meta.constraints if c.name == "person_unique_id_document"
        )
        raise ValidationError(
            {
                "id_number": ValidationError(
                    constraint.violation_error_message, code=constraint.violation_error_code
                )
            }
        ) from None


def _insert_person(fields: dict, *, nationality: str) -> Person:
    person = Person(nationality=clean_text(nationality).upper(), **fields)
    person.full_clean()
    _save_person(person)
    return person


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
    health_insurance_number: str = "",
    nationality: str = "VN",
    by: User | None = None,
    ip: str | None = None,
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
        health_insurance_number=health_insurance_number,
    )
    person = _insert_person(fields, nationality=nationality)
    if by is not None and by.is_staff:
        log_action(
            actor=by,
            action=AuditAction.CREATE,
            obj=person,
            person=person,
            area=person.area,
            ip=ip,
        )
    return person


@transaction.atomic
def person_update(
    *, person: Person, by: User | None = None, ip: str | None = None, **changes
) -> Person:
    """Apply `changes` to the stored person; audit which fields changed.

    The comparison is with the row as stored (locked), not with `person`: a ModelForm
    (the admin's) has already written the new values onto the instance it validated.
    """
    stored = Person.objects.select_for_update().select_related("area").get(pk=person.pk)
    current = {
        "full_name": stored.full_name,
        "date_of_birth": stored.date_of_birth,
        "sex": stored.sex,
        "id_type": stored.id_type,
        "id_number": stored.id_number,
        "phone": stored.phone,
        "area": stored.area,
        "street_address": stored.street_address,
        "health_insurance_number": stored.health_insurance_number,
    }
    unknown = set(changes) - set(current) - {"nationality"}
    if unknown:
        raise TypeError(f"person_update() got unknown fields: {sorted(unknown)}")
    nationality = changes.pop("nationality", stored.nationality)
    fields = _normalized_fields(**{**current, **changes})
    fields["nationality"] = clean_text(nationality).upper()
    changed = sorted(
        name
        for name, value in fields.items()
        if name != "name_key" and getattr(stored, name) != value
    )
    for name, value in fields.items():
        setattr(person, name, value)
    person.full_clean()
    _save_person(person)
    if by is not None and by.is_staff and changed:
        log_action(
            actor=by,
            action=AuditAction.CHANGE,
            obj=person,
            person=person,
            area=person.area,
            ip=ip,
            detail={"fields": changed},
        )
    return person


@transaction.atomic
def person_link_to_account(*, account: User, person: Person, relationship: str) -> ManagedPerson:
    """Let `account` manage `person` as `relationship`; a link that exists takes the new
    relationship, except the account's own record ("Bản thân"), which is never rewritten:
    an account is always its owner's."""
    if relationship not in Relationship.values:
        raise ValidationError(
            {
                "relationship": ValidationError(
                    _("Chọn quan hệ với người này."), code="relationship_invalid"
                )
            }
        )
    link = ManagedPerson.objects.select_for_update().filter(account=account, person=person).first()
    if link is None:
        link = ManagedPerson(account=account, person=person)
    elif link.relationship == Relationship.SELF:
        return link
    link.relationship = relationship
    link.full_clean()  # also checks "at most one SELF per account"
    link.save()
    return link


@transaction.atomic
def person_register_for_account(
    *,
    account: User,
    relationship: str,
    full_name: str,
    date_of_birth: datetime.date,
    sex: str,
    id_type: str,
    id_number: str,
    area: Area,
    phone: str = "",
    street_address: str = "",
    health_insurance_number: str = "",
) -> tuple[ManagedPerson, bool]:
    """A citizen adds themself or a relative to their account; returns the link and
    whether it is new (like get_or_create).

    1. A person already on file with the same document is linked only if name, birth
       date and sex match too (whoever types all of them knows the person); otherwise
       the citizen is told which fields to check, and nothing stored is shown.
    2. A child without a document matches only within this account.
    3. A person the account already manages (its owner typing their own details as a
       "relative", seed of issue 17) keeps the link as it is: the relationship, "Bản
       thân" above all, is never rewritten by an add.
    4. Otherwise a new person is created and linked.
    """
    fields = _normalized_fields(
        full_name=full_name,
        date_of_birth=date_of_birth,
        sex=sex,
        id_type=id_type,
        id_number=id_number,
        phone=phone,
        area=area,
        street_address=street_address,
        health_insurance_number=health_insurance_number,
    )
    if (
        relationship == Relationship.SELF
        and ManagedPerson.objects.filter(account=account, relationship=Relationship.SELF).exists()
    ):
        raise ValidationError(
            {"relationship": _("Tài khoản đã có thông tin của chính bạn. Chọn quan hệ khác.")},
            code="self_exists",
        )
    if fields["id_number"]:
        existing = Person.objects.filter(
            id_type=fields["id_type"], id_number=fields["id_number"]
        ).first()
    else:
        existing = Person.objects.filter(
            manager_links__account=account,
            id_number="",
            name_key=fields["name_key"],
            date_of_birth=fields["date_of_birth"],
        ).first()
    if existing is not None:
        same = (existing.name_key, existing.date_of_birth, existing.sex) == (
            fields["name_key"],
            fields["date_of_birth"],
            fields["sex"],
        )
        if not same:
            raise ValidationError(
                {
                    "id_number": _(
                        "Giấy tờ này đã được khai cho một người khác. Kiểm tra lại số giấy tờ, họ tên, ngày sinh "
                        "và giới tính; nếu đúng, gọi tổng đài để được hỗ trợ."
                    )
                },
                code="id_document_other_person",
            )
        link = ManagedPerson.objects.filter(account=account, person=existing).first()
        if link is not None:
            return link, False
        person = existing
    else:
        # The fields are normalised already: insert, do not run person_create() again.
        person = _insert_person(fields, nationality="VN")
    return person_link_to_account(account=account, person=person, relationship=relationship), True
