"""The venue pages: a manager registers a venue and prints its poster; a citizen checks
in and out by the poster's code; the privacy page says how long check-ins are kept."""

import datetime
import uuid
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from checkpoints.venues.models import CheckIn, Venue, VenueKind, VenueStatus
from checkpoints.venues.rules import VENUES
from checkpoints.venues.services import VENUE_QR_KIND, checkin_url, venue_approve, venue_register
from khaibao.trust.services import qr_issue_kb1
from tests.factories import make_citizen, make_person

REGISTER_URL = reverse("checkpoints:venue-register")
CHECKIN_URL = reverse("checkpoints:checkin")
CHECKOUT_URL = reverse("checkpoints:checkout")


def register_venue(manager, area, *, name="Cửa hàng tạp hoá Minh Anh", phone="+84912345678"):
    return venue_register(
        manager=manager,
        name=name,
        kind=VenueKind.SHOP,
        area=area,
        street_address="12 Lê Lợi",
        contact_phone=phone,
        submission_key=uuid.uuid4(),
    )


def approved_venue(manager, area, station, **kwargs) -> Venue:
    return venue_approve(venue=register_venue(manager, area, **kwargs), by=station)


def checkin_path(text: str) -> str:
    return f"{CHECKIN_URL}?ma={quote(text, safe='')}"


@pytest.fixture
def venue(citizen, village1, ward1_staff):
    return approved_venue(citizen, village1, ward1_staff)


def _form(province, ward1, village1, key, **changes):
    return {
        "submission_key": str(key),
        "name": "Quán cà phê Sài Gòn",
        "kind": VenueKind.RESTAURANT,
        "province": str(province.pk),
        "ward": str(ward1.pk),
        "village": str(village1.pk),
        "street_address": "5 Đồng Khởi",
        "contact_phone": "0912 345 678",
        **changes,
    }


# -- registering ------------------------------------------------------------------------


def test_a_manager_registers_a_venue_that_waits_for_its_ward(
    client, citizen, province, ward1, village1
):
    client.force_login(citizen)

    response = client.post(REGISTER_URL, _form(province, ward1, village1, uuid.uuid4()))

    venue = Venue.objects.get()
    assert response.status_code == 302
    assert response["Location"] == venue.get_absolute_url()
    assert (venue.name, venue.area, venue.ward, venue.manager) == (
        "Quán cà phê Sài Gòn",
        village1,
        ward1,
        citizen,
    )
    assert venue.status == VenueStatus.PENDING
    assert venue.contact_phone == "+84912345678"
    page = client.get(response["Location"])
    assert "Chờ Trạm Y tế duyệt" in page.content.decode()


def test_the_same_page_posted_twice_registers_one_venue(client, citizen, province, ward1, village1):
    client.force_login(citizen)
    data = _form(province, ward1, village1, uuid.uuid4())

    first = client.post(REGISTER_URL, data)
    second = client.post(REGISTER_URL, data)

    assert Venue.objects.count() == 1
    assert first["Location"] == second["Location"] == Venue.objects.get().get_absolute_url()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "   "}, "Nhập tên địa điểm."),
        ({"kind": "casino"}, "Chọn loại địa điểm trong danh sách."),
        ({"ward": "", "village": ""}, "Chọn phường / xã."),
        ({"street_address": ""}, "Nhập số nhà, đường."),
        ({"contact_phone": "028 3829 1234"}, "Đây không phải số di động"),
        ({"submission_key": "cu-roi"}, "Trang khai báo đã cũ."),
    ],
)
def test_bad_input_is_a_vietnamese_400_and_saves_nothing(
    client, citizen, province, ward1, village1, changes, message
):
    client.force_login(citizen)

    response = client.post(REGISTER_URL, _form(province, ward1, village1, uuid.uuid4(), **changes))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Venue.objects.exists()


