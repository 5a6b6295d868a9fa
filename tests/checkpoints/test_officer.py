"""The checkpoint officer's page: look-up by ID number and by QR, the three groups, the
audit, the throttle, the scope to the officer's province and bad input."""

import datetime
import re
import uuid

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from checkpoints.declaring.services import (
    Traveller,
    Trip,
    entry_declarations_submit,
    health_declaration_submit,
)
from checkpoints.officer import views
from checkpoints.officer.models import CheckpointCheck
from checkpoints.officer.rules import OFFICER
from checkpoints.venues.services import checkins_record, venue_approve, venue_register
from khaibao.accounts.models import Unit
from khaibao.accounts.roles import Role
from khaibao.accounts.services import staff_create, unit_save
from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.people.models import Relationship
from khaibao.trust.services import qr_for_person, qr_issue_kb1
from tests.checkpoints.conftest import policy_row
from tests.conftest import STAFF_PASSWORD
from tests.factories import make_person

ENTRY_URL = reverse("checkpoints:officer-entry")
HEALTH_URL = reverse("checkpoints:officer-health")
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def _fresh_counters():
    """The throttle counts per officer id in the cache; ids repeat across tests."""
    cache.clear()
    yield
    cache.clear()


def make_officer(*, username: str, province, unit: Unit, by):
    return staff_create(
        by=by,
        username=username,
        password=STAFF_PASSWORD,
        full_name=username.title(),
        role=Role.CHECKPOINT,
        area=province,
        unit=unit,
    )


@pytest.fixture
def officer(superuser, province, checkpoint):
    return make_officer(username="can-bo-chot", province=province, unit=checkpoint, by=superuser)


@pytest.fixture
def other_officer(superuser, other_province):
    unit = unit_save(
        by=superuser,
        unit=Unit(),
        role=Role.CHECKPOINT,
        code="CHOT-NB",
        name="Chốt sân bay Nội Bài",
        area=other_province,
        phone="",
    )
    return make_officer(username="can-bo-ha-noi", province=other_province, unit=unit, by=superuser)


@pytest.fixture
def records(citizen, citizen_person, village1, ward1_staff, origin_village, publish_policy):
    """The citizen's person has all three groups in province 79: a check-in an hour ago,
    a health declaration now, an entry declaration arriving today under self-monitoring."""
    publish_policy([policy_row(origin_village, measure="self_monitor", days=7)])
    venue = venue_register(
        manager=citizen,
        name="Chợ Bến Thành",
        kind="market",
        area=village1,
        street_address="Lê Lợi",
        contact_phone="+84912345678",
        submission_key=uuid.uuid4(),
    )
    venue = venue_approve(venue=venue, by=ward1_staff)
    checkins_record(
        venue=venue,
        persons=[citizen_person],
        account=citizen,
        now=timezone.now() - datetime.timedelta(hours=1),
    )
    health = health_declaration_submit(
        declared_by=citizen,
        person=citizen_person,
        relationship=Relationship.SELF,
        submission_key=uuid.uuid4(),
        area=village1,
        symptoms=["cough"],
    )
    today = timezone.localdate()
    (entry,) = entry_declarations_submit(
        declared_by=citizen,
        travellers=[Traveller(person=citizen_person, relationship=Relationship.SELF)],
        trip=Trip(
            origin_area=origin_village,
            departed_on=today - datetime.timedelta(days=1),
            arrival_on=today,
            means="car",
            destination_area=village1,
        ),
        submission_key=uuid.uuid4(),
    )
    return {"venue": venue, "health": health, "entry": entry}


def look_up(client, text: str, url: str = ENTRY_URL, **extra):
    return client.post(url, {"q": text}, **extra)


def groups(response) -> str:
    return response.content.decode()


# Smoke: the look-up is one hand-written statement, which SQLite (`make run`) runs too.
@pytest.mark.smoke
def test_id_lookup_shows_the_three_groups_with_words(client, officer, citizen_person, records):
    client.force_login(officer)
    response = look_up(client, citizen_person.id_number)
    html = groups(response)
    assert response.status_code == 200
    assert "Nguyễn Văn An" in html and "Năm sinh 1988" in html
    assert 'data-group="checkin" data-level="green"' in html and "Chợ Bến Thành" in html
    assert 'data-group="health" data-level="green"' in html and "Còn hạn" in html
    assert 'data-group="entry" data-level="yellow"' in html and "Cần theo dõi" in html
    assert "Hà Nội" in html and "Tự theo dõi sức khoẻ tại nhà" in html
    # Least data: no full ID number, no symptoms.
    assert citizen_person.id_number not in html.replace('name="q"', "")
    assert "Ho" not in [part.strip() for part in html.split(">")]
    assert "cough" not in html and "triệu chứng" not in html.lower()


