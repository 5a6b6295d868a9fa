"""The ward station's work on F0 declarations in the admin: the queue, the review page,
decisions, bulk accept and the date-range export."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from declarations.f0.admin_queue import decision_deadline
from declarations.f0.models import F0Declaration, F0Status, RejectReason
from declarations.f0.services import f0_accept, f0_completion_request
from declarations.kinds import TEST_RESULT_PHOTO
from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.notify.gsm import gsm_fold
from khaibao.notify.models import SmsMessage
from khaibao.people.ids import Sex
from khaibao.uploads.services import private_storage
from tests.admin.admin_urls import csv_rows
from tests.declarations.factories import (
    cccd_qr_text,
    make_declaration,
    rules_detail,
    store_photo,
    tray_image,
)
from tests.factories import make_person

#: The queue stays under this many queries, whatever it shows.
QUEUE_QUERY_BUDGET = 20

# 10:00 in Hà Nội on a Monday.
MORNING = datetime.datetime(2026, 11, 23, 3, 0, tzinfo=datetime.UTC)


def _url(kind: str, declaration=None) -> str:
    args = [declaration.pk] if declaration is not None else []
    return reverse(f"admin:declarations_f0declaration_{kind}", args=args)


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _decide_events(declaration) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=AuditAction.DECIDE,
            object_type="declarations.f0declaration",
            object_id=str(declaration.pk),
        ).order_by("id")
    )


def _sms(purpose: str) -> list[SmsMessage]:
    return list(SmsMessage.objects.filter(purpose=purpose).order_by("id"))


def _persons(area, count: int, start: int = 0):
    return [
        make_person(
            area=area,
            full_name=f"Người Thứ {number}",
            date_of_birth=datetime.date(1960 + number % 40, 1 + number % 12, 1 + number % 28),
            sex=Sex.FEMALE if number % 2 else Sex.MALE,
        )
        for number in range(start, start + count)
    ]


# -- decisions ---------------------------------------------------------------------------


def test_accept_from_the_review_page_gives_a_case_code_an_sms_and_an_audit_event(
    client, ward1_staff, ward1_declaration
):
    client.force_login(ward1_staff)
    page = client.get(_url("change", ward1_declaration))
    assert f'action="{_url("accept", ward1_declaration)}"' in page.content.decode()

    response = client.post(_url("accept", ward1_declaration))

    assert response.status_code == 302
    assert response["Location"] == _url("changelist")
    ward1_declaration.refresh_from_db()
    assert ward1_declaration.status == F0Status.ACCEPTED
    assert ward1_declaration.case_code.startswith("F0-26734-")
    assert ward1_declaration.decided_by == ward1_staff
    assert any(ward1_declaration.case_code in text for text in _messages(response))
    [sms] = _sms("f0_accepted")
    assert ward1_declaration.case_code in sms.body
    assert sms.to == ward1_declaration.contact_phone
    [event] = _decide_events(ward1_declaration)
    assert event.actor == ward1_staff
    assert event.detail == {"decision": "accept", **rules_detail(ward1_declaration)}
    assert event.person == ward1_declaration.person
    assert ward1_declaration.events.last().status == F0Status.ACCEPTED


def test_reject_with_a_reason_and_a_note_texts_the_reason_and_the_fix_link(
    client, ward1_staff, ward1_declaration
):
    client.force_login(ward1_staff)

    response = client.post(
        _url("reject", ward1_declaration),
        {"reason": RejectReason.PHOTO_UNREADABLE, "note": "Chụp lại  khay test cho rõ tên"},
    )

    assert response.status_code == 302
    ward1_declaration.refresh_from_db()
    assert ward1_declaration.status == F0Status.REJECTED
    assert ward1_declaration.reject_reason == RejectReason.PHOTO_UNREADABLE
    assert ward1_declaration.reject_note == "Chụp lại khay test cho rõ tên"
    [sms] = _sms("f0_rejected")
    assert gsm_fold(RejectReason.PHOTO_UNREADABLE.label) in sms.body
    assert "Chup lai khay test cho ro ten" in sms.body
    assert f"{settings.KHAIBAO_PUBLIC_URL}{ward1_declaration.get_absolute_url()}" in sms.body
    [event] = _decide_events(ward1_declaration)
    assert event.detail == {
        "decision": "reject",
        "reason": RejectReason.PHOTO_UNREADABLE,
        **rules_detail(ward1_declaration),
    }


def test_reject_for_another_reason_without_a_note_is_a_400_and_changes_nothing(
    client, ward1_staff, ward1_declaration
):
    client.force_login(ward1_staff)

    response = client.post(_url("reject", ward1_declaration), {"reason": RejectReason.OTHER})

    assert response.status_code == 400
    assert "Ghi rõ lý do để người dân biết cần sửa gì." in response.content.decode()
    ward1_declaration.refresh_from_db()
    assert ward1_declaration.status == F0Status.SUBMITTED
    assert not _sms("f0_rejected")
    assert not _decide_events(ward1_declaration)


def test_reject_without_a_reason_is_a_400_in_vietnamese(client, ward1_staff, ward1_declaration):
    client.force_login(ward1_staff)

    response = client.post(_url("reject", ward1_declaration), {"reason": "", "note": "x"})

    assert response.status_code == 400
    assert "Chọn lý do từ chối." in response.content.decode()
    ward1_declaration.refresh_from_db()
    assert ward1_declaration.status == F0Status.SUBMITTED


def test_a_decision_in_the_wrong_status_gives_a_message_and_changes_nothing(
    client, ward1_staff, ward1_declaration
):
    client.force_login(ward1_staff)
    client.post(_url("accept", ward1_declaration))
    ward1_declaration.refresh_from_db()
    code = ward1_declaration.case_code

    again = client.post(_url("accept", ward1_declaration))
    reject = client.post(_url("reject", ward1_declaration), {"reason": RejectReason.DUPLICATE})
    confirm = client.post(_url("completion_confirm", ward1_declaration))

    for response in (again, reject, confirm):
        assert response.status_code == 302
        assert response["Location"] == _url("change", ward1_declaration)
        assert any("không thể thực hiện thao tác này" in text for text in _messages(response))
    ward1_declaration.refresh_from_db()
    assert ward1_declaration.status == F0Status.ACCEPTED
    assert ward1_declaration.case_code == code
    assert len(_sms("f0_accepted")) == 1
    assert not _sms("f0_rejected")
    assert len(_decide_events(ward1_declaration)) == 1


def test_a_decision_page_says_when_it_does_not_apply(client, ward1_staff, ward1_declaration):
    client.force_login(ward1_staff)

    response = client.get(_url("completion_confirm", ward1_declaration))

    assert response.status_code == 200
    assert "không áp dụng cho khai báo ở trạng thái hiện tại" in response.content.decode()
    assert 'id="completion_confirm_form"' not in response.content.decode()


def test_the_review_page_cannot_edit_a_declaration(client, ward1_staff, ward1_declaration):
    client.force_login(ward1_staff)

    response = client.post(_url("change", ward1_declaration), {"status": F0Status.ACCEPTED})

    assert response.status_code == 403
    ward1_declaration.refresh_from_db()
    assert ward1_declaration.status == F0Status.SUBMITTED


@pytest.fixture
def completion_requested(citizen, citizen_person, ward1_staff):
    """Ward 1's declaration, accepted and then declared completed 8 days later."""
    with time_machine.travel(MORNING, tick=False) as traveller:
        declaration = make_declaration(person=citizen_person, account=citizen)
        f0_accept(declaration=declaration, by=ward1_staff)
        traveller.shift(datetime.timedelta(days=8))
        photo = store_photo(citizen_person, citizen, tray_image(999), TEST_RESULT_PHOTO)
        declaration = f0_completion_request(
            declaration=declaration,
            account=citizen,
            negative_test_date=timezone.localdate(),
            photo=photo,
        )
        yield declaration


