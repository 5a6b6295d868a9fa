"""Paper declarations ("khai báo giấy", seed 003): a form a person could not fill in
online, typed in by checkpoint or ward staff.

The person is found or created from what the paper says (person_find_or_create), then
the declaration is filed as staff-entered with the same services citizens use, so it is
audited and, where the paper gives a phone, the person gets the QR's link by SMS. Both
steps share one transaction: a declaration the services refuse leaves no new person.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from khaibao.accounts.models import User
from khaibao.accounts.scope import scope_for
from khaibao.areas.models import Area
from khaibao.lib.locks import lock_for_transaction
from khaibao.people.matching import person_find_or_create

from .models import EntryDeclaration, Exposure, HealthDeclaration, TestOutcome
from .services import (
    Traveller,
    Trip,
    entry_declarations_submit,
    health_declaration_submit,
    paper_relationship,
    trip_check,
)


@dataclass(frozen=True)
class PaperPerson:
    """Who the paper is about, as written on it (khaibao.people.matching.PersonFields).
    `phone` is in E.164 or empty; it is also where the QR's link is sent."""

    full_name: str
    date_of_birth: datetime.date
    sex: str
    id_type: str
    id_number: str
    phone: str
    area: Area
    street_address: str = ""


@dataclass(frozen=True)
class SelfDeclaredStatus:
    """Vaccination and recent test as the paper says (used only where the portal holds
    no record of its own)."""

    vaccine_doses: int = 0
    last_dose_on: datetime.date | None = None
    test_outcome: str = TestOutcome.NONE
    test_sampled_on: datetime.date | None = None


def paper_area_check(*, user: User, area: Area, field: str) -> None:
    """Staff file papers for places in their own province (a ward station for any ward
    of it: the record then belongs to that ward); the national admin anywhere."""
    scope = scope_for(user)
    if scope.unrestricted:
        return
    if scope.area is None or scope.area.province_code != area.province_code:
        raise ValidationError(
            {
                field: ValidationError(
                    _("Chỉ nhập được tờ khai cho nơi thuộc tỉnh / thành phố của bạn."),
                    code="outside_province",
                )
            }
        )


@transaction.atomic
def paper_entry_file(
    *,
    by: User,
    person: PaperPerson,
    trip: Trip,
    status: SelfDeclaredStatus,
    submission_key: uuid.UUID,
    ip: str | None = None,
) -> EntryDeclaration:
    """File one paper entry declaration.

    1. The destination must lie in the staff member's province, and the trip must pass
       trip_check, before anyone is looked up or created.
    2. The person is found or created (two children written as 000000000 with their own
       names and birth dates are two persons).
    3. The declaration is filed as staff-entered: its policy is computed, it is audited,
       and the link is sent by SMS to the trip's contact phone when there is one.
    """
    paper_area_check(user=by, area=trip.destination_area, field="destination_area")
    trip_check(trip)
    # A second post of the same page (a double tap) waits for the first, then finds it:
    # before the person is looked up, or two children without ID would be two persons.
    lock_for_transaction("paper_entry", str(submission_key))
    existing = EntryDeclaration.objects.filter(
        submission_key=submission_key, declared_by=by, entered_by_staff=True
    ).first()
    if existing is not None:
        return existing
    found = person_find_or_create(person, by=by, ip=ip)
    traveller = Traveller(
        person=found,
        relationship=paper_relationship(),
        vaccine_doses=status.vaccine_doses,
        last_dose_on=status.last_dose_on,
        test_outcome=status.test_outcome,
        test_sampled_on=status.test_sampled_on,
    )
    [declaration] = entry_declarations_submit(
        declared_by=by,
        travellers=[traveller],
        trip=trip,
        submission_key=submission_key,
        entered_by_staff=True,
        ip=ip,
    )
    return declaration


@transaction.atomic
def paper_health_file(
    *,
    by: User,
    person: PaperPerson,
    submission_key: uuid.UUID,
    symptoms: list[str],
    other_symptoms: str = "",
    contact_with_case: str = Exposure.NO,
    travelled: bool = False,
    travel_places: str = "",
    ip: str | None = None,
) -> HealthDeclaration:
    """File one paper health declaration for the place the person lives now (`person.area`,
    which must lie in the staff member's province)."""
    paper_area_check(user=by, area=person.area, field="area")
    lock_for_transaction("paper_health", str(submission_key))
    existing = HealthDeclaration.objects.filter(
        submission_key=submission_key, declared_by=by, entered_by_staff=True
    ).first()
    if existing is not None:
        return existing
    found = person_find_or_create(person, by=by, ip=ip)
    return health_declaration_submit(
        declared_by=by,
        person=found,
        relationship=paper_relationship(),
        submission_key=submission_key,
        area=person.area,
        street_address=person.street_address,
        symptoms=symptoms,
        other_symptoms=other_symptoms,
        contact_with_case=contact_with_case,
        travelled=travelled,
        travel_places=travel_places,
        contact_phone=person.phone,
        entered_by_staff=True,
        ip=ip,
    )
