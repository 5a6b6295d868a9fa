"""The officer's look-up (read, audited) and the "đã kiểm tra" record."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from khaibao.accounts.models import User
from khaibao.audit.services import (
    AuditAction,
    actor_role,
    audit_event_build,
    log_action,
    log_actions,
)
from khaibao.people.models import Person
from khaibao.rules.selectors import RulesInForce
from khaibao.trust.display import verification_display
from khaibao.trust.services import qr_verify

from ..venues.models import CheckIn, Venue
from .forms import Query
from .models import CheckpointCheck
from .rules import officer_rules
from .selectors import (
    Found,
    Summary,
    found_by_declaration,
    found_by_id_number,
    found_by_public_id,
    officer_province,
    venue_checkins,
)

#: The QR kinds that name a person: My QR, and a declaration's QR (its person).
PERSON_KIND = "KB1:person"
DECLARATION_KIND = "KB1:declaration"


@dataclass
class Answer:
    """What a look-up found: one person and their groups, several persons to choose
    from, a QR that did not verify (`verification`), or nothing (`problem`)."""

    method: str
    person: Person | None = None
    summary: Summary | None = None
    candidates: list[Person] = field(default_factory=list)
    verification: dict | None = None
    problem: str = ""


def _found_from_qr(text: str, answer: Answer, province, rules) -> Found | None:
    verification = qr_verify(text)
    if not verification.is_valid:
        answer.verification = verification_display(verification)
        return None
    subject = verification.claims.get("subject_id", "")
    if verification.kind == PERSON_KIND:
        found = found_by_public_id(subject, province=province, rules=rules)
    elif verification.kind == DECLARATION_KIND:
        kind = str(verification.claims.get("t", ""))
        found = found_by_declaration(subject, kind, province=province, rules=rules)
    else:
        answer.problem = _("Mã này không phải mã QR cá nhân hay mã QR tờ khai y tế.")
        return None
    if found is None:
        answer.problem = _("Mã đúng chữ ký nhưng không còn hồ sơ nào ứng với mã này.")
    return found


def _found_from_id(number: str, chosen, answer: Answer, province, rules) -> Found | None:
    found = found_by_id_number(number, province=province, rules=rules, chosen=chosen)
    if not found:
        answer.problem = _("Không tìm thấy người có số giấy tờ này.")
        return None
    if len(found) > 1:
        answer.candidates = [each.person for each in found]
        return None
    return found[0]


def officer_lookup(
    *,
    officer: User,
    query: Query,
    chosen=None,
    tab: str = "",
    ip: str | None = None,
    rules: RulesInForce | None = None,
) -> Answer:
    """Find the person a typed ID number or a scanned QR names, and their three groups
    in the officer's province.

    1. A QR is verified first: one that fails (tampered, expired, revoked, unreadable)
       names nobody, and the answer says why.
    2. An ID number matches every document type; several persons are offered to choose
       from by birth year (`chosen` is the pick), never shown in full.
    3. Every look-up is audited with the method and the checkpoint; each person shown
       gets an event of their own, which their "who looked at my record" lists.

    `rules`: the officer rules the caller has read already (the throttle needs them), so
    a look-up reads them once.
    """
    answer = Answer(method=query.method)
    province = officer_province(officer)
    rules = rules or officer_rules(province)
    if query.method == "qr":
        found = _found_from_qr(query.value, answer, province, rules)
    else:
        found = _found_from_id(query.value, chosen, answer, province, rules)
    if found is not None:
        answer.person, answer.summary = found.person, found.summary
    _lookup_audit(officer=officer, answer=answer, province=province, tab=tab, ip=ip)
    return answer


def _lookup_audit(*, officer: User, answer: Answer, province, tab: str, ip: str | None) -> None:
    profile = officer.staff_profile
    detail = {"method": answer.method, "checkpoint": profile.unit_id, "tab": tab}
    if answer.person is not None:
        log_action(
            actor=officer,
            action=AuditAction.VIEW,
            obj=answer.person,
            person=answer.person,
            area=province,
            ip=ip,
            detail={**detail, "found": 1},
        )
        return
    if answer.candidates:
        log_actions(
            [
                audit_event_build(
                    actor=officer,
                    action=AuditAction.SEARCH,
                    obj=person,
                    person=person,
                    area=province,
                    ip=ip,
                    detail={**detail, "found": len(answer.candidates)},
                    role=profile.role,
                )
                for person in answer.candidates
            ]
        )
        return
    status = answer.verification["status"] if answer.verification else "not_found"
    log_action(
        actor=officer,
        action=AuditAction.SEARCH,
        object_type="people.person",
        area=province,
        ip=ip,
        detail={**detail, "found": 0, "result": status},
    )


@transaction.atomic
def checkpoint_check_record(
    *, officer: User, person: Person, ip: str | None = None
) -> CheckpointCheck:
    """Record that the officer checked `person` at their checkpoint ("đã kiểm tra")."""
    profile = officer.staff_profile
    if profile.unit_id is None:
        raise ValidationError(
            _("Tài khoản chưa được gắn với chốt kiểm soát nào. Liên hệ quản trị tỉnh."),
            code="no_checkpoint",
        )
    check = CheckpointCheck(person=person, officer=officer, checkpoint_id=profile.unit_id)
    check.full_clean(exclude=["checked_at"])
    check.save()
    log_action(
        actor=officer,
        action=AuditAction.CREATE,
        obj=check,
        person=person,
        area=officer_province(officer),
        ip=ip,
        detail={"checkpoint": profile.unit_id},
    )
    return check


def officer_venue_read(
    *,
    officer: User,
    venue: Venue,
    start: datetime.datetime,
    end: datetime.datetime,
    ip: str | None = None,
) -> list[CheckIn]:
    """A venue's check-ins in [start, end) for the venue tab (names and birth years,
    nothing else): audited as one search of the venue, and as a read of each person
    listed, so that each sees it in "who looked at my record"."""
    checkins = list(venue_checkins(venue, start=start, end=end))
    detail = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "checkpoint": officer.staff_profile.unit_id,
    }
    log_action(
        actor=officer,
        action=AuditAction.SEARCH,
        obj=venue,
        area=venue.ward,
        ip=ip,
        detail={**detail, "found": len(checkins)},
    )
    role = actor_role(officer)
    log_actions(
        [
            audit_event_build(
                actor=officer,
                role=role,
                action=AuditAction.VIEW,
                obj=venue,
                person=person,
                area=venue.ward,
                ip=ip,
                detail={**detail, "tab": "venue"},
            )
            for person in {checkin.person_id: checkin.person for checkin in checkins}.values()
        ]
    )
    return checkins
