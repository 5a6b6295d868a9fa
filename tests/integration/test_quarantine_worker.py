"""A new quarantine policy, published by the province admin, is applied to the arrivals it
concerns by a real worker, and the citizen's text reaches the (stub) SMS gateway."""

import datetime
import uuid

import pytest
from django.utils import timezone

from checkpoints.declaring.models import EntryDeclaration
from checkpoints.declaring.services import Traveller, Trip, entry_declarations_submit
from checkpoints.quarantine.policy import QUARANTINE_POLICY
from khaibao.people.models import Relationship
from khaibao.rules.selectors import rules_in_force
from khaibao.rules.services import rule_version_schedule
from tests.factories import AreaLevel, make_area
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.integration


def _publish(province, admin, rows):
    values = {**rules_in_force(QUARANTINE_POLICY, province).values, "policies": rows}
    return rule_version_schedule(
        kind=QUARANTINE_POLICY,
        province=province,
        values=values,
        effective_from=timezone.now(),
        document="Quyết định cách ly kiểm thử",
        by=admin,
    )


def test_the_worker_recomputes_an_arrival_and_texts_the_new_policy(
    celery_worker_process,
    transactional_db,
    sms_gateway,
    province,
    province_admin,
    citizen,
    citizen_person,
    village1,
    other_ward,
):
    origin = make_area(
        code="00070-001", name="Tổ dân phố Đông", level=AreaLevel.VILLAGE, parent=other_ward
    )
    _publish(
        province,
        province_admin,
        [{"area": origin.code, "measure": "central_quarantine", "days": 14}],
    )
    arrival = timezone.localdate() + datetime.timedelta(days=2)
    [declaration] = entry_declarations_submit(
        declared_by=citizen,
        travellers=[Traveller(citizen_person, Relationship.SELF)],
        trip=Trip(
            origin_area=origin,
            departed_on=arrival,
            arrival_on=arrival,
            means="car",
            destination_area=village1,
            contact_phone="+84912345678",
        ),
        submission_key=uuid.uuid4(),
    )
    assert declaration.policy_days == 14

    # Committed: the kind's hook enqueues the recompute, which the worker takes.
    _publish(
        province, province_admin, [{"area": origin.code, "measure": "self_monitor", "days": 7}]
    )

    wait_until(
        lambda: EntryDeclaration.objects.get(pk=declaration.pk).policy_days == 7,
        timeout=30,
        what="the worker to recompute the arrival's policy",
    )
    wait_until(
        lambda: any("7 ngay" in (r.json or {}).get("text", "") for r in sms_gateway.requests),
        timeout=30,
        what="the policy text to reach the SMS gateway",
    )
    declaration.refresh_from_db()
    assert declaration.previous_policy_summary == "Cách ly tập trung 14 ngày"
    [text] = [r.json for r in sms_gateway.requests if "chinh sach" in r.json.get("text", "")]
    assert text["to"] == "+84912345678"
