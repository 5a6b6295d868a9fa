"""Reads of health and entry declarations, with their visibility rules, and what the
declarations may know of a person from the other systems (through their selectors)."""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from declarations.labresults.selectors import latest_result
from khaibao.accounts.scope import filter_to_scope
from khaibao.areas.models import Area
from khaibao.people.ids import IdType
from khaibao.people.models import ManagedPerson, Person
from vaccination.selectors import vaccination_status

from .models import EntryDeclaration, HealthDeclaration


@dataclass(frozen=True)
class VerifiedStatus:
    """A person's vaccination and latest recent test as the portal's records say."""

    vaccine_doses: int
    last_dose_on: datetime.date | None
    primary_complete: bool
    test_outcome: str
    test_sampled_on: datetime.date | None
    #: When the latest verified negative sample was taken (the policy's exception).
    negative_sampled_at: datetime.datetime | None


def verified_status(
    person: Person, *, recent_from: datetime.date, until: datetime.date | None = None
) -> VerifiedStatus:
    """The person's doses, and their latest result sampled from `recent_from` to `until`
    (the arrival day: a test taken after arriving is not the trip's "recent test")."""
    vaccination = vaccination_status(person)
    result = latest_result(person, sampled_from=recent_from, sampled_until=until)
    outcome = result.outcome if result is not None else ""
    if outcome not in ("negative", "positive"):
        outcome, result = "", None
    return VerifiedStatus(
        vaccine_doses=vaccination.doses,
        last_dose_on=vaccination.last_dose_on,
        primary_complete=vaccination.primary_complete,
        test_outcome=outcome,
        # The local day (Asia/Ho_Chi_Minh), not the UTC one: 00:30 on 05/12 is 05/12.
        test_sampled_on=timezone.localdate(result.sampled_at) if result is not None else None,
        negative_sampled_at=result.sampled_at if outcome == "negative" else None,
    )


def _managed_person_ids(account):
    return ManagedPerson.objects.filter(account=account).values("person_id")


def entry_declarations_for_citizen(account) -> QuerySet[EntryDeclaration]:
    """The entry declarations of every person the account manages, newest first."""
    return (
        EntryDeclaration.objects.filter(person_id__in=_managed_person_ids(account))
        .select_related("person", "origin_area", "destination_area", "checkpoint")
        .order_by("-created_at", "-id")
    )


def health_declarations_for_citizen(account) -> QuerySet[HealthDeclaration]:
    return (
        HealthDeclaration.objects.filter(person_id__in=_managed_person_ids(account))
        .select_related("person", "area")
        .order_by("-created_at", "-id")
    )


def entry_declaration_for_citizen_or_404(account, public_id) -> EntryDeclaration:
    return get_object_or_404(entry_declarations_for_citizen(account), public_id=public_id)


def health_declaration_for_citizen_or_404(account, public_id) -> HealthDeclaration:
    return get_object_or_404(health_declarations_for_citizen(account), public_id=public_id)


def last_health_declarations(persons) -> dict[int, HealthDeclaration]:
    """Each person's latest health declaration, by person id (one query)."""
    latest = (
        HealthDeclaration.objects.filter(person__in=persons)
        .order_by("person_id", "-created_at", "-id")
        .distinct("person_id")
        if _supports_distinct_on()
        else None
    )
    if latest is not None:
        return {declaration.person_id: declaration for declaration in latest}
    found: dict[int, HealthDeclaration] = {}
    for declaration in HealthDeclaration.objects.filter(person__in=persons).order_by(
        "-created_at", "-id"
    ):
        found.setdefault(declaration.person_id, declaration)
    return found


def _supports_distinct_on() -> bool:
    from django.db import connection

    return connection.features.can_distinct_on_fields


def arrivals_for_staff(user) -> QuerySet[EntryDeclaration]:
    """The entry declarations whose destination lies in the staff account's area."""
    return filter_to_scope(
        EntryDeclaration.objects.select_related(
            "person", "origin_area", "destination_area", "destination_ward", "policy_version"
        ),
        user,
        "destination_ward__path",
    )


def health_declarations_for_staff(user) -> QuerySet[HealthDeclaration]:
    return filter_to_scope(
        HealthDeclaration.objects.select_related("person", "area"), user, "area__path"
    )


def area_texts(areas: list[Area]) -> dict[int, str]:
    """ "Khu phố 1, Phường Sài Gòn, Thành phố Hồ Chí Minh" of each area, by id (one
    query for all the names on their paths)."""
    codes = {code for area in areas for code in area.path.split("/") if code}
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    return {
        area.pk: ", ".join(names[code] for code in reversed(area.path.split("/")) if code in names)
        for area in areas
    }


def origin_texts(declarations: list[EntryDeclaration]) -> dict[int, str]:
    """Each declaration's origin, the village typed by hand first (as origin_text)."""
    areas = area_texts([declaration.origin_area for declaration in declarations])
    return {
        declaration.pk: ", ".join(
            part
            for part in (declaration.origin_village_text, areas[declaration.origin_area_id])
            if part
        )
        for declaration in declarations
    }


def managed_link_by_bhyt(links: list[ManagedPerson], number: str) -> ManagedPerson | None:
    """The account's person with this BHYT card number (on the card field, or as their
    document), looked for only among the account's own persons: whether someone else
    holds the number is never asked, so the answer cannot tell."""
    for link in links:
        person = link.person
        if person.health_insurance_number == number or (
            person.id_type == IdType.HEALTH_INSURANCE and person.id_number == number
        ):
            return link
    return None


# The longest access token a declaration has (secrets.token_urlsafe(18) is 24 chars).
TOKEN_MAX_LENGTH = 32


def declaration_by_token(token: str):
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    entry = (
        EntryDeclaration.objects.select_related("person", "origin_area", "destination_area")
        .filter(access_token=token)
        .first()
    )
    if entry is not None:
        return entry
    return HealthDeclaration.objects.select_related("person").filter(access_token=token).first()
