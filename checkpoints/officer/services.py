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
    Summary,
    officer_province,
    person_by_public_id,
    person_checkpoint_summary,
    person_of_declaration,
    persons_with_id_number,
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


def _person_from_qr(text: str, answer: Answer) -> Person | None:
    verification = qr_verify(text)
    if not verification.is_valid:
        answer.verification = verification_display(verification)
        return None
    subject = verification.claims.get("subject_id", "")
    if verification.kind == PERSON_KIND:
        person = person_by_public_id(subject)
    elif verification.kind == DECLARATION_KIND:
        person = person_of_declaration(subject, str(verification.claims.get("t", "")))
    else:
        answer.problem = _("Mã này không phải mã QR cá nhân hay mã QR tờ khai y tế.")
        return None
    if person is None:
        answer.problem = _("Mã đúng chữ ký nhưng không còn hồ sơ nào ứng với mã này.")
    return person


def _persons_from_id(number: str, chosen, answer: Answer) -> Person | None:
    persons = persons_with_id_number(number)
    if chosen is not None:
        persons = [person for person in persons if person.public_id == chosen]
    if not persons:
        answer.problem = _("Không tìm thấy người có số giấy tờ này.")
        return None
    if len(persons) > 1:
        answer.candidates = persons
        return None
    return persons[0]


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
    if query.method == "qr":
        person = _person_from_qr(query.value, answer)
    else:
        person = _persons_from_id(query.value, chosen, answer)
    province = officer_province(officer)
    if person is not None:
        answer.person = person
        answer.summary = person_checkpoint_summary(
            person, province=province, rules=rules or officer_rules(province)
        )
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
