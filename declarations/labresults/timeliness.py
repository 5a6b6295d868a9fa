"""How fast labs enter their results (the 3-hour rule of seed 004): per lab, the count of
results, the late ones, the median and 95th-percentile delay between the result and its
entry; for the province, one row per lab.

A result counts once, at its first entry: a correction (a row that `replaces` another)
is entered when the mistake is found, which says nothing about the lab's speed.

On PostgreSQL the percentiles are computed in the database (percentile_cont); elsewhere
(the SQLite smoke run) from the delays of the range, read in one query and bounded.
"""

import datetime
import math
from dataclasses import dataclass

from django.db import connection
from django.db.models import Aggregate, Count, FloatField, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

#: Where the database cannot compute a percentile, at most this many delays are read.
PYTHON_PERCENTILE_MAX = 100_000
#: Late results listed on a lab's page.
LATE_SHOWN = 200


class Percentile(Aggregate):
    """PostgreSQL's continuous percentile of an expression, e.g. the median."""

    function = "PERCENTILE_CONT"
    name = "percentile"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


@dataclass(frozen=True)
class Timeliness:
    results: int
    late: int
    median_seconds: float | None
    p95_seconds: float | None

    @property
    def late_share(self) -> float | None:
        return self.late / self.results if self.results else None


def in_range(results: QuerySet, first: datetime.date, last: datetime.date) -> QuerySet:
    """First entries of results whose result time falls on first…last (Vietnam's days)."""
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min)
    )
    return results.filter(resulted_at__gte=start, resulted_at__lt=end, replaces__isnull=True)


def percentile(values: list[int], fraction: float) -> float | None:
    """Linear interpolation between closest ranks, as percentile_cont does."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _in_database() -> bool:
    return connection.vendor == "postgresql"


def timeliness_by_lab(results: QuerySet) -> dict[int, Timeliness]:
    """lab id → Timeliness over `results` (already in range): one query."""
    counts = {"results": Count("id"), "late": Count("id", filter=Q(is_late=True))}
    grouped = results.order_by().values("lab_id")
    if _in_database():
        rows = grouped.annotate(
            **counts,
            median=Percentile("delay_seconds", 0.5),
            p95=Percentile("delay_seconds", 0.95),
        )
        return {
            row["lab_id"]: Timeliness(row["results"], row["late"], row["median"], row["p95"])
            for row in rows
        }
    delays: dict[int, list[int]] = {}
    late: dict[int, int] = {}
    for lab_id, delay, is_late in results.order_by().values_list(
        "lab_id", "delay_seconds", "is_late"
    )[:PYTHON_PERCENTILE_MAX]:
        delays.setdefault(lab_id, []).append(delay)
        late[lab_id] = late.get(lab_id, 0) + int(is_late)
    return {
        lab_id: Timeliness(
            len(values), late[lab_id], percentile(values, 0.5), percentile(values, 0.95)
        )
        for lab_id, values in delays.items()
    }


EMPTY = Timeliness(0, 0, None, None)


def delay_text(seconds: float | None) -> str:
    """ "2 giờ 05 phút", "45 phút", "—"."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(hours)d giờ %(minutes)02d phút") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d phút") % {"minutes": minutes}


def late_results(results: QuerySet) -> QuerySet:
    return (
        results.filter(is_late=True)
        .select_related("person", "lab")
        .order_by("-delay_seconds", "-resulted_at")[:LATE_SHOWN]
    )
