"""The quarantine policy's tasks: recompute the declarations a change of policy concerns."""

import dataclasses
import datetime

from celery import shared_task
from django.utils import timezone

from .policy import QUARANTINE_POLICY_KIND
from .services import declarations_to_recompute, entry_policy_recompute, versions_taking_effect

#: How far back the sweeper looks for versions that took effect (beat may have been down).
SWEEP_LOOKBACK = datetime.timedelta(days=2)


def recompute_province(province_code: str | None, computed_before=None) -> int:
    """Recompute each concerned declaration in its own transaction; the count changed."""
    changed = 0
    for pk in declarations_to_recompute(
        province_code=province_code, computed_before=computed_before
    ).iterator(chunk_size=1000):
        changed += entry_policy_recompute(declaration_id=pk)
    return changed


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=1800, soft_time_limit=1700)
def recompute_entry_policies(province_code: str | None = None) -> int:
    """After a quarantine version is scheduled or withdrawn: every declaration of the
    province whose arrival is ahead or whose measure is running. Idempotent."""
    return recompute_province(province_code)


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=1800, soft_time_limit=1700)
def recompute_policies_taking_effect() -> int:
    """Periodic (beat): a version scheduled for later takes effect; the declarations
    computed before that moment are recomputed. Idempotent: a recomputed declaration is
    computed after it."""
    now = timezone.now()
    changed = 0
    for version in versions_taking_effect(since=now - SWEEP_LOOKBACK, until=now):
        code = version.province.code if version.province is not None else None
        changed += recompute_province(code, computed_before=version.effective_from)
    return changed


def on_policy_change(province) -> None:
    """The quarantine kind's on_change hook: enqueue the recompute for the province."""
    recompute_entry_policies.delay(province.code if province is not None else None)


#: The kind as registered (checkpoints/apps.py): a new or withdrawn version enqueues the
#: recompute. Built here, once, because the hook reads the declarations, whose models
#: import the policy module.
QUARANTINE_POLICY_KIND_WITH_RECOMPUTE = dataclasses.replace(
    QUARANTINE_POLICY_KIND, on_change=on_policy_change
)
