"""The station's day board in the admin: one row per patient with today's state, danger
first, the open alerts above it, its filters, the bulk action "Đã gọi điện", and a
fixed number of queries however many patients, reports and alerts it shows."""

import datetime

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext

from declarations.homecare.admin_board import open_alerts
from declarations.homecare.chasing import homecare_chase
from declarations.homecare.models import CallNote, HomeCarePatient
from declarations.homecare.selectors import BoardState
from khaibao.audit.models import AuditAction, AuditEvent
from tests.factories import make_person

from .factories import make_patient, submit
from .staff_fixtures import (
    acknowledge_url,
    at,
    many_patients,
    messages_of,
    patient_with_alert,
    self_registration,
    url,
)

#: The board stays under this many queries, whatever it shows.
BOARD_QUERY_BUDGET = 25


@pytest.fixture
def clock():
    # Enrolled at 07:00, before the 10:00 deadline; tests move on from there.
    with time_machine.travel(at(7), tick=False) as traveller:
        yield traveller


@pytest.fixture
def ward1_people(village1):
    names = ("Lê Thị Hoa", "Phạm Văn Bình", "Võ Thị Cẩm", "Đỗ Văn Dũng")
    return [
        make_person(area=village1, full_name=name, date_of_birth=datetime.date(1970 + n, 5, 1))
        for n, name in enumerate(names)
    ]


@pytest.fixture
def day(clock, ward1_people, ward1_staff, citizen, citizen_person):
    """Ward 1 at 15:30: one patient reported, one silent, one in danger, one pending
    registration."""
    reported, silent, danger = (
        make_patient(person=person, by=ward1_staff, phone=f"+8490300000{n}")
        for n, person in enumerate(ward1_people[:3])
    )
    pending = self_registration(citizen_person, citizen)
    clock.move_to(at(9))
    submit(reported, account=ward1_staff)
    submit(danger, account=ward1_staff, spo2=92)
    clock.move_to(at(15, 30))
    return {"reported": reported, "silent": silent, "danger": danger, "pending": pending}


def _board(client, **params):
    response = client.get(url("changelist"), params)
    assert response.status_code == 200
    return response


def _rows(response) -> list[HomeCarePatient]:
    return list(response.context["cl"].result_list)


def test_the_board_shows_danger_first_then_missed_then_pending_then_reported(
    client, ward1_staff, day
):
    client.force_login(ward1_staff)

    response = _board(client)

    rows = _rows(response)
    assert [row.pk for row in rows] == [
        day["danger"].pk,
        day["silent"].pk,
        day["pending"].pk,
        day["reported"].pk,
    ]
    assert [row._board_row.state for row in rows] == [
        BoardState.DANGER,
        BoardState.MISSED,
        BoardState.PENDING,
        BoardState.REPORTED,
    ]
    page = response.content.decode()
    assert "Nguy hiểm" in page and "Quá hạn, chưa báo cáo" in page and "Chờ tiếp nhận" in page
    # SpO2 92 is below the rule's 96: marked, with its text.
    assert '<span class="hc-low">⚠ 92%</span>' in page
    assert "Hạn báo cáo 10:00 mỗi ngày" in page


def test_before_the_deadline_a_silent_patient_is_not_yet_missed(
    client, ward1_staff, ward1_people, clock
):
    silent = make_patient(person=ward1_people[0], by=ward1_staff)
    clock.move_to(at(9, 30))
    client.force_login(ward1_staff)

    rows = _rows(_board(client))

    assert [(row.pk, row._board_row.state) for row in rows] == [(silent.pk, BoardState.NOT_YET)]
    assert _rows(_board(client, state=BoardState.MISSED)) == []
    assert [row.pk for row in _rows(_board(client, state=BoardState.NOT_YET))] == [silent.pk]


def test_the_open_alerts_block_names_the_patient_signs_and_sends_with_a_link(
    client, ward1_staff, day
):
    client.force_login(ward1_staff)

    response = _board(client)

    alert = day["danger"].alerts.get()
    assert [item["alert"].pk for item in response.context["open_alerts"]] == [alert.pk]
    page = response.content.decode()
    block = page[page.index('id="hc-open-alerts"') : page.index("</section>")]
    assert "1 cảnh báo nguy hiểm chưa xử lý" in block
    assert "Lê Thị Hoa" not in block  # the reported patient is not in it
    assert "Võ Thị Cẩm" in block
    assert "SpO2 thấp (92%)" in block
    assert "09:00 02/12/2026" in block
    assert "1 lần" in block
    assert acknowledge_url(alert) in block


def test_the_state_filter_lists_one_state(client, ward1_staff, day):
    client.force_login(ward1_staff)

    def listed(state):
        return [row.pk for row in _rows(_board(client, state=state))]

    assert listed(BoardState.DANGER) == [day["danger"].pk]
    assert listed(BoardState.MISSED) == [day["silent"].pk]
    assert listed(BoardState.NOT_YET) == []
    assert listed(BoardState.REPORTED) == [day["reported"].pk]
    assert listed(BoardState.PENDING) == [day["pending"].pk]


def test_the_call_list_filter_lists_who_the_chase_put_on_todays_call_list(client, ward1_staff, day):
    homecare_chase()  # 15:30: the silent patient is on today's call list
    client.force_login(ward1_staff)

    response = _board(client, call_list="yes")

    assert [row.pk for row in _rows(response)] == [day["silent"].pk]
    assert _rows(response)[0].on_call_list
    assert day["silent"].pk not in [row.pk for row in _rows(_board(client, call_list="no"))]


