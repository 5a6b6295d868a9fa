"""A NUL character in an address is refused with the Vietnamese 400 page, never a
database error (PostgreSQL refuses NUL in text)."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    "url",
    [
        "/khai-bao-y-te/ma/%00/",
        "/admin/checkpoints/entrydeclaration/policies/?province=%00",
        "/admin/checkpoints/entrydeclaration/?q=ab%00cd",
        "/?%00=1",
    ],
)
def test_a_nul_character_in_the_address_is_a_400_in_vietnamese(client, superuser, url):
    client.force_login(superuser)

    response = client.get(url)

    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.content.decode()


def test_an_ordinary_address_still_passes(client, db):
    assert client.get(reverse("home")).status_code == 200
