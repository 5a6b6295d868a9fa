"""Changing the quarantine policy and applying it: one area's row set or removed (a new
version of the province's table, through the rules mechanism), the policy computed for
an entry declaration at filing, and again whenever a version is scheduled, withdrawn or
takes effect (recompute, by a task)."""

import datetime
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from khaibao.accounts.models import User
from khaibao.areas.models import Area
from khaibao.audit.models import AuditAction
from khaibao.audit.services import log_action
from khaibao.lib.dates import date_text, datetime_text
from khaibao.notify.services import sms_queue
from khaibao.rules.models import RuleVersion
from khaibao.rules.selectors import RulesInForce, rules_in_force, sms_text
from khaibao.rules.services import rule_version_schedule
from vaccination.selectors import vaccination_status

from ..declaring.links import access_url
from ..declaring.models import EntryDeclaration, Source
from ..declaring.rules import DECLARING_SMS, declaring_rules
from ..declaring.selectors import verified_status
from .policy import (
    QUARANTINE_POLICY,
    PolicyOutcome,
    ResultFacts,
    VaccinationFacts,
    matching_row,
    policy_resolve,
    row_text,
)

logger = logging.getLogger(__name__)


def _facts(declaration) -> tuple[VaccinationFacts | None, ResultFacts | None]:
    """Only verified records earn an exception; self-declared ones are shown, not used."""
    vaccination = test = None
    if declaration.vaccination_source == Source.VERIFIED:
        status = vaccination_status(declaration.person)
        vaccination = VaccinationFacts(status.primary_complete, status.last_dose_on)
    if declaration.test_source == Source.VERIFIED and declaration.test_outcome == "negative":
        recent_days = declaring_rules(declaration.destination_area)["recent_test_days"]
        known = verified_status(
            declaration.person,
            recent_from=declaration.arrival_on - datetime.timedelta(days=recent_days),
            until=declaration.arrival_on,
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


# -- the change of one area's row -------------------------------------------------------


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def area_label(area: Area) -> str:
    """ "Khu phố 1, Phường Sài Gòn (26734-001)"."""
    return f"{area} ({area.code})"


@dataclass(frozen=True)
class PolicyChange:
    """What setting (or removing) one area's row changes, against the version in force
    at the moment the new version takes effect."""

    province: Area
    area: Area
    at: datetime.datetime
    before: RulesInForce
    old: dict | None
    new: dict | None
    #: The new version's values: the table with the one row changed, the rest as before.
    values: dict
    #: Versions of this province scheduled after `at`: they will not hold this change.
    later: list[RuleVersion] = field(default_factory=list)

    def inherited(self, rows) -> str:
        """What applies to people from the area without a row of its own."""
        others = [row for row in rows if row["area"] != self.area.code]
        row = matching_row(others, self.area.path, timezone.localdate(self.at))
        if row is None:
            return _("không áp dụng biện pháp nào")
        wider = Area.objects.filter(code=row["area"]).first()
        return _("theo chính sách của %(area)s: %(policy)s") % {
            "area": wider.name if wider else row["area"],
            "policy": _lower_first(row_text(row)),
        }

    def sentences(self) -> list[str]:
        """ "Khu phố 1: cách ly tập trung 14 ngày → tự theo dõi sức khoẻ tại nhà 7 ngày"."""
        rows = self.values["policies"]
        if self.old is None:
            old = _("chưa có chính sách riêng (%(now)s)") % {
                "now": self.inherited(self.before["policies"])
            }
        else:
            old = _lower_first(row_text(self.old))
        if self.new is None:
            new = _("bỏ chính sách riêng, người đến từ đây %(then)s") % {
                "then": self.inherited(rows)
            }
        else:
            new = _lower_first(row_text(self.new))
        return [
            f"{self.area.name}: {old} → {new}",
            _(
                "Các khai báo vào tỉnh có ngày đến từ hôm nay, hoặc đang thực hiện biện pháp, "
                "sẽ được tính lại; người có chính sách thay đổi nhận tin nhắn."
            ),
        ]

    def warnings(self) -> list[str]:
        found = []
        if self.old == self.new:
            found.append(_("Chính sách của vùng này không thay đổi so với bảng đang áp dụng."))
        for version in self.later:
            row = next(
                (r for r in version.values.get("policies", []) if r["area"] == self.area.code), None
            )
            found.append(
                _(
                    "Phiên bản %(number)d, có hiệu lực từ %(when)s, đã được lên lịch sau thời "
                    "điểm này và không có thay đổi này: từ lúc đó %(area)s theo phiên bản ấy "
                    "(%(policy)s)."
                )
                % {
                    "number": version.number,
                    "when": datetime_text(version.effective_from),
                    "area": self.area.name,
                    "policy": _lower_first(row_text(row))
                    if row
                    else _("không có chính sách riêng"),
                }
            )
        return found


def later_versions(province: Area, at: datetime.datetime) -> list[RuleVersion]:
    return list(
        RuleVersion.objects.filter(
            kind=QUARANTINE_POLICY,
            province=province,
            withdrawn_at__isnull=True,
            effective_from__gt=at,
        ).order_by("effective_from", "number")
    )


def policy_change(
    *, province: Area, area: Area, row: dict | None, at: datetime.datetime | None = None
) -> PolicyChange:
    """The new table if `area`'s row became `row` (None: removed) from `at` (default now).
    Removing a row the table does not hold is a ValidationError on "area_code"."""
    at = at or timezone.now()
    before = rules_in_force(QUARANTINE_POLICY, province, at=at)
    rows = list(before["policies"])
    old = next((r for r in rows if r["area"] == area.code), None)
    if row is None and old is None:
        raise ValidationError(
            {
                "area_code": ValidationError(
                    _("Bảng áp dụng từ thời điểm đã chọn không có chính sách cho vùng này."),
                    code="no_policy",
                )
            }
        )
    rows = [r for r in rows if r["area"] != area.code] + ([row] if row is not None else [])
    return PolicyChange(
        province=province,
        area=area,
        at=at,
        before=before,
        old=old,
        new=row,
        values={**before.values, "policies": rows},
        later=later_versions(province, at),
    )


@transaction.atomic
def policy_area_schedule(
    *,
    province: Area,
    area: Area,
    row: dict | None,
    effective_from: datetime.datetime | None,
    document: str,
    note: str = "",
    by: User,
    ip: str | None = None,
) -> RuleVersion:
    """Schedule a new version of `province`'s table with `area`'s row set (or removed).

    1. Lock the province's quarantine versions (the lock rule_version_schedule takes to
       number them), so no version is scheduled between reading the table and saving.
    2. Build the table from the version in force at `effective_from` (now if None).
    3. rule_version_schedule checks who may, every row, the time and the document,
       audits, clears the cache and, after commit, has the declarations recomputed.
    """
    list(
        RuleVersion.objects.select_for_update()
        .filter(kind=QUARANTINE_POLICY, province=province)
        .values_list("pk", flat=True)
    )
    at = effective_from or timezone.now()
    change = policy_change(province=province, area=area, row=row, at=at)
    return rule_version_schedule(
        kind=QUARANTINE_POLICY,
        province=province,
        values=change.values,
        effective_from=at,
        document=document,
        note=note,
        by=by,
        ip=ip,
    )
