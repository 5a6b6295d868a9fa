"""Verification is public: one client may not hammer it."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from khaibao.trust.services import qr_for_person


@pytest.fixture
def low_limit(settings):
    settings.VERIFY_MAX_PER_IP_PER_MINUTE = 3
    cache.delete("verify:ip:127.0.0.1")
    yield
    cache.delete("verify:ip:127.0.0.1")


def test_the_verify_page_answers_429_in_vietnamese_past_the_limit(
    client, citizen_person, low_limit
):
    text = qr_for_person(citizen_person)
    for _ in range(3):
        assert client.post(reverse("trust:verify"), {"qr": text}).status_code == 200

    refused = client.post(reverse("trust:verify"), {"qr": text})

    assert refused.status_code == 429
    assert "Quá nhiều lượt kiểm tra" in refused.content.decode()


def test_the_api_answers_429_json_past_the_limit(client, citizen_person, low_limit):
    body = {"qr": qr_for_person(citizen_person)}
    for _ in range(3):
        assert (
            client.post(
                reverse("trust:api-verify"), body, content_type="application/json"
            ).status_code
            == 200
        )

    refused = client.post(reverse("trust:api-verify"), body, content_type="application/json")

    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"


def test_reading_the_form_is_not_counted(client, db, low_limit):
    for _ in range(5):
        assert client.get(reverse("trust:verify")).status_code == 200