def test_confirm_completion_certifies_it(client, ward1_staff, completion_requested):
    client.force_login(ward1_staff)
    page = client.get(_url("change", completion_requested)).content.decode()
    assert _photo_url(completion_requested, "completion") in page

    response = client.post(_url("completion_confirm", completion_requested))

    assert response.status_code == 302
    completion_requested.refresh_from_db()
    assert completion_requested.status == F0Status.COMPLETED
    assert completion_requested.certificate_id
    [sms] = _sms("f0_completed")
    assert completion_requested.case_code in sms.body
    assert _decide_events(completion_requested)[-1].detail == {
        "decision": "completion_confirm",
        **rules_detail(completion_requested),
    }


def test_refuse_completion_needs_a_reason_and_texts_it(client, ward1_staff, completion_requested):
    client.force_login(ward1_staff)

    empty = client.post(_url("completion_refuse", completion_requested), {"reason": "  "})
    response = client.post(
        _url("completion_refuse", completion_requested), {"reason": "Ảnh test âm tính bị mờ"}
    )

    assert empty.status_code == 400
    assert "Ghi rõ lý do để người dân biết cần làm gì." in empty.content.decode()
    assert response.status_code == 302
    completion_requested.refresh_from_db()
    assert completion_requested.status == F0Status.ACCEPTED
    assert completion_requested.completion_refusal == "Ảnh test âm tính bị mờ"
    [sms] = _sms("f0_completion_refused")
    assert "Anh test am tinh bi mo" in sms.body


