"""Reads of lab results: which results an account may see, and what the other systems
(the entry declaration, the checkpoint) may know of a person's recent tests."""

import datetime

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from khaibao.people.models import ManagedPerson

from .models import LabResult, ResultStatus, TestOutcome


def results_for_citizen(account) -> QuerySet[LabResult]:
    """The results the account may see: those sampled with its phone (the number the
    lab captured, which may be a neighbour's test taken with this phone) and those of
    the persons it manages. Current results first, then newest first."""
    managed = ManagedPerson.objects.filter(account=account).values("person_id")
    return (
        LabResult.objects.filter(Q(phone=account.phone) | Q(person_id__in=managed))
        .select_related("lab", "person", "replaced_by")
        .annotate(
            is_corrected=Case(
                When(status=ResultStatus.CORRECTED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("is_corrected", "-resulted_at", "-id")
    )


def result_for_citizen_or_404(account, pk) -> LabResult:
    """One of the account's results; anyone else's is a 404."""
    return get_object_or_404(results_for_citizen(account).select_related("area", "replaces"), pk=pk)


def negative_results_for_completion(person, *, sampled_from) -> QuerySet[LabResult]:
    """The person's current negative results sampled on or after `sampled_from` (a local
    date): those that may end isolation in place of a photo of a test. Newest first."""
    return (
        LabResult.objects.filter(
            person=person,
            status=ResultStatus.CURRENT,
            outcome=TestOutcome.NEGATIVE,
            sampled_at__date__gte=sampled_from,
        )
        .select_related("lab")
        .order_by("-sampled_at", "-id")
    )


def latest_result(
    person, *, sampled_from: datetime.date, sampled_until: datetime.date | None = None
) -> LabResult | None:
    """The person's newest current result sampled from `sampled_from` to `sampled_until`
    (local dates, both included), for the entry declaration's "recent test" and the
    checkpoint."""
    results = LabResult.objects.filter(
        person=person, status=ResultStatus.CURRENT, sampled_at__date__gte=sampled_from
    )
    if sampled_until is not None:
        results = results.filter(sampled_at__date__lte=sampled_until)
    return results.order_by("-sampled_at", "-id").first()