def test_anonymous_visitor_is_sent_to_log_in_before_registering(client, db):
    response = client.get(REGISTER_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# -- the manager's list and poster --------------------------------------------------------


def test_my_venues_shows_each_status_and_the_reason(client, citizen, village1, ward1_staff):
    from checkpoints.venues.services import venue_reject

    approved_venue(citizen, village1, ward1_staff, name="Chợ Bến Thành")
    venue_reject(
        venue=register_venue(citizen, village1, name="Nhà sách Phương Nam"),
        by=ward1_staff,
        reason="Địa chỉ không đúng",
    )
    register_venue(citizen, village1, name="Tiệm bánh Hoa Mai")
    client.force_login(citizen)

    text = client.get(reverse("checkpoints:venue-list")).content.decode()

    assert "Chợ Bến Thành" in text and "Đã duyệt" in text
    assert "Nhà sách Phương Nam" in text and "Địa chỉ không đúng" in text
    assert "Tiệm bánh Hoa Mai" in text and "Chờ Trạm Y tế duyệt" in text


def test_another_managers_venue_is_404(client, venue, village1):
    other = make_citizen(phone="+84987000999")
    client.force_login(other)

    assert client.get(venue.get_absolute_url()).status_code == 404
    assert (
        client.get(reverse("checkpoints:venue-poster", args=[venue.public_id])).status_code == 404
    )
    assert venue.name not in client.get(reverse("checkpoints:venue-list")).content.decode()


def test_the_poster_shows_a_qr_of_the_checkin_url(client, citizen, venue, settings):
    client.force_login(citizen)

    response = client.get(reverse("checkpoints:venue-poster", args=[venue.public_id]))

    text = response.content.decode()
    assert response.status_code == 200
    assert venue.name in text and "12 Lê Lợi" in text
    assert "Quét mã bằng camera điện thoại để check-in / check-out" in text
    assert response.context["qr_text"] == checkin_url(venue)
    assert response.context["qr_text"].startswith(settings.KHAIBAO_PUBLIC_URL.rstrip("/"))
    assert "css/poster.css" in text


def test_a_pending_venue_has_no_poster_yet(client, citizen, village1):
    pending = register_venue(citizen, village1)
    client.force_login(citizen)

    response = client.get(reverse("checkpoints:venue-poster", args=[pending.public_id]))

    assert response.status_code == 302
    assert response["Location"] == pending.get_absolute_url()


# -- check-in and check-out -----------------------------------------------------------------


def _checkin_path_of(venue) -> str:
    url = urlsplit(checkin_url(venue))
    return f"{url.path}?{url.query}"


def _post_checkin(client, venue, *persons):
    return client.post(
        CHECKIN_URL, {"ma": venue.qr_text, "persons": [str(p.public_id) for p in persons]}
    )


def test_the_checkin_page_ticks_self_and_relatives(
    client, citizen, citizen_person, relative, venue
):
    client.force_login(citizen)

    response = client.get(_checkin_path_of(venue))

    assert response.status_code == 200
    assert venue.name in response.content.decode()
    assert response.context["ticked"] == {str(citizen_person.public_id), str(relative.public_id)}


def test_one_post_checks_in_self_and_a_relative_and_a_second_keeps_one_each(
    client, citizen, citizen_person, relative, venue
):
    client.force_login(citizen)

    first = _post_checkin(client, venue, citizen_person, relative)
    second = _post_checkin(client, venue, citizen_person, relative)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == checkin_path(venue.qr_text)
    rows = CheckIn.objects.filter(venue=venue)
    assert sorted(rows.values_list("person_id", flat=True)) == sorted(
        [citizen_person.pk, relative.pk]
    )
    assert all(row.checked_out_at is None and row.declared_by == citizen for row in rows)
    page = client.get(second["Location"]).content.decode()
    assert "lần quét này không tính thêm lượt mới" in page
    assert "đã check-in lúc" in page
    assert "Check-out" in page


def test_check_out_closes_both_check_ins(client, citizen, citizen_person, relative, venue):
    client.force_login(citizen)
    _post_checkin(client, venue, citizen_person, relative)

    response = client.post(CHECKOUT_URL, {"ma": venue.qr_text})

    assert response.status_code == 302
    rows = list(CheckIn.objects.filter(venue=venue))
    assert len(rows) == 2
    assert all(row.checked_out_at is not None for row in rows)
    page = client.get(response["Location"]).content.decode()
    assert "Đã check-out cho 2 người" in page


def test_checking_in_with_no_one_ticked_is_a_400(client, citizen, venue):
    client.force_login(citizen)

    response = client.post(CHECKIN_URL, {"ma": venue.qr_text})

    assert response.status_code == 400
    assert "Chọn ít nhất một người." in response.content.decode()
    assert not CheckIn.objects.exists()


def test_a_person_of_another_account_cannot_be_checked_in(client, citizen, venue, village1):
    stranger = make_person(area=village1, full_name="Phạm Văn Lạ", phone="0987000555")
    client.force_login(citizen)

    response = _post_checkin(client, venue, stranger)

    assert response.status_code == 400
    assert not CheckIn.objects.exists()


def _tampered(text: str) -> str:
    """One character of the code's body changed (to another base45 character)."""
    index = len(text) // 2
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


def test_a_tampered_code_is_shown_as_such(client, citizen, venue):
    client.force_login(citizen)

    response = client.get(checkin_path(_tampered(venue.qr_text)))
    posted = client.post(CHECKIN_URL, {"ma": _tampered(venue.qr_text)})

    assert response.status_code == posted.status_code == 400
    assert "Mã QR check-in không dùng được" in response.content.decode()
    assert response.context["code"].problem in ("invalid", "not_venue")
    assert not CheckIn.objects.exists()


def test_an_expired_code_is_shown_as_expired(client, citizen, venue):
    expired = qr_issue_kb1(
        kind=VENUE_QR_KIND,
        subject_id=str(venue.public_id),
        claims={"name": venue.name},
        valid_for=datetime.timedelta(days=1),
        issued_at=timezone.now() - datetime.timedelta(days=3),
    )
    client.force_login(citizen)

    response = client.get(checkin_path(expired.text))

    assert response.status_code == 400
    assert "đã hết hạn" in response.content.decode()


def test_a_code_of_an_unknown_venue_is_404(client, citizen, db):
    code = qr_issue_kb1(
        kind=VENUE_QR_KIND,
        subject_id=str(uuid.uuid4()),
        claims={"name": "Không có"},
        valid_for=datetime.timedelta(days=1),
    )
    client.force_login(citizen)

    response = client.get(checkin_path(code.text))

    assert response.status_code == 404
    assert "Không tìm thấy địa điểm" in response.content.decode()


@pytest.mark.parametrize("text", ["", "khong-phai-ma", "HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH"])
def test_garbage_in_the_code_is_a_400_never_a_500(client, citizen, text):
    client.force_login(citizen)

    response = client.get(checkin_path(text))

    assert response.status_code == 400
    assert "Mã QR check-in không dùng được" in response.content.decode()


def test_a_person_code_is_not_a_venue_code(client, citizen, citizen_person):
    from khaibao.trust.services import qr_for_person

    client.force_login(citizen)

    response = client.get(checkin_path(qr_for_person(citizen_person)))

    assert response.status_code == 400
    assert response.context["code"].problem == "not_venue"


def test_anonymous_visitor_logs_in_and_comes_back_with_the_code(client, venue):
    path = _checkin_path_of(venue)

    response = client.get(path)

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("accounts:login")
    # The code survives the round trip whole ("+", "%", "/" and ":" included).
    (next_url,) = parse_qs(location.query)["next"]
    assert next_url == path
    assert parse_qs(urlsplit(next_url).query)["ma"] == [venue.qr_text]


# -- the privacy page -----------------------------------------------------------------------


def test_the_privacy_page_says_how_long_check_ins_are_kept(client, set_rule, db):
    url = reverse("checkpoints:privacy")

    before = client.get(url).content.decode()
    set_rule(VENUES, retention_days=14)
    after = client.get(url).content.decode()

    assert "Check-in được giữ 25 ngày rồi xoá." in before
    assert "Check-in được giữ 14 ngày rồi xoá." in after


def test_every_page_footer_links_the_privacy_page(client, db):
    assert reverse("checkpoints:privacy") in client.get(reverse("home")).content.decode()


def test_the_checkin_page_costs_a_few_queries_whatever_the_people(
    client, citizen, citizen_person, relative, venue, django_assert_max_num_queries
):
    """The page every visitor at the door opens: a fixed number of queries."""
    client.force_login(citizen)
    client.get(_checkin_path_of(venue))  # rules read once into the cache

    with django_assert_max_num_queries(8):
        response = client.get(_checkin_path_of(venue))

    assert response.status_code == 200
