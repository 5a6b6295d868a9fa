"""Applying the quarantine policy to entry declarations: at filing, and again whenever a
policy version is scheduled, withdrawn or takes effect (recompute, by a task)."""

import datetime
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from khaibao.audit.models import AuditAction
from khaibao.audit.services import log_action
from khaibao.lib.dates import date_text
from khaibao.notify.services import sms_queue
from khaibao.rules.models import RuleVersion
from khaibao.rules.selectors import sms_text
from vaccination.selectors import vaccination_status

from ..declaring.links import access_url
from ..declaring.models import EntryDeclaration, Source
from ..declaring.rules import DECLARING_SMS
from ..declaring.selectors import verified_status

from .policy import (
    QUARANTINE_POLICY,
    PolicyOutcome,
    ResultFacts,
    VaccinationFacts,
    policy_resolve,
)

logger = logging.getLogger(__name__)


def _facts(declaration) -> tuple[VaccinationFacts | None, ResultFacts | None]:
    """Only verified records earn an exception; self-declared ones are shown, not used."""
    vaccination = test = None
    if declaration.vaccination_source == Source.VERIFIED:
        status = vaccination_status(declaration.person)
        vaccination = VaccinationFacts(status.primary_complete, status.last_dose_on)
    if declaration.test_source == Source.VERIFIED and declaration.test_outcome == "negative":
        known = verified_status(
            declaration.person,
            recent_from=declaration.arrival_on - datetime.timedelta(days=30),
        )
        test = ResultFacts(known.negative_sampled_at)
    return vaccination, test


def _outcome(declaration, now=None) -> PolicyOutcome:
    vaccination, test = _facts(declaration)
    return policy_resolve(
        origin_path=declaration.origin_area.path,
        destination=declaration.destination_area,
        arrival_on=declaration.arrival_on,
        vaccination=vaccination,
        test=test,
        now=now,
    )


def _store(declaration, outcome: PolicyOutcome, now) -> None:
    declaration.policy_version_id = outcome.version_id
    declaration.policy_area_code = outcome.area_code
    declaration.policy_measure = outcome.measure
    declaration.policy_days = outcome.days
    declaration.policy_test_on_arrival = outcome.test_on_arrival
    declaration.policy_exception = outcome.exception
    declaration.policy_text = outcome.text()
    declaration.policy_ends_on = outcome.ends_on
    declaration.policy_computed_at = now


def _same(declaration, outcome: PolicyOutcome) -> bool:
    return (
        declaration.policy_measure,
        declaration.policy_days,
        declaration.policy_test_on_arrival,
        declaration.policy_exception,
    ) == (outcome.measure, outcome.days, outcome.test_on_arrival, outcome.exception)


def entry_policy_apply(declaration) -> PolicyOutcome:
    """Compute the policy of an unsaved declaration and store it on the row (the caller
    saves it)."""
    now = timezone.now()
    outcome = _outcome(declaration, now)
    _store(declaration, outcome, now)
    return outcome


def policy_summary(declaration) -> str:
    """ "Cách ly tập trung 14 ngày" of a stored declaration."""
    return PolicyOutcome(
        declaration.policy_measure,
        declaration.policy_days,
        declaration.policy_test_on_arrival,
        declaration.policy_exception,
        declaration.policy_area_code,
        declaration.policy_version_id,
        0,
        declaration.arrival_on,
    ).summary


@transaction.atomic
def entry_policy_recompute(*, declaration_id: int) -> bool:
    """Recompute one declaration's policy with the rules in force now; True if its outcome
    changed. A change keeps the old summary for the station, is audited, and sends the
    person one SMS (the rule text)."""
    declaration = (
        EntryDeclaration.objects.select_for_update(of=("self",))
        .select_related("person", "origin_area", "destination_area")
        .filter(pk=declaration_id)
        .first()
    )
    if declaration is None:
        return False
    now = timezone.now()
    outcome = _outcome(declaration, now)
    changed = not _same(declaration, outcome)
    before = policy_summary(declaration)
    _store(declaration, outcome, now)
    if changed:
        declaration.previous_policy_summary = before[:200]
        declaration.policy_changed_at = now
    declaration.save()
    if not changed:
        return False
    log_action(
        actor=None,
        action=AuditAction.CHANGE,
        obj=declaration,
        person=declaration.person,
        area=declaration.destination_ward,
        detail={
            "policy_recomputed": True,
            "before": before,
            "after": outcome.summary,
            "rule_version": outcome.version_id,
        },
    )
    if declaration.contact_phone:
        body = sms_text(
            DECLARING_SMS,
            "policy_changed",
            declaration.destination_area,
            ho_ten=declaration.person.full_name,
            ngay_den=date_text(declaration.arrival_on),
            bien_phap=outcome.summary,
            duong_dan=access_url(declaration),
        )
        sms_queue(to=declaration.contact_phone, body=body, purpose="checkpoint_policy_changed")
    return True


def declarations_to_recompute(*, province_code: str | None, computed_before=None):
    """The ids of the declarations a change of policy may concern: arrival still ahead,
    or a measure still running; of one province (None: every province, for a change of
    the national default). `computed_before` keeps those computed before that moment."""
    today = timezone.localdate()
    declarations = EntryDeclaration.objects.filter(
        Q(arrival_on__gte=today) | Q(policy_ends_on__gte=today)
    )
    if province_code:
        declarations = declarations.filter(destination_ward__path__startswith=f"{province_code}/")
    if computed_before is not None:
        declarations = declarations.filter(policy_computed_at__lt=computed_before)
    return declarations.order_by("pk").values_list("pk", flat=True)


def versions_taking_effect(*, since: datetime.datetime, until: datetime.datetime):
    """Quarantine versions whose time came in (since, until]: the sweeper recomputes the
    declarations computed before them."""
    return RuleVersion.objects.filter(
        kind=QUARANTINE_POLICY,
        withdrawn_at__isnull=True,
        effective_from__gt=since,
        effective_from__lte=until,
    ).select_related("province")
