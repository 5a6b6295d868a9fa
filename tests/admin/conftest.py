"""Objects in a third place (the other province) and audit events, for the admin tests."""

import datetime

import pytest
from django.utils import timezone

from declarations.f0.rules import F0_TIMING_KIND
from declarations.homecare.models import GuidanceDocument
from khaibao.accounts.models import PhoneLoginGuard, Unit
from khaibao.accounts.roles import Role
from khaibao.accounts.services import unit_save
from khaibao.areas.models import AreaLevel
from khaibao.audit.models import AuditAction
from khaibao.audit.services import log_action
from khaibao.notify.models import SmsMessage
from khaibao.people.ids import Sex
from khaibao.rules.models import RuleVersion
from khaibao.trust.models import TrustedCertificate
from tests.declarations.factories import make_declaration
from tests.declarations.homecare.staff_fixtures import patient_with_alert
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


def _unit(superuser, area, code: str, name: str) -> Unit:
    return unit_save(
        by=superuser, unit=Unit(), role=Role.WARD_STATION, code=code, name=name, area=area
    )


@pytest.fixture
def ward1_unit(superuser, ward1):
    return _unit(superuser, ward1, "TYT-26734", "Trạm Y tế phường Sài Gòn")


@pytest.fixture
def ward2_unit(superuser, ward2):
    return _unit(superuser, ward2, "TYT-26737", "Trạm Y tế phường Tân Định")


@pytest.fixture
def other_province_unit(superuser, other_ward):
    return _unit(superuser, other_ward, "TYT-00070", "Trạm Y tế phường Hoàn Kiếm")


# Home-care patients, each with an open alert (its acknowledgement page is one URL).


@pytest.fixture
def ward1_homecare_patient(citizen_person, ward1_staff):
    return patient_with_alert(citizen_person, by=ward1_staff)


@pytest.fixture
def ward2_homecare_patient(ward2_person, ward2_staff):
    return patient_with_alert(ward2_person, by=ward2_staff, phone="+84987654321")


@pytest.fixture
def other_province_homecare_patient(other_province_person, other_province_staff):
    return patient_with_alert(other_province_person, by=other_province_staff, phone="+84903111222")


def _guidance(province, slug: str) -> GuidanceDocument:
    return GuidanceDocument.objects.create(
        province=province, slug=slug, title=f"Hướng dẫn {province.code} {slug}", body="Nội dung."
    )


@pytest.fixture
def province_guidance(province):
    return _guidance(province, "a")


@pytest.fixture
def province_guidance_2(province):
    return _guidance(province, "b")


@pytest.fixture
def other_province_guidance(other_province):
    return _guidance(other_province, "a")