def test_the_field_is_empty_after_a_lookup(client, officer, citizen_person, records):
    client.force_login(officer)
    response = look_up(client, citizen_person.id_number)
    assert f'value="{citizen_person.id_number}"' not in response.content.decode()


def test_groups_turn_yellow_and_red_past_the_rules(
    client, officer, citizen_person, records, set_rule, province
):
    set_rule(OFFICER, province, recent_checkin_hours=1)
    records["entry"].__class__.objects.filter(pk=records["entry"].pk).update(
        arrival_on=timezone.localdate() - datetime.timedelta(days=30),
        departed_on=timezone.localdate() - datetime.timedelta(days=31),
    )
    client.force_login(officer)
    html = groups(look_up(client, citizen_person.id_number))
    assert 'data-group="checkin" data-level="yellow"' in html and "Đã lâu" in html
    assert 'data-group="entry" data-level="yellow"' in html and "Khai báo cũ" in html


def test_a_person_without_records_is_red_or_no_data(client, officer, ward2_person):
    client.force_login(officer)
    html = groups(look_up(client, ward2_person.id_number))
    assert "Trần Thị Cúc" in html
    assert "Không có dữ liệu trong tỉnh." in html


@pytest.mark.smoke
def test_my_qr_finds_the_person(client, officer, citizen_person, records):
    client.force_login(officer)
    response = look_up(client, qr_for_person(citizen_person), url=HEALTH_URL)
    html = groups(response)
    assert response.status_code == 200
    assert "Nguyễn Văn An" in html and 'data-group="health" data-level="green"' in html
    event = AuditEvent.objects.get(person=citizen_person, action=AuditAction.VIEW)
    assert event.detail["method"] == "qr" and event.detail["tab"] == "kbyt"


@pytest.mark.parametrize("declaration", ["health", "entry"])
@pytest.mark.smoke
def test_a_declaration_qr_finds_its_person(client, officer, records, declaration):
    client.force_login(officer)
    html = groups(look_up(client, records[declaration].qr_text))
    assert "Nguyễn Văn An" in html and 'data-group="entry"' in html


def tampered(text: str) -> str:
    middle = len(text) // 2
    replacement = "A" if text[middle] != "A" else "B"
    return text[:middle] + replacement + text[middle + 1 :]


def test_a_tampered_qr_is_shown_as_such_and_names_nobody(client, officer, citizen_person):
    client.force_login(officer)
    response = look_up(client, tampered(qr_for_person(citizen_person)))
    html = groups(response)
    assert response.status_code == 200
    assert 'data-status="bad_signature"' in html or 'data-status="malformed"' in html
    assert "Mã QR không dùng được" in html
    assert "Nguyễn Văn An" not in html
    event = AuditEvent.objects.get(actor=officer, action=AuditAction.SEARCH)
    assert event.person is None and event.detail["result"] in {"bad_signature", "malformed"}


def test_an_expired_qr_is_shown_as_such(client, officer, citizen_person):
    code = qr_issue_kb1(
        kind="person",
        subject_id=str(citizen_person.public_id),
        claims={"name": citizen_person.full_name, "birth_date": citizen_person.date_of_birth},
        valid_for=datetime.timedelta(days=1),
        issued_at=timezone.now() - datetime.timedelta(days=10),
    )
    client.force_login(officer)
    html = groups(look_up(client, code.text))
    assert 'data-status="expired"' in html and "Hết hạn" in html
    assert "Nguyễn Văn An" not in html


def test_each_lookup_is_audited_and_on_the_citizens_access_log(
    client, officer, citizen, citizen_person, checkpoint, records
):
    client.force_login(officer)
    look_up(client, citizen_person.id_number)
    look_up(client, qr_for_person(citizen_person))
    events = AuditEvent.objects.filter(person=citizen_person, actor=officer).order_by("pk")
    assert [e.detail["method"] for e in events] == ["id", "qr"]
    assert all(e.detail["checkpoint"] == checkpoint.pk for e in events)
    assert all(e.action == AuditAction.VIEW and e.area.code == "79" for e in events)
    client.force_login(citizen)
    page = client.get(reverse("people:access-log", args=[citizen_person.public_id]))
    assert page.content.decode().count("Chốt kiểm soát") >= 2