# -- bulk accept ---------------------------------------------------------------------------


def _post_action(client, action: str, declarations, query: str = ""):
    """The action form as the queue page posts it: to the page's own URL and filters."""
    return client.post(
        _url("changelist") + query,
        {
            "action": action,
            "index": "0",
            ACTION_CHECKBOX_NAME: [str(declaration.pk) for declaration in declarations],
        },
    )


def test_bulk_accept_accepts_each_selected_declaration(client, ward1_staff, village1):
    declarations = [make_declaration(person=person) for person in _persons(village1, 3)]
    client.force_login(ward1_staff)

    response = _post_action(client, "accept_selected", declarations)

    assert response.status_code == 302
    for declaration in declarations:
        declaration.refresh_from_db()
        assert declaration.status == F0Status.ACCEPTED
        assert declaration.case_code
        assert len(_decide_events(declaration)) == 1
    assert len(_sms("f0_accepted")) == 3
    assert any("Đã tiếp nhận 3 khai báo" in text for text in _messages(response))


def test_bulk_accept_skips_and_reports_declarations_not_waiting(
    client, ward1_staff, village1, ward1_declaration
):
    client.force_login(ward1_staff)
    client.post(_url("reject", ward1_declaration), {"reason": RejectReason.DUPLICATE})
    waiting = make_declaration(person=_persons(village1, 1)[0])

    # Selected on "Tất cả": the rejected one is listed there, and skipped.
    response = _post_action(
        client, "accept_selected", [ward1_declaration, waiting], query="?status=all"
    )

    ward1_declaration.refresh_from_db()
    waiting.refresh_from_db()
    assert ward1_declaration.status == F0Status.REJECTED
    assert waiting.status == F0Status.ACCEPTED
    texts = _messages(response)
    assert any("Đã tiếp nhận 1 khai báo" in text for text in texts)
    assert any("Bỏ qua 1 khai báo" in text and "Nguyễn Văn An" in text for text in texts)


def test_bulk_accept_with_a_ward2_id_is_404_and_accepts_nothing(
    client, ward1_staff, ward1_declaration, ward2_declaration
):
    client.force_login(ward1_staff)

    response = _post_action(client, "accept_selected", [ward1_declaration, ward2_declaration])

    assert response.status_code == 404
    assert not F0Declaration.objects.filter(status=F0Status.ACCEPTED).exists()


# -- scope ---------------------------------------------------------------------------------


def test_ward2_user_gets_404_on_a_ward1_declaration_its_decisions_and_its_photos(
    client, ward2_staff, ward1_declaration
):
    client.force_login(ward2_staff)
    urls = [_url(kind, ward1_declaration) for kind in ("change", "history")]
    decisions = [
        _url(kind, ward1_declaration)
        for kind in ("accept", "reject", "completion_confirm", "completion_refuse")
    ]
    photos = [
        reverse("uploads:photo", args=[photo.public_id])
        for photo in (ward1_declaration.test_photo, ward1_declaration.id_photo)
    ]

    for url in [*urls, *decisions, *photos]:
        assert client.get(url).status_code == 404, url
    for url in decisions:
        assert client.post(url, {"reason": RejectReason.DUPLICATE}).status_code == 404, url

    ward1_declaration.refresh_from_db()
    assert ward1_declaration.status == F0Status.SUBMITTED
    assert not AuditEvent.objects.filter(actor=ward2_staff).exists()


def test_the_queue_lists_ward1_declarations_only(
    client, ward1_staff, ward1_declaration, ward2_declaration
):
    client.force_login(ward1_staff)

    response = client.get(_url("changelist"))

    assert [row.pk for row in response.context["cl"].result_list] == [ward1_declaration.pk]