def test_province_admin_finds_the_escalated_patients_with_the_escalated_filter(
    client, province_admin, ward1_staff, ward2_staff, ward2_person, day, clock
):
    homecare_chase()  # 2 December: the silent patient misses a first day
    clock.move_to(at(7, day=3))
    other = make_patient(person=ward2_person, by=ward2_staff, phone="+84987654321")
    for today in (3, 4):
        clock.move_to(at(15, 30, day=today))
        submit(day["reported"], account=ward1_staff)
        homecare_chase()
    # Two days missed in a row: the silent one on the 3rd, the others on the 4th.
    client.force_login(province_admin)

    response = _board(client, escalated="yes")

    escalated = {row.pk for row in _rows(response)}
    assert escalated == {day["silent"].pk, day["danger"].pk, other.pk}
    assert "Đã báo Sở Y tế" in response.content.decode()
    not_escalated = {row.pk for row in _rows(_board(client, escalated="no"))}
    assert not_escalated == {day["reported"].pk, day["pending"].pk}


def test_a_search_looks_through_every_status(client, ward1_staff, day):
    day["reported"].status = "ended"  # only the search may show an ended patient
    HomeCarePatient.objects.filter(pk=day["reported"].pk).update(
        status="ended", end_reason="completed"
    )
    client.force_login(ward1_staff)

    assert day["reported"].pk not in [row.pk for row in _rows(_board(client))]
    assert [row.pk for row in _rows(_board(client, q="le thi hoa"))] == [day["reported"].pk]
    code = f"CS-{day['silent'].pk:06d}"
    assert [row.pk for row in _rows(_board(client, q=code))] == [day["silent"].pk]


# -- query counts ----------------------------------------------------------------------------


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


def test_the_board_runs_the_same_queries_for_3_and_for_30_patients(
    client, ward1_staff, village1, clock
):
    many_patients(village1, 3, by=ward1_staff)
    clock.move_to(at(15, 30))
    client.force_login(ward1_staff)
    client.get(url("changelist"))  # warm the session, permission and rules caches

    few = _queries(client, url("changelist"))
    many_patients(village1, 27, by=ward1_staff, start=3)
    many = _queries(client, url("changelist"))

    response = _board(client)
    assert len(_rows(response)) == 30
    assert len(response.context["open_alerts"]) == 20
    assert many == few
    assert few <= BOARD_QUERY_BUDGET


def test_the_open_alerts_block_is_one_query_for_3_and_for_30_alerts(ward1_staff, village1, clock):
    patients = HomeCarePatient.objects.filter(area__path__startswith=village1.path)
    many_patients(village1, 4, by=ward1_staff)

    with CaptureQueriesContext(connection) as few:
        shown = open_alerts(patients)
        texts = [(item["patient"].person.full_name, item["signs"]) for item in shown]
    many_patients(village1, 41, by=ward1_staff, start=4)
    with CaptureQueriesContext(connection) as many:
        shown_many = open_alerts(patients)
        texts_many = [
            (item["patient"].person.full_name, str(item["patient"].area)) for item in shown_many
        ]

    assert len(texts) == 2 and len(texts_many) == 30
    assert texts[0][1] == "SpO2 thấp (93%), Đau tức ngực"
    assert len(few) == len(many) == 1


# -- the bulk action "Đã gọi điện" ------------------------------------------------------------


def _called(client, patients, **data):
    return client.post(
        url("changelist"),
        {"action": "mark_called", ACTION_CHECKBOX_NAME: [p.pk for p in patients], **data},
    )


def test_called_asks_for_the_note_then_writes_it_on_each_selected_patient(client, ward1_staff, day):
    chosen = [day["silent"], day["reported"]]
    client.force_login(ward1_staff)

    asked = _called(client, chosen, index="0")
    empty = _called(client, chosen, confirm="1", note="   ")
    done = _called(client, chosen, confirm="1", note="Đã gọi, người bệnh  ổn")

    assert asked.status_code == 200
    assert 'id="mark_called_form"' in asked.content.decode()
    assert "Phạm Văn Bình" in asked.content.decode()
    assert empty.status_code == 400
    assert "Ghi nội dung cuộc gọi." in empty.content.decode()
    assert done.status_code == 302
    assert messages_of(done) == ["Đã ghi cuộc gọi cho 2 người bệnh."]
    notes = CallNote.objects.order_by("patient_id")
    assert [(n.patient_id, n.note, n.created_by) for n in notes] == [
        (patient.pk, "Đã gọi, người bệnh ổn", ward1_staff)
        for patient in sorted(chosen, key=lambda p: p.pk)
    ]
    audited = AuditEvent.objects.filter(
        action=AuditAction.CHANGE, object_type="declarations.homecarepatient"
    )
    assert sorted(int(event.object_id) for event in audited) == sorted(p.pk for p in chosen)
    called = {row.pk: row.called_today for row in _rows(_board(client))}
    assert called[day["silent"].pk] and called[day["reported"].pk]
    assert not called[day["danger"].pk]


def test_called_with_another_wards_patient_is_404_and_writes_nothing(
    client, ward1_staff, ward2_staff, ward2_person, day
):
    other = patient_with_alert(ward2_person, by=ward2_staff, phone="+84987654321")
    client.force_login(ward1_staff)

    response = _called(client, [day["silent"], other], confirm="1", note="Đã gọi")

    assert response.status_code == 404
    assert not CallNote.objects.exists()
