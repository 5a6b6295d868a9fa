import pytest
from django.urls import reverse


@pytest.mark.smoke
def test_home_lists_the_five_services_and_says_which_are_not_built_yet(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    text = response.content.decode()
    for title in ("Khai báo F0", "Chăm sóc F0 tại nhà", "Tiêm chủng", "Kết quả xét nghiệm"):
        assert title in text
    assert text.count("Chưa triển khai") == 5
