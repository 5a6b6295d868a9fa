"""Fixtures of the health and entry declarations: an origin village in another province,
a checkpoint, and publishing a quarantine policy through the real rules service."""

import datetime

import pytest
from django.utils import timezone

from checkpoints.quarantine.policy import QUARANTINE_POLICY
from khaibao.accounts.models import Unit
from khaibao.accounts.roles import Role
from khaibao.accounts.services import unit_save
from khaibao.rules.cache import timeline_clear
from khaibao.rules.selectors import rules_in_force
from khaibao.rules.services import rule_version_schedule
from tests.factories import AreaLevel, make_area
from tests.trust.conftest import eager_tasks  # noqa: F401 (recomputes run in this process)


@pytest.fixture
def origin_village(other_ward):
    """Thôn Đông, in Phường Hoàn Kiếm, Hà Nội: where the travellers come from."""
    return make_area(
        code="00070-001", name="Tổ dân phố Đông", level=AreaLevel.VILLAGE, parent=other_ward
    )


@pytest.fixture
def checkpoint(superuser, province):
    return unit_save(
        by=superuser,
        unit=Unit(),
        role=Role.CHECKPOINT,
        code="CHOT-SB",
        name="Chốt sân bay Tân Sơn Nhất",
        area=province,
        phone="",
    )


def policy_row(area, measure="central_quarantine", days=14, **extra) -> dict:
    return {"area": area.code, "measure": measure, "days": days, **extra}


@pytest.fixture
def publish_policy(province_admin, province):
    """publish_policy([rows], at=None): a new version of the province's quarantine table
    (the whole table), in force from `at` (default now), scheduled by the province admin."""

    def _publish(rows, *, at=None, by=None, **values):
        current = dict(rules_in_force(QUARANTINE_POLICY, province).values)
        version = rule_version_schedule(
            kind=QUARANTINE_POLICY,
            province=province,
            values={**current, **values, "policies": rows},
            effective_from=at or timezone.now(),
            document="Quyết định cách ly kiểm thử",
            by=by or province_admin,
        )
        timeline_clear(QUARANTINE_POLICY, province.code)
        return version

    return _publish


def today():
    return timezone.localdate()


def days_from_today(days: int) -> datetime.date:
    return today() + datetime.timedelta(days=days)
