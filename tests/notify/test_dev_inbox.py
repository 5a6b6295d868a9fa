"""/dev/sms/: the texts a demo visitor was "sent", only when SMS_DEV_INBOX is on."""

import pytest
from django.urls import reverse

from khaibao.notify.models import SmsMessage, SmsStatus


@pytest.fixture
def texts(db):
    return [
        SmsMessage.objects.create(
            to="+84912345678", body="Ma xac thuc KhaiBao: 111111.", purpose="otp"
        ),
        SmsMessage.objects.create(
            to="+84987654321",
            body="Ma xac thuc KhaiBao: 222222.",
            purpose="otp",
            status=SmsStatus.SENT,
        ),
    ]


def test_the_inbox_is_404_when_turned_off(settings, client, texts):
    settings.SMS_DEV_INBOX = False

    response = client.get(reverse("notify:dev-inbox"))

    assert response.status_code == 404
    assert b"111111" not in response.content


def test_the_inbox_lists_the_latest_texts_when_on(settings, client, texts):
    settings.SMS_DEV_INBOX = True

    response = client.get(reverse("notify:dev-inbox"))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "Ma xac thuc KhaiBao: 111111." in body
    assert "Ma xac thuc KhaiBao: 222222." in body
    assert body.index("222222") < body.index("111111")  # newest first


def test_the_inbox_filters_by_phone_as_people_type_it(settings, client, texts):
    settings.SMS_DEV_INBOX = True

    response = client.get(reverse("notify:dev-inbox"), {"phone": "0987 654 321"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "222222" in body
    assert "111111" not in body
    assert 'value="0987 654 321"' in body


def test_a_malformed_phone_matches_nothing(settings, client, texts):
    settings.SMS_DEV_INBOX = True

    response = client.get(reverse("notify:dev-inbox"), {"phone": "12"})

    assert response.status_code == 200
    assert b"111111" not in response.content
    assert b"222222" not in response.content


def test_the_inbox_refuses_post(settings, client, texts):
    settings.SMS_DEV_INBOX = True

    response = client.post(reverse("notify:dev-inbox"))

    assert response.status_code == 405