@pytest.mark.smoke
def test_several_persons_with_one_number_are_offered_by_birth_year(
    client, officer, village1, citizen_person
):
    twin = make_person(
        area=village1,
        full_name="Nguyễn Văn Ân",
        date_of_birth=datetime.date(1990, 1, 1),
        id_type="passport",
        id_number=citizen_person.id_number,
    )
    client.force_login(officer)
    html = groups(look_up(client, citizen_person.id_number))
    assert "Có 2 người dùng số giấy tờ này" in html
    assert "Năm sinh 1988" in html and "Năm sinh 1990" in html
    assert "Nguyễn Văn Ân" not in html
    picked = client.post(ENTRY_URL, {"q": citizen_person.id_number, "chon": str(twin.public_id)})
    assert "Nguyễn Văn Ân" in groups(picked) and "Không có dữ liệu trong tỉnh." in groups(picked)


def test_a_placeholder_number_matches_nobody(client, officer, relative):
    client.force_login(officer)
    html = groups(look_up(client, "000000000"))
    assert "Không tìm thấy người có số giấy tờ này." in html
    assert "Nguyễn Thị Bình" not in html


def test_the_throttle_answers_429_in_vietnamese(
    client, officer, citizen_person, set_rule, province
):
    set_rule(OFFICER, province, lookups_per_minute=2)
    client.force_login(officer)
    assert look_up(client, citizen_person.id_number).status_code == 200
    assert look_up(client, citizen_person.id_number).status_code == 200
    page = look_up(client, citizen_person.id_number)
    assert page.status_code == 429
    assert "Quá 2 lượt tra cứu trong một phút" in page.content.decode()
    api = look_up(client, citizen_person.id_number, **JSON)
    assert api.status_code == 429 and api.json()["error"] == "rate_limited"
    assert "Vui lòng chờ một phút" in api.json()["message"]
    assert AuditEvent.objects.filter(actor=officer).count() == 2


def test_another_provinces_officer_sees_nothing_of_this_province(
    client, other_officer, citizen_person, records
):
    client.force_login(other_officer)
    for text in (citizen_person.id_number, qr_for_person(citizen_person)):
        html = groups(look_up(client, text))
        assert "Không có dữ liệu trong tỉnh." in html
        assert "Chợ Bến Thành" not in html and "data-group" not in html


def test_the_json_path_returns_the_answer_html(client, officer, citizen_person, records):
    client.force_login(officer)
    response = look_up(client, citizen_person.id_number, **JSON)
    assert response.status_code == 200
    assert 'data-group="checkin"' in response.json()["html"]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "x" * 10_000, "<script>alert(1)</script>", "KB1", "12 34; DROP TABLE", "é" * 30],
)
def test_bad_input_is_a_vietnamese_400(client, officer, text):
    client.force_login(officer)
    response = look_up(client, text)
    assert response.status_code == 400
    html = response.content.decode()
    assert any(
        message in html
        for message in (
            "Nhập số giấy tờ hoặc quét mã QR.",
            "Nội dung quá dài",
            "Số giấy tờ gồm 6–20 chữ cái hoặc chữ số",
        )
    )
    api = look_up(client, text, **JSON)
    assert api.status_code == 400 and api.json()["error"] == "invalid"


def test_garbage_after_a_qr_prefix_is_malformed_not_500(client, officer):
    client.force_login(officer)
    for text in ("KB1:" + "Z" * 300, "HC1:!!!!", "kb1:6BFOXN*TS0BI$ZD"):
        response = look_up(client, text)
        assert response.status_code == 200
        assert 'data-status="malformed"' in response.content.decode()


def check_ticket(response) -> str:
    """The "đã kiểm tra" form's ticket in a look-up's answer."""
    html = response.content.decode()
    if response.headers["Content-Type"].startswith("application/json"):
        html = response.json()["html"]
    found = re.search(r'name="nguoi" value="([^"]+)"', html)
    assert found, "the answer has no “Đã kiểm tra” form"
    return found.group(1)


@pytest.mark.smoke
def test_checked_is_recorded_and_audited(client, officer, checkpoint, citizen_person, records):
    client.force_login(officer)
    ticket = check_ticket(look_up(client, citizen_person.id_number))
    response = client.post(reverse("checkpoints:officer-check"), {"nguoi": ticket})
    assert response.status_code == 302
    check = CheckpointCheck.objects.get()
    assert (check.person, check.officer, check.checkpoint) == (citizen_person, officer, checkpoint)
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, person=citizen_person, object_type="checkpoints.checkpointcheck"
    ).exists()
    # The same answer's button again: recorded once.
    again = client.post(reverse("checkpoints:officer-check"), {"nguoi": ticket}, **JSON)
    assert (
        again.status_code == 400
        and "Chỉ ghi nhận được người vừa tra cứu" in again.json()["message"]
    )
    assert CheckpointCheck.objects.count() == 1
    # A new look-up of the same person can be recorded again.
    ticket = check_ticket(look_up(client, citizen_person.id_number, **JSON))
    assert client.post(reverse("checkpoints:officer-check"), {"nguoi": ticket}).status_code == 302
    assert CheckpointCheck.objects.count() == 2


