"""The ward's station approves or rejects a venue in the admin: scoped to its ward,
audited, and the manager texted."""

import pytest
from django.urls import reverse

from checkpoints.venues.models import Venue, VenueStatus
from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.notify.models import SmsMessage
from khaibao.trust.services import qr_verify
from tests.factories import make_citizen

from .test_venue_pages import register_venue


@pytest.fixture
def manager(db):
    return make_citizen(phone="+84912000111")


@pytest.fixture
def ward1_venue(manager, village1):
    return register_venue(manager, village1, name="Chợ Bến Thành", phone="+84912000111")


@pytest.fixture
def ward2_venue(manager, village2):
    return register_venue(manager, village2, name="Chợ Tân Định", phone="+84912000111")


def _url(kind, venue=None):
    args = [venue.pk] if venue is not None else []
    return reverse(f"admin:checkpoints_venue_{kind}", args=args)


def test_the_list_shows_the_wards_venues_filtered_by_status(
    client, ward1_staff, ward1_venue, ward2_venue, django_assert_max_num_queries
):
    client.force_login(ward1_staff)

    with django_assert_max_num_queries(12):
        response = client.get(_url("changelist"), {"status__exact": "pending"})
    approved = client.get(_url("changelist"), {"status__exact": "approved"})

    assert [venue.pk for venue in response.context["cl"].result_list] == [ward1_venue.pk]
    assert list(approved.context["cl"].result_list) == []


def test_the_pending_venues_page_offers_both_decisions(client, ward1_staff, ward1_venue):
    client.force_login(ward1_staff)

    text = client.get(_url("change", ward1_venue)).content.decode()

    assert _url("approve", ward1_venue) in text
    assert _url("reject", ward1_venue) in text


def test_approving_signs_the_poster_code_audits_and_texts_the_manager(
    client, ward1_staff, ward1_venue
):
    client.force_login(ward1_staff)

    response = client.post(_url("approve", ward1_venue))

    assert response.status_code == 302
    assert response["Location"].startswith(_url("changelist"))
    ward1_venue.refresh_from_db()
    assert ward1_venue.status == VenueStatus.APPROVED
    assert ward1_venue.decided_by == ward1_staff
    verification = qr_verify(ward1_venue.qr_text)
    assert verification.is_valid
    assert verification.claims["subject_id"] == str(ward1_venue.public_id)
    event = AuditEvent.objects.get(action=AuditAction.DECIDE)
    assert (event.actor, event.detail["decision"]) == (ward1_staff, "approved")
    sms = SmsMessage.objects.get(purpose="venue_approved")
    assert sms.to == "+84912000111"
    # SMS texts are sent without accents.
    assert "Cho Ben Thanh" in sms.body and ward1_venue.get_absolute_url() in sms.body


def test_rejecting_needs_a_reason(client, ward1_staff, ward1_venue):
    client.force_login(ward1_staff)

    response = client.post(_url("reject", ward1_venue), {"reason": "   "})

    assert response.status_code == 400
    assert "Ghi lý do không duyệt." in response.content.decode()
    ward1_venue.refresh_from_db()
    assert ward1_venue.status == VenueStatus.PENDING
    assert not SmsMessage.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.DECIDE).exists()


def test_rejecting_with_a_reason_audits_and_texts_the_reason(client, ward1_staff, ward1_venue):
    client.force_login(ward1_staff)

    response = client.post(_url("reject", ward1_venue), {"reason": "Địa chỉ không đúng"})

    assert response.status_code == 302
    ward1_venue.refresh_from_db()
    assert ward1_venue.status == VenueStatus.REJECTED
    assert ward1_venue.rejection_reason == "Địa chỉ không đúng"
    assert ward1_venue.qr_text == ""
    event = AuditEvent.objects.get(action=AuditAction.DECIDE)
    assert event.detail == {"decision": "rejected", "reason": "Địa chỉ không đúng"}
    sms = SmsMessage.objects.get(purpose="venue_rejected")
    assert "Ly do: Dia chi khong dung" in sms.body


@pytest.mark.parametrize("kind", ["change", "approve", "reject"])
def test_another_wards_venue_is_404_and_left_alone(client, ward1_staff, ward2_venue, kind):
    client.force_login(ward1_staff)

    assert client.get(_url(kind, ward2_venue)).status_code == 404
    if kind != "change":
        assert client.post(_url(kind, ward2_venue), {"reason": "Sai"}).status_code == 404
    ward2_venue.refresh_from_db()
    assert ward2_venue.status == VenueStatus.PENDING
    assert not SmsMessage.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.DECIDE).exists()


def test_a_decided_venue_is_not_decided_again(client, ward1_staff, ward1_venue):
    client.force_login(ward1_staff)
    client.post(_url("approve", ward1_venue))

    page = client.get(_url("reject", ward1_venue))
    response = client.post(_url("reject", ward1_venue), {"reason": "Đổi ý"})

    assert "Địa điểm này đã được xử lý." in page.content.decode()
    assert response.status_code == 302
    assert Venue.objects.get(pk=ward1_venue.pk).status == VenueStatus.APPROVED
    assert SmsMessage.objects.filter(purpose="venue_rejected").count() == 0


def test_the_province_admin_reads_but_does_not_decide(client, province_admin, ward1_venue):
    client.force_login(province_admin)

    assert client.get(_url("change", ward1_venue)).status_code == 200
    assert client.post(_url("approve", ward1_venue)).status_code == 403
    ward1_venue.refresh_from_db()
    assert ward1_venue.status == VenueStatus.PENDING
