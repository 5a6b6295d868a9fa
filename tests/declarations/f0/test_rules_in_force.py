"""F0 follows the timing rules in force, and each decision keeps the version it was made
under (issue: rules as versioned data)."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from declarations.f0.models import F0Event, F0Status
from declarations.f0.services import (
    completion_opens_on,
    f0_accept,
    f0_completion_confirm,
    f0_completion_request,
    f0_remind,
)
from khaibao.audit.models import AuditEvent
from khaibao.notify.models import SmsMessage
from khaibao.rules.cache import timeline_clear
from khaibao.rules.selectors import rules_in_force
from khaibao.rules.services import rule_version_schedule
from tests.declarations.factories import make_declaration, store_photo, tray_image
from tests.factories import make_person

# 09:00 on 02/12/2026 in Vietnam.
NOW = datetime.datetime(2026, 12, 2, 2, 0, tzinfo=datetime.UTC)
TOMORROW = NOW + datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def schedule(by, province, at, **changes):
    version = rule_version_schedule(
        kind="f0_timing",
        province=province,
        values={**rules_in_force("f0_timing", province).values, **changes},
        effective_from=at,
        document="QĐ 99/QĐ-SYT ngày 01/12/2026",
        by=by,
    )
    # After commit in real life; a test transaction never commits.
    timeline_clear("f0_timing", province.code)
    return version


def test_a_decision_keeps_the_version_it_was_made_under(
    citizen, citizen_person, ward1_staff, province_admin, province, clock
):
    declaration = make_declaration(person=citizen_person, account=citizen)
    before = rules_in_force("f0_timing", declaration.isolation_area)
    f0_accept(declaration=declaration, by=ward1_staff)
    new = schedule(province_admin, province, TOMORROW, isolation_days=10)

    clock.move_to(TOMORROW)
    photo = store_photo(citizen_person, citizen, tray_image(77), "test_result")
    clock.move_to(TOMORROW + datetime.timedelta(days=10))
    f0_completion_request(
        declaration=declaration,
        account=citizen,
        negative_test_date=datetime.date(2026, 12, 11),
        photo=photo,
    )
    f0_completion_confirm(declaration=declaration, by=ward1_staff)

    events = {e.status: e.rules_version_id for e in F0Event.objects.filter(declaration=declaration)}
    assert events[F0Status.SUBMITTED] == before.version_id
    assert events[F0Status.ACCEPTED] == before.version_id  # decided before v1 of HCMC
    assert events[F0Status.COMPLETION_REQUESTED] == new.pk
    assert events[F0Status.COMPLETED] == new.pk
    decisions = AuditEvent.objects.filter(
        action="decide", object_type="declarations.f0declaration"
    ).order_by("id")
    assert [e.detail["rules_version"] for e in decisions] == [before.version_id, new.pk]
    assert decisions[1].detail["rules"] == "phiên bản 1, QĐ 99/QĐ-SYT ngày 01/12/2026"


def test_isolation_completion_follows_the_version_in_force(
    citizen, citizen_person, ward1_staff, province_admin, province, clock
):
    declaration = make_declaration(person=citizen_person, account=citizen)
    f0_accept(declaration=declaration, by=ward1_staff)
    assert completion_opens_on(declaration) == datetime.date(2026, 12, 9)  # 7 days

    schedule(province_admin, province, TOMORROW, isolation_days=10)

    assert completion_opens_on(declaration) == datetime.date(2026, 12, 9)
    clock.move_to(TOMORROW)
    assert completion_opens_on(declaration) == datetime.date(2026, 12, 12)


def test_escalation_follows_the_decision_hours_in_force(
    citizen, citizen_person, province_admin, province, clock
):
    declaration = make_declaration(person=citizen_person, account=citizen)
    schedule(province_admin, province, NOW + datetime.timedelta(hours=1), decision_hours=4)

    clock.move_to(NOW + datetime.timedelta(hours=3, minutes=59))
    assert f0_remind(declaration=declaration, account=citizen) is False
    clock.move_to(NOW + datetime.timedelta(hours=5))
    assert f0_remind(declaration=declaration, account=citizen) is True

    escalation = F0Event.objects.filter(declaration=declaration).latest("id")
    assert escalation.rules_version.values["decision_hours"] == 4


def test_the_staff_review_page_names_the_version_each_step_followed(
    client, citizen, citizen_person, ward1_staff
):
    declaration = make_declaration(person=citizen_person, account=citizen)
    f0_accept(declaration=declaration, by=ward1_staff)
    client.force_login(ward1_staff)

    page = client.get(reverse("admin:declarations_f0declaration_change", args=[declaration.pk]))

    assert page.status_code == 200
    assert page.content.decode().count("phiên bản 1, QĐ 261/QĐ-BYT ngày 31/01/2022") == 2


def test_a_provinces_own_text_is_what_its_citizens_receive(
    citizen, citizen_person, province_admin, province, other_ward, set_rule
):
    set_rule(
        "f0_sms",
        province=province,
        submitted="So Y te TP.HCM da nhan khai bao cua {ho_ten}: {duong_dan}",
    )

    declaration = make_declaration(person=citizen_person, account=citizen)
    elsewhere = make_declaration(
        person=make_person(area=other_ward, full_name="Đỗ Văn Hùng"), isolation_area=other_ward
    )

    mine = SmsMessage.objects.get(purpose="f0_submitted", to=declaration.contact_phone).body
    assert mine == (
        "So Y te TP.HCM da nhan khai bao cua Nguyen Van An: "
        f"{settings.KHAIBAO_PUBLIC_URL}{declaration.get_absolute_url()}"
    )
    other = SmsMessage.objects.get(purpose="f0_submitted", to=elsewhere.contact_phone).body
    assert other.startswith("KhaiBao: Da nhan khai bao F0 cua Do Van Hung.")
