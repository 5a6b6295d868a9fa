"""Reads with rules for F0 declarations."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import F0Declaration


def declarations_for_citizen(account) -> QuerySet[F0Declaration]:
    """Declarations of the persons this account manages; anyone else's look absent."""
    return F0Declaration.objects.filter(person__manager_links__account=account).select_related(
        "person", "isolation_area__parent__parent"
    )


def declaration_for_citizen_or_404(account, pk) -> F0Declaration:
    """A declaration of a person the account manages; anyone else's is a 404."""
    return get_object_or_404(declarations_for_citizen(account), pk=pk)