def test_checked_needs_a_lookup_first(client, officer, other_officer, citizen_person, records):
    client.force_login(officer)
    check_url = reverse("checkpoints:officer-check")
    # A bare public id, a forged ticket, or another officer's ticket records nothing.
    assert client.post(check_url, {"nguoi": str(citizen_person.public_id)}).status_code == 400
    ticket = check_ticket(look_up(client, citizen_person.id_number))
    assert client.post(check_url, {"nguoi": ticket[:-2] + "xx"}).status_code == 400
    client.force_login(other_officer)
    refused = client.post(check_url, {"nguoi": ticket}, **JSON)
    assert refused.status_code == 400 and refused.json()["error"] == "not_shown"
    assert not CheckpointCheck.objects.exists()


def test_a_check_ticket_expires(client, officer, citizen_person, records):
    client.force_login(officer)
    ticket = check_ticket(look_up(client, citizen_person.id_number))
    later = timezone.now() + datetime.timedelta(seconds=views.CHECK_MAX_AGE + 5)
    with time_machine.travel(later, tick=False):
        response = client.post(reverse("checkpoints:officer-check"), {"nguoi": ticket})
    assert response.status_code == 400
    assert not CheckpointCheck.objects.exists()


def test_lookup_uses_a_constant_number_of_queries(
    client, officer, citizen_person, ward2_person, records
):
    """A person with all three groups costs what a person with none costs. What the
    scanner's script sends (JSON) is four statements: the session, the account with its
    staff profile and area, the person with the three groups, the audit row (the page
    without script adds the checkpoint's name). A QR adds the verifier's two revocation
    reads, whoever it names."""
    client.force_login(officer)
    look_up(client, ward2_person.id_number)  # warm the rule caches

    def queries_for(text: str, **extra) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert look_up(client, text, **extra).status_code == 200
        return len(queries)

    persons = (citizen_person, ward2_person)
    assert {queries_for(person.id_number, **JSON) for person in persons} == {4}
    assert {queries_for(qr_for_person(person), **JSON) for person in persons} == {6}
    assert {queries_for(person.id_number) for person in persons} == {5}


def test_the_venue_tab_lists_a_venues_checkins_of_the_province(
    client, officer, other_officer, records
):
    venue = records["venue"]
    client.force_login(officer)
    url = reverse("checkpoints:officer-venues")
    found = client.get(url, {"ten": "bến thành"})
    assert "Chợ Bến Thành" in found.content.decode()
    listed = client.get(url, {"dia_diem": str(venue.public_id)})
    assert "Nguyễn Văn An (1988)" in listed.content.decode()
    assert AuditEvent.objects.filter(actor=officer, object_type="checkpoints.venue").exists()
    # Each person listed sees the officer's read in "who looked at my record".
    read = AuditEvent.objects.get(actor=officer, action="view", detail__tab="venue")
    assert read.person.full_name == "Nguyễn Văn An"
    client.force_login(other_officer)
    assert "Chợ Bến Thành" not in client.get(url, {"ten": "bến thành"}).content.decode()
    assert (
        "Nguyễn Văn An" not in client.get(url, {"dia_diem": str(venue.public_id)}).content.decode()
    )


def test_the_defaults_are_kept_in_the_session(client, officer, checkpoint):
    client.force_login(officer)
    page = client.get(reverse("checkpoints:officer-defaults"))
    assert checkpoint.name in page.content.decode()
    saved = client.post(reverse("checkpoints:officer-defaults"), {"tab": "kbyt"})
    assert saved.status_code == 302 and saved.url == HEALTH_URL
    assert client.get(reverse("checkpoints:officer")).url == HEALTH_URL
    bad = client.post(reverse("checkpoints:officer-defaults"), {"tab": "x"})
    assert bad.status_code == 400 and "Chọn một mục trong danh sách." in bad.content.decode()


OFFICER_URLS = [
    ("get", reverse("checkpoints:officer")),
    ("get", ENTRY_URL),
    ("post", HEALTH_URL),
    ("post", reverse("checkpoints:officer-check")),
    ("get", reverse("checkpoints:officer-venues")),
    ("get", reverse("checkpoints:officer-defaults")),
]


@pytest.mark.parametrize(("method", "url"), OFFICER_URLS)
def test_anonymous_goes_to_the_staff_login(client, db, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("persona", ["citizen", "ward1_staff", "lab_user", "province_admin"])
@pytest.mark.parametrize(("method", "url"), OFFICER_URLS)
def test_other_accounts_get_403(client, request, persona, method, url):
    client.force_login(request.getfixturevalue(persona))
    assert getattr(client, method)(url).status_code == 403
