"""Reads with rules for F0 declarations."""

import uuid

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from khaibao.accounts.models import StaffProfile
from khaibao.accounts.roles import Role
from khaibao.accounts.scope import filter_to_scope
from khaibao.areas.models import ward_of
from khaibao.people.models import ManagedPerson

from .models import OPEN_STATUSES, F0Declaration, F0Status


def declarations_for_citizen(account) -> QuerySet[F0Declaration]:
    """Declarations of the persons this account manages; anyone else's look absent."""
    return F0Declaration.objects.filter(person__manager_links__account=account).select_related(
        "person", "isolation_area__parent__parent"
    )


def declaration_for_citizen_or_404(account, pk) -> F0Declaration:
    """A declaration of a person the account manages; anyone else's is a 404."""
    return get_object_or_404(declarations_for_citizen(account), pk=pk)


def open_declaration(person) -> F0Declaration | None:
    """The person's declaration that is not finished yet (at most one: a constraint)."""
    return F0Declaration.objects.filter(person=person, status__in=OPEN_STATUSES).first()


def open_declarations_by_person(persons) -> dict[int, F0Declaration]:
    """Person id → open declaration, for the persons given (one query)."""
    declarations = F0Declaration.objects.filter(person__in=persons, status__in=OPEN_STATUSES)
    return {declaration.person_id: declaration for declaration in declarations}


def declaration_sent_with(person, submission_key: str | None) -> F0Declaration | None:
    """The declaration a form's one-time key already filed (a double submit), or None."""
    try:
        key = uuid.UUID(submission_key or "")
    except ValueError:
        return None
    return F0Declaration.objects.filter(person=person, submission_key=key).first()


def station_of(area) -> dict:
    """Who decides a declaration isolated in `area`: the ward's health station."""
    ward = ward_of(area)
    unit_name = (
        StaffProfile.objects.filter(role=Role.WARD_STATION, area=ward)
        .exclude(unit_name="")
        .values_list("unit_name", flat=True)
        .first()
    )
    return {"ward": ward, "unit_name": unit_name or "", "hotline": settings.KHAIBAO_HOTLINE}


def account_link(account, person) -> ManagedPerson:
    """How the account is related to a person it manages (the view checked it does)."""
    return ManagedPerson.objects.get(account=account, person=person)


def cases_for_staff(user) -> QuerySet[F0Declaration]:
    """The accepted F0 cases (and those in or past completion) isolated in the staff
    account's area: what another system may trace, e.g. the exposure list."""
    cases = F0Declaration.objects.filter(
        status__in=(F0Status.ACCEPTED, F0Status.COMPLETION_REQUESTED, F0Status.COMPLETED)
    ).select_related("person", "isolation_area__parent")
    return filter_to_scope(cases, user, "isolation_area__path")