def test_the_village_filter_offers_the_users_villages_only(
    client, ward1_staff, village1, village2, ward1_declaration
):
    client.force_login(ward1_staff)

    response = client.get(_url("changelist"))
    village_filter = next(
        spec
        for spec in response.context["cl"].filter_specs
        if getattr(spec, "parameter_name", None) == "village"
    )
    offered = {value for value, _label in village_filter.lookup_choices}
    filtered = client.get(_url("changelist"), {"village": village1.pk})

    assert str(village1.pk) in offered
    assert str(village2.pk) not in offered
    assert [row.pk for row in filtered.context["cl"].result_list] == [ward1_declaration.pk]


def test_the_province_admin_decides_in_any_ward_of_the_province(
    client, province_admin, ward2_declaration
):
    client.force_login(province_admin)

    response = client.post(_url("accept", ward2_declaration))

    assert response.status_code == 302
    ward2_declaration.refresh_from_db()
    assert ward2_declaration.status == F0Status.ACCEPTED
    assert ward2_declaration.decided_by == province_admin


# -- the review page -----------------------------------------------------------------------


def _photo_url(declaration, which):
    return reverse("admin:declarations_f0declaration_photo", args=[declaration.pk, which])


def test_the_review_page_shows_the_photos_through_the_authorised_view(
    client, ward1_staff, ward1_declaration
):
    client.force_login(ward1_staff)

    page = client.get(_url("change", ward1_declaration))
    html = page.content.decode()

    assert page.status_code == 200
    for which in ("test", "id"):
        url = _photo_url(ward1_declaration, which)
        assert f'<img src="{url}"' in html
        photo = client.get(url)
        assert photo.status_code == 200
        assert photo["Content-Type"] == "image/jpeg"
        assert "no-store" in photo["Cache-Control"] and "private" in photo["Cache-Control"]
        assert photo["X-Content-Type-Options"] == "nosniff"
    assert client.get(_photo_url(ward1_declaration, "completion")).status_code == 404  # none yet
    view = AuditEvent.objects.filter(actor=ward1_staff, action=AuditAction.VIEW)
    assert view.filter(object_type="declarations.f0declaration").count() == 1
    assert view.filter(object_type="uploads.photo").count() == 2


def test_a_station_sees_the_photos_of_a_person_isolating_in_its_ward_who_lives_elsewhere(
    client, ward1_staff, ward2_staff, ward2_person, village1
):
    declaration = make_declaration(person=ward2_person, isolation_area=village1)
    client.force_login(ward1_staff)

    html = client.get(_url("change", declaration)).content.decode()
    photo = client.get(_photo_url(declaration, "test"))

    assert f'<img src="{_photo_url(declaration, "test")}"' in html
    assert photo.status_code == 200
    # The photo's own URL still follows where the person lives.
    assert client.get(declaration.test_photo.get_absolute_url()).status_code == 404
    # And the station of the ward the person lives in does not see the declaration.
    client.force_login(ward2_staff)
    assert client.get(_photo_url(declaration, "test")).status_code == 404


def test_the_review_page_names_the_cccd_fields_that_disagree(client, ward1_staff, village1):
    person = _persons(village1, 1)[0]
    declaration = make_declaration(
        person=person,
        id_qr_text=cccd_qr_text(person, full_name="Trần Văn Bình", id_number="079099000001"),
    )
    client.force_login(ward1_staff)

    html = client.get(_url("change", declaration)).content.decode()
    queue = client.get(_url("changelist")).content.decode()

    assert "Mã QR trên CCCD không khớp: số giấy tờ, họ và tên" in html
    assert "⚠ CCCD" in queue


@pytest.mark.parametrize(
    ("with_qr", "expected"),
    [
        (True, "Mã QR trên CCCD khớp với thông tin khai báo."),
        (False, "Không đọc được mã QR trên ảnh CCCD"),
    ],
)
def test_the_review_page_tells_a_matching_qr_from_an_unreadable_one(
    client, ward1_staff, village1, with_qr, expected
):
    person = _persons(village1, 1)[0]
    declaration = make_declaration(
        person=person, id_qr_text=cccd_qr_text(person) if with_qr else None
    )
    client.force_login(ward1_staff)

    html = client.get(_url("change", declaration)).content.decode()

    assert declaration.cccd_mismatch == []
    assert expected in html


