"""Reads with rules for F0 declarations."""

from django.db.models import QuerySet

from .models import F0Declaration


def declarations_for_citizen(account) -> QuerySet[F0Declaration]:
    """Declarations of the persons this account manages; anyone else's look absent."""
    return F0Declaration.objects.filter(person__manager_links__account=account).select_related(
        "person", "isolation_area__parent__parent"
    )
