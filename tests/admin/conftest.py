"""Objects in a third place (the other province) and audit events, for the admin tests."""

import datetime

import pytest
from django.utils import timezone

from declarations.f0.rules import F0_TIMING_KIND
from khaibao.accounts.models import PhoneLoginGuard
from khaibao.accounts.roles import Role
from khaibao.areas.models import AreaLevel
from khaibao.audit.models import AuditAction
from khaibao.audit.services import log_action
from khaibao.notify.models import SmsMessage
from khaibao.people.ids import Sex
from khaibao.rules.models import RuleVersion
from khaibao.trust.models import TrustedCertificate
from tests.declarations.factories import make_declaration
from tests.factories import make_area, make_person, make_staff
from tests.trust import vectors
from tests.trust.conftest import trust


@pytest.fixture
def other_village(other_ward):
    return make_area(
        code="00070-001", name="Tổ dân phố 5", level=AreaLevel.VILLAGE, parent=other_ward
    )


@pytest.fixture
def other_province_person(other_village):
    return make_person(
        area=other_village,
        full_name="Lê Văn Dũng",
        date_of_birth=datetime.date(1969, 1, 8),
        sex=Sex.MALE,
        phone="0903111222",
    )


@pytest.fixture
def other_province_staff(superuser, other_ward):
    return make_staff(
        username="tram-y-te-ha-noi", role=Role.WARD_STATION, area=other_ward, by=superuser
    )


def _event(*, actor, area, label):
    event = log_action(actor=actor, action=AuditAction.VIEW, object_type="people.person", area=area)
    # A label of its own, so a CSV export or a changelist shows which event it holds.
    event.object_repr = label
    event.save(update_fields=["object_repr"])
    return event


@pytest.fixture
def ward1_event(superuser, ward1):
    return _event(actor=superuser, area=ward1, label="su-kien-phuong-1")


@pytest.fixture
def ward2_event(superuser, ward2):
    return _event(actor=superuser, area=ward2, label="su-kien-phuong-2")


@pytest.fixture
def other_province_event(superuser, other_ward):
    return _event(actor=superuser, area=other_ward, label="su-kien-ha-noi")


@pytest.fixture
def phone_login_guard(db):
    return PhoneLoginGuard.objects.create(
        phone="+84912345678", failures=100, locked_at=timezone.now()
    )


def _rule(province, number: int, document: str) -> RuleVersion:
    return RuleVersion.objects.create(
        kind="f0_timing",
        province=province,
        number=number,
        effective_from=timezone.now(),
        document=document,
        values=F0_TIMING_KIND.defaults,
    )


@pytest.fixture
def province_rule(province):
    return _rule(province, 1, "QĐ 1/QĐ-SYT TP.HCM")


@pytest.fixture
def province_rule_2(province):
    return _rule(province, 2, "QĐ 2/QĐ-SYT TP.HCM")


@pytest.fixture
def other_province_rule(other_province):
    return _rule(other_province, 1, "QĐ 1/QĐ-SYT Hà Nội")


@pytest.fixture
def sms_message(db):
    return SmsMessage.objects.create(
        to="+84912345678", body="Ma dang nhap KhaiBao: 123456", purpose="otp"
    )


@pytest.fixture
def ward1_declaration(citizen, citizen_person):
    return make_declaration(person=citizen_person, account=citizen)


@pytest.fixture
def ward2_declaration(ward2_person):
    return make_declaration(person=ward2_person)


@pytest.fixture
def other_province_declaration(other_province_person):
    return make_declaration(person=other_province_person)


@pytest.fixture
def trusted_certificate(db):
    """A foreign signing certificate on the trust list (it belongs to no area)."""
    trust(vectors.issuer(country="DE"))
    return TrustedCertificate.objects.get()