def test_the_review_page_links_the_declaration_whose_test_photo_was_reused(
    client, ward1_staff, village1
):
    first, second = _persons(village1, 2)
    original = make_declaration(person=first, tray_seed=4242)
    copy = make_declaration(person=second, tray_seed=4242)
    client.force_login(ward1_staff)

    html = client.get(_url("change", copy)).content.decode()
    queue = client.get(_url("changelist")).content.decode()

    assert copy.reused_photo_of == original
    assert "Ảnh test giống ảnh của một khai báo khác." in html
    assert f'href="{_url("change", original)}"' in html
    assert "⚠ Ảnh trùng" in queue


def test_a_reused_photo_in_another_ward_is_flagged_without_a_link(
    client, ward1_staff, ward2_person, village1
):
    original = make_declaration(person=ward2_person, tray_seed=777)
    copy = make_declaration(person=_persons(village1, 1)[0], tray_seed=777)
    client.force_login(ward1_staff)

    html = client.get(_url("change", copy)).content.decode()

    assert copy.reused_photo_of == original
    assert "Khai báo đó thuộc địa bàn khác" in html
    assert _url("change", original) not in html
    assert ward2_person.full_name not in html


def test_the_review_page_lists_the_persons_earlier_declarations(
    client, ward1_staff, completion_requested, citizen, citizen_person
):
    client.force_login(ward1_staff)
    client.post(_url("completion_confirm", completion_requested))
    with time_machine.travel(MORNING + datetime.timedelta(days=60), tick=False):
        current = make_declaration(person=citizen_person, account=citizen)
        client.force_login(ward1_staff)

        html = client.get(_url("change", current)).content.decode()

    assert f'href="{_url("change", completion_requested)}"' in html
    assert completion_requested.case_code in html


def test_the_review_page_shows_the_history_with_the_reason(client, ward1_staff, ward1_declaration):
    client.force_login(ward1_staff)
    client.post(
        _url("reject", ward1_declaration), {"reason": RejectReason.OTHER, "note": "Sai địa chỉ"}
    )

    html = client.get(_url("change", ward1_declaration)).content.decode()

    assert "Lý do khác. Sai địa chỉ" in html
    assert str(ward1_staff) in html
    assert "Người khai báo" in html  # the submission, by the citizen's account


# -- the queue -----------------------------------------------------------------------------


def test_the_queue_runs_a_constant_number_of_queries(client, ward1_staff, village1, ward1):
    client.force_login(ward1_staff)
    url = _url("changelist") + "?status=all"
    for person in _persons(village1, 5):
        make_declaration(person=person)
    client.get(url)  # warm the session and content-type caches

    with CaptureQueriesContext(connection) as few:
        first = client.get(url)
    for index, person in enumerate(_persons(village1, 45, start=5)):
        declaration = make_declaration(person=person, isolation_area=(village1, ward1)[index % 2])
        if index % 3 == 0:
            f0_accept(declaration=declaration, by=ward1_staff)
    with CaptureQueriesContext(connection) as many:
        second = client.get(url)

    assert len(first.context["cl"].result_list) == 5
    assert len(second.context["cl"].result_list) == 50
    assert len(many) == len(few)
    assert len(few) <= QUEUE_QUERY_BUDGET


def test_the_queue_opens_on_the_declarations_waiting_for_a_decision(
    client, ward1_staff, village1, set_rule
):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    submitted, accepted, completion = (
        make_declaration(person=person, test_date=yesterday) for person in _persons(village1, 3)
    )
    f0_accept(declaration=accepted, by=ward1_staff)
    f0_accept(declaration=completion, by=ward1_staff)
    set_rule("f0_timing", isolation_days=1)
    photo = store_photo(completion.person, completion.declared_by, tray_image(91), "test_result")
    f0_completion_request(
        declaration=completion,
        account=completion.declared_by,
        negative_test_date=timezone.localdate(),
        photo=photo,
    )
    client.force_login(ward1_staff)

    queue = client.get(_url("changelist"))
    everything = client.get(_url("changelist"), {"status": "all"})
    only_accepted = client.get(_url("changelist"), {"status": F0Status.ACCEPTED})

    assert {row.pk for row in queue.context["cl"].result_list} == {submitted.pk, completion.pk}
    html = queue.content.decode()
    assert "Chờ quyết định" in html and 'href="?status=all"' in html
    assert {row.pk for row in everything.context["cl"].result_list} == {
        submitted.pk,
        accepted.pk,
        completion.pk,
    }
    assert [row.pk for row in only_accepted.context["cl"].result_list] == [accepted.pk]


