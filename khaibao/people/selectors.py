"""Reads with rules: which persons a citizen account may see."""

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from khaibao.audit.models import AuditEvent

from .models import ManagedPerson, Person, Relationship


def managed_links_for(account) -> QuerySet[ManagedPerson]:
    """The account's persons, self first, then by name."""
    return (
        ManagedPerson.objects.filter(account=account)
        .select_related("person", "person__area", "person__area__parent")
        .annotate(
            is_self=Case(
                When(relationship=Relationship.SELF, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("is_self", "person__name_key")
    )


def person_for_citizen(account, public_id) -> Person:
    """A person the account manages, or 404 (someone else's person looks non-existent)."""
    return get_object_or_404(
        Person.objects.select_related("area", "area__parent"),
        public_id=public_id,
        manager_links__account=account,
    )


def staff_reads_of(person: Person) -> QuerySet[AuditEvent]:
    """Who at which unit looked at or changed this person's record: shown to the citizen."""
    return (
        AuditEvent.objects.filter(person=person)
        .exclude(actor_role="")
        .select_related("actor__staff_profile")
        .order_by("-created_at")
    )
