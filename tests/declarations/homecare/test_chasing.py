"""Missed reports are chased once per step and day: a reminder at the deadline, the
call list later, the province after several days in a row. Running the task twice, or
two at once on PostgreSQL, sends nothing twice."""

import datetime

import pytest
import time_machine

from declarations.homecare.chasing import homecare_chase
from declarations.homecare.models import ChaseStep, HomeCarePatient
from declarations.homecare.services import homecare_end
from khaibao.accounts.roles import Role
from khaibao.notify.models import SmsMessage
from tests.concurrency import at_once
from tests.factories import make_person

from .factories import make_patient, make_unit, submit

VN = datetime.timezone(datetime.timedelta(hours=7))
ENROLLED = datetime.datetime(2026, 12, 2, 8, 0, tzinfo=VN)


def at(hour, minute=0, day=2):
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=VN)


@pytest.fixture
def clock():
    with time_machine.travel(ENROLLED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def patients(citizen_person, ward2_person, ward1_staff, ward2_staff, clock):
    return [
        make_patient(person=citizen_person, by=ward1_staff, phone="+84912345678"),
        make_patient(person=ward2_person, by=ward2_staff, phone="+84987654321"),
    ]


def reminders():
    return list(SmsMessage.objects.filter(purpose="homecare_reminder").order_by("to"))


def test_nothing_is_chased_before_the_deadline(patients, clock):
    clock.move_to(at(9, 59))
    assert homecare_chase()["reminder"] == 0
    assert reminders() == []


def test_each_missing_patient_gets_one_reminder_at_the_deadline(patients, clock, citizen):
    submit(patients[0], account=citizen)  # reported: not chased
    clock.move_to(at(10, 0))

    assert homecare_chase()["reminder"] == 1
    assert homecare_chase()["reminder"] == 0  # the beat task ran twice
    clock.move_to(at(10, 5))
    assert homecare_chase()["reminder"] == 0

    sent = reminders()
    assert [sms.to for sms in sent] == ["+84987654321"]
    assert "chua gui bao cao suc khoe hom nay (han 10:00)" in sent[0].body
    assert "/cham-soc/" in sent[0].body


def test_a_province_rule_moves_the_deadline(patients, clock, set_rule, province):
    set_rule("homecare", province=province, report_deadline="11:00", call_list_at="15:00")
    clock.move_to(at(10, 30))
    assert homecare_chase()["reminder"] == 0
    clock.move_to(at(11, 0))
    assert homecare_chase()["reminder"] == 2


def test_the_call_list_follows_and_days_in_a_row_escalate_to_the_province(
    patients, clock, province
):
    department = make_unit(area=province, role=Role.PROVINCE_ADMIN, phone="+84283999000")
    clock.move_to(at(14, 0))
    taken = homecare_chase()
    assert (taken["reminder"], taken["call_list"], taken["escalated"]) == (2, 2, 0)
    assert set(HomeCarePatient.objects.values_list("missed_days", flat=True)) == {1}

    clock.move_to(at(14, 0, day=3))
    taken = homecare_chase()
    assert (taken["reminder"], taken["call_list"], taken["escalated"]) == (2, 2, 2)
    assert homecare_chase() == {"reminder": 0, "call_list": 0, "escalated": 0}
    escalations = SmsMessage.objects.filter(purpose="homecare_escalated")
    assert [sms.to for sms in escalations] == [department.phone] * 2
    assert all("2 ngay khong bao cao" in sms.body for sms in escalations)
    assert HomeCarePatient.objects.filter(escalated_at__isnull=False).count() == 2


def test_a_report_breaks_the_streak(patients, clock, citizen):
    clock.move_to(at(14, 0))
    homecare_chase()
    clock.move_to(at(9, 0, day=3))
    submit(patients[0], account=citizen)
    clock.move_to(at(14, 0, day=4))
    homecare_chase()

    patients[0].refresh_from_db()
    patients[1].refresh_from_db()
    assert patients[0].missed_days == 1  # day 3 was reported
    # Days 2, 3 and 4: the task not running on day 3 does not break the streak.
    assert patients[1].missed_days == 3


def test_ended_care_is_not_chased(patients, clock, ward1_staff):
    homecare_end(patient=patients[0], reason="died", by=ward1_staff, note="")
    clock.move_to(at(10, 0))
    homecare_chase()
    assert [sms.to for sms in reminders()] == ["+84987654321"]


def test_a_patient_taken_into_care_after_the_deadline_is_chased_from_tomorrow(
    clock, ward1, ward1_staff
):
    clock.move_to(at(11, 0))
    person = make_person(area=ward1, full_name="Trần Văn Bảy", phone="0903000111")
    make_patient(person=person, by=ward1_staff, phone="+84903000111")
    clock.move_to(at(14, 0))
    assert homecare_chase()["reminder"] == 0
    clock.move_to(at(10, 0, day=3))
    assert homecare_chase()["reminder"] == 1


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_on_postgresql_send_one_reminder_each(postgres_and_redis, patients, clock):
    clock.move_to(at(10, 1))
    results = [run["reminder"] for run in at_once(homecare_chase, homecare_chase)]

    assert sorted(results) in ([0, 2], [1, 1])
    assert sum(results) == 2
    assert [sms.to for sms in reminders()] == ["+84912345678", "+84987654321"]
    assert ChaseStep.objects.filter(kind="reminder").count() == 2