def test_a_search_looks_through_every_status(client, ward1_staff, ward1_declaration):
    accepted = f0_accept(declaration=ward1_declaration, by=ward1_staff)
    client.force_login(ward1_staff)

    response = client.get(_url("changelist"), {"q": accepted.case_code})

    assert [row.pk for row in response.context["cl"].result_list] == [accepted.pk]


def test_the_admin_reads_vietnamese_where_django_has_no_translation(
    client, ward1_staff, ward1_declaration, settings
):
    # Issue 17: "Show counts", "Toggle theme" in English, and "History" as "Bản ghi nhớ".
    settings.LANGUAGE_CODE = "vi"
    client.force_login(ward1_staff)

    queue = client.get(_url("changelist")).content.decode()
    review = client.get(_url("change", ward1_declaration)).content.decode()

    for english in ("Show counts", "Toggle theme", "Skip to main content", "Toggle navigation"):
        assert english not in queue
    assert "Hiện số lượng" in queue
    assert "Đổi giao diện sáng / tối" in queue
    assert 'class="historylink">Lịch sử</a>' in review
    assert "Bản ghi nhớ" not in review


def test_the_queue_shows_the_oldest_waiting_declaration_first(client, ward1_staff, village1):
    old, new, decided = _persons(village1, 3)
    with time_machine.travel(MORNING, tick=False) as traveller:
        decided = make_declaration(person=decided)
        traveller.shift(datetime.timedelta(hours=1))
        old = make_declaration(person=old)
        traveller.shift(datetime.timedelta(hours=1))
        new = make_declaration(person=new)
        f0_accept(declaration=decided, by=ward1_staff)
        client.force_login(ward1_staff)

        rows = client.get(_url("changelist"), {"status": "all"}).context["cl"].result_list

    assert [row.pk for row in rows] == [old.pk, new.pk, decided.pk]


@pytest.mark.parametrize(
    ("hours", "level", "label", "shown"),
    [
        (3, "ok", "Trong hạn", "3 giờ"),
        (11, "ok", "Trong hạn", "11 giờ"),
        (12, "soon", "Sắp hết hạn", "12 giờ"),
        (23, "soon", "Sắp hết hạn", "23 giờ"),
        (24, "overdue", "Quá hạn", "24 giờ"),
        (30, "overdue", "Quá hạn", "30 giờ"),
    ],
)
def test_the_queue_colours_the_decision_deadline_with_a_text_label(
    client, ward1_staff, ward1_declaration, settings, hours, level, label, shown
):

    with time_machine.travel(ward1_declaration.submitted_at + datetime.timedelta(hours=hours)):
        client.force_login(ward1_staff)  # a fresh session: staff sessions time out
        html = client.get(_url("changelist")).content.decode()

    assert f'class="f0-deadline f0-deadline-{level}"' in html
    assert f"{shown} · {label}" in html


def test_a_decided_declaration_shows_no_deadline(ward1_staff, ward1_declaration):
    accepted = f0_accept(declaration=ward1_declaration, by=ward1_staff)

    assert decision_deadline(accepted) is None


@pytest.mark.parametrize(
    "term",
    ["nguyen van an", "NGUYỄN VĂN AN", "van an", "+84 912 345 678", "0912345678", "id_number"],
)
def test_search_finds_the_declaration_by_name_key_id_number_and_phone(
    client, ward1_staff, village1, ward1_declaration, term
):
    other = make_declaration(person=_persons(village1, 1)[0], contact_phone="+84987000111")
    if term == "id_number":
        term = ward1_declaration.person.id_number
    client.force_login(ward1_staff)

    response = client.get(_url("changelist"), {"q": term})

    shown = [row.pk for row in response.context["cl"].result_list]
    assert shown == [ward1_declaration.pk]
    assert other.pk not in shown
    assert AuditEvent.objects.filter(actor=ward1_staff, action=AuditAction.SEARCH).count() == 1


