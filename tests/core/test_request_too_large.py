"""The portal's own page for a body the web server refused (nginx `error_page 413`)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.smoke


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_answers_413_in_vietnamese_in_the_sites_layout(client, db, method):
    response = getattr(client, method)(
        reverse("request-too-large"), HTTP_REFERER="http://testserver/f0/khai-bao/?for=3"
    )

    assert response.status_code == 413
    text = response.content.decode()
    assert "Dữ liệu gửi lên quá lớn" in text
    assert "nhỏ hơn 10 MB" in text
    assert "KhaiBao" in text and "1022" in text  # the site's header and hotline
    assert 'href="/f0/khai-bao/?for=3"' in text  # back to the form, draft kept
    assert response["Cache-Control"].startswith("max-age=0")


def test_without_a_same_site_referer_it_leads_home(client, db):
    response = client.post(reverse("request-too-large"), HTTP_REFERER="https://evil.example/x")

    assert response.status_code == 413
    assert f'href="{reverse("home")}"' in response.content.decode()
