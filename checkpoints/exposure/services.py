"""The exposure list of an F0 case: the check-ins that overlapped the case's own, at the
same venue, in the infectious period; and one SMS to each person, once per case.

1. The case's own check-ins from the rule's days before its test date until now.
2. For each, the other check-ins at that venue whose stay overlaps the case's stay,
   widened by the rule's margin on both sides (a stay without a check-out lasts the
   rule's open hours). Only venues of the case's province are searched.
3. One row per person: their earliest meeting with the case.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from khaibao.accounts.models import User
from khaibao.audit.models import AuditAction
from khaibao.audit.services import log_action
from khaibao.lib.dates import date_text
from khaibao.lib.links import public_link
from khaibao.notify.services import sms_queue
from khaibao.people.models import Person
from khaibao.rules.selectors import sms_text

from ..venues.models import CheckIn, Venue
from ..venues.rules import VENUES_SMS, venue_rules
from .models import ExposureNotice

#: The most check-ins of a case searched (a case checks in a few times a day).
MAX_CASE_CHECKINS = 500


@dataclass(frozen=True)
class Exposure:
    person: Person
    venue: Venue
    met_from: datetime.datetime
    met_until: datetime.datetime
    #: Where a text goes: the person's phone, else the phone of the account that checked
    #: them in (a parent for a child).
    phone: str
    notice: ExposureNotice | None


def _stay_end(checkin: CheckIn, open_hours: int) -> datetime.datetime:
    return checkin.checked_out_at or checkin.checked_in_at + datetime.timedelta(hours=open_hours)


def exposures_for_case(case, *, now: datetime.datetime | None = None) -> list[Exposure]:
    """Who met the case at a venue of its province during the infectious period."""
    now = now or timezone.now()
    province = case.isolation_area.path.split("/", 1)[0] + "/"
    rules = venue_rules(case.isolation_area)
    margin = datetime.timedelta(minutes=rules["exposure_margin_minutes"])
    start = datetime.datetime.combine(
        case.test_date - datetime.timedelta(days=rules["infectious_days_before_test"]),
        datetime.time.min,
        tzinfo=timezone.get_default_timezone(),
    )
    own = list(
        CheckIn.objects.filter(
            person_id=case.person_id,
            checked_in_at__gte=start,
            checked_in_at__lte=now,
            venue__ward__path__startswith=province,
        )
        .select_related("venue")
        .order_by("checked_in_at")[:MAX_CASE_CHECKINS]
    )
    open_span = datetime.timedelta(hours=rules["open_checkin_hours"])
    found: dict[int, tuple[CheckIn, CheckIn]] = {}
    for stay in own:
        stay_from = stay.checked_in_at - margin
        stay_until = _stay_end(stay, rules["open_checkin_hours"]) + margin
        # Index (venue, checked_in_at): the venue's check-ins that began before the case
        # left and not so long before it came that they must have ended.
        others = (
            CheckIn.objects.filter(
                venue_id=stay.venue_id,
                checked_in_at__lt=stay_until,
                checked_in_at__gte=stay_from - open_span,
            )
            .exclude(person_id=case.person_id)
            .select_related("person", "declared_by")
        )
        for other in others:
            if _stay_end(other, rules["open_checkin_hours"]) < stay_from:
                continue
            earlier = found.get(other.person_id)
            if earlier is None or other.checked_in_at < earlier[0].checked_in_at:
                found[other.person_id] = (other, stay)
    notices = {
        notice.person_id: notice
        for notice in ExposureNotice.objects.filter(case=case, person_id__in=found)
    }
    exposures = []
    for person_id, (other, stay) in found.items():
        phone = other.person.phone or (other.declared_by.phone if other.declared_by else "")
        exposures.append(
            Exposure(
                person=other.person,
                venue=stay.venue,
                met_from=max(other.checked_in_at, stay.checked_in_at),
                met_until=min(
                    _stay_end(other, rules["open_checkin_hours"]),
                    _stay_end(stay, rules["open_checkin_hours"]),
                ),
                phone=phone or "",
                notice=notices.get(person_id),
            )
        )
    return sorted(exposures, key=lambda item: (item.met_from, item.person.full_name))


def exposure_notices_send(
    *, case, by: User, ip: str | None = None, now: datetime.datetime | None = None
) -> list[ExposureNotice]:
    """Text each exposed person who has a phone and was not told about this case yet;
    the notices sent now. Run twice, the second run sends nothing (a unique constraint,
    not only the check): each text goes once."""
    sent = []
    for exposure in exposures_for_case(case, now=now):
        if exposure.notice is not None or not exposure.phone:
            continue
        notice = _notice_send(case=case, exposure=exposure, by=by, ip=ip)
        if notice is not None:
            sent.append(notice)
    return sent


@transaction.atomic
def _notice_send(*, case, exposure: Exposure, by: User, ip: str | None) -> ExposureNotice | None:
    notice = ExposureNotice(
        case=case,
        person=exposure.person,
        venue=exposure.venue,
        met_from=exposure.met_from,
        met_until=max(exposure.met_until, exposure.met_from),
        phone=exposure.phone,
        sent_by=by,
    )
    try:
        with transaction.atomic():
            notice.save()
    except IntegrityError:  # sent by a concurrent press of the button a moment ago
        return None
    body = sms_text(
        VENUES_SMS,
        "exposure",
        exposure.venue.ward,
        dia_diem=exposure.venue.name,
        ngay=date_text(timezone.localdate(exposure.met_from)),
        duong_dan=_public_home(),
    )
    sms_queue(to=exposure.phone, body=body, purpose="exposure_notice")
    log_action(
        actor=by,
        action=AuditAction.CREATE,
        obj=notice,
        person=exposure.person,
        area=exposure.venue.ward,
        ip=ip,
        detail={"case": case.pk, "venue": exposure.venue.pk},
    )
    return notice


def _public_home() -> str:
    return public_link(reverse("checkpoints:home"))