def test_search_by_phone_uses_the_declarations_contact_phone(client, ward1_staff, village1):
    declaration = make_declaration(person=_persons(village1, 1)[0], contact_phone="+84987000111")
    client.force_login(ward1_staff)

    response = client.get(_url("changelist"), {"q": "0987 000 111"})

    assert [row.pk for row in response.context["cl"].result_list] == [declaration.pk]


# -- the date-range export -----------------------------------------------------------------


def test_the_date_range_export_holds_exactly_the_wards_rows_in_the_range(
    client, ward1_staff, village1, ward2_person
):
    first, second, third, fourth = _persons(village1, 4)
    days = {
        "before": datetime.datetime(2026, 10, 31, 16, 59, tzinfo=datetime.UTC),  # 23:59 31/10
        "start": datetime.datetime(2026, 10, 31, 17, 0, tzinfo=datetime.UTC),  # 00:00 01/11
        "end": datetime.datetime(2026, 11, 10, 16, 59, tzinfo=datetime.UTC),  # 23:59 10/11
        "after": datetime.datetime(2026, 11, 10, 17, 0, tzinfo=datetime.UTC),  # 00:00 11/11
    }
    before = make_declaration(person=first, submitted_at=days["before"])
    start = make_declaration(person=second, submitted_at=days["start"])
    end = make_declaration(person=third, submitted_at=days["end"])
    after = make_declaration(person=fourth, submitted_at=days["after"])
    ward2 = make_declaration(person=ward2_person, submitted_at=days["start"])
    client.force_login(ward1_staff)
    before_events = AuditEvent.objects.filter(action=AuditAction.EXPORT).count()

    response = client.post(
        _url("export_range"), {"date_from": "01/11/2026", "date_to": "10/11/2026"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "khai-bao-f0-20261101-20261110.csv" in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert "Họ và tên" in header and "Số giấy tờ" in header
    id_column = header.index("Số giấy tờ")
    assert [row[id_column] for row in rows] == [start.person.id_number, end.person.id_number]
    exported = " ".join(",".join(row) for row in rows)
    for left_out in (before, after, ward2):
        assert left_out.person.id_number not in exported
    assert "01/11/2026 00:00" in exported
    events = AuditEvent.objects.filter(action=AuditAction.EXPORT, actor=ward1_staff)
    assert events.count() - before_events == 2
    assert {event.object_id for event in events} == {str(start.pk), str(end.pk)}


def test_the_export_keeps_a_cell_typed_as_a_formula_inert(client, ward1_staff, village1):
    person = _persons(village1, 1)[0]
    person.full_name = "=HYPERLINK(1)"
    person.save(update_fields=["full_name"])
    make_declaration(person=person)
    client.force_login(ward1_staff)
    today = timezone.localdate().strftime("%d/%m/%Y")

    response = client.post(_url("export_range"), {"date_from": today, "date_to": today})

    assert "'=HYPERLINK(1)" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"date_from": "01/01/2026", "date_to": "03/04/2026"}, "tối đa 92 ngày"),
        ({"date_from": "10/11/2026", "date_to": "01/11/2026"}, "phải sau hoặc bằng"),
        ({"date_from": "2026-11-01", "date_to": "10/11/2026"}, "dd/mm/yyyy"),
        ({"date_from": "", "date_to": ""}, "dd/mm/yyyy"),
    ],
)
def test_the_export_form_refuses_a_bad_range_in_vietnamese(client, ward1_staff, data, error):
    client.force_login(ward1_staff)

    response = client.post(_url("export_range"), data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_a_range_of_exactly_92_days_is_exported(client, ward1_staff):
    client.force_login(ward1_staff)

    response = client.post(
        _url("export_range"), {"date_from": "01/01/2026", "date_to": "02/04/2026"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


def test_the_cccd_check_is_read_from_the_photo_once_when_it_is_stored(
    client, ward1_staff, village1
):
    person = _persons(village1, 1)[0]
    declaration = make_declaration(person=person, id_qr_text=cccd_qr_text(person))
    photo = declaration.id_photo
    assert photo.document_qr["id_number"] == person.id_number
    # Pages never decode the photo again: without its file the review page still knows.
    private_storage().delete(photo.storage_name)
    client.force_login(ward1_staff)

    html = client.get(_url("change", declaration)).content.decode()

    assert "Mã QR trên CCCD khớp với thông tin khai báo." in html
