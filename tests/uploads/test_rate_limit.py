"""One account cannot fill the private storage with uploads."""

from django.core.cache import cache
from django.urls import reverse

from khaibao.uploads.models import Photo
from tests.uploads.images import jpeg_bytes, uploaded


def test_uploads_past_the_hourly_limit_get_429_and_store_nothing(
    client, citizen, citizen_person, settings
):
    settings.UPLOAD_MAX_PER_ACCOUNT_PER_HOUR = 2
    cache.delete(f"uploads:account:{citizen.pk}")
    client.force_login(citizen)

    def upload(colour):
        return client.post(
            reverse("uploads:upload"),
            {
                "file": uploaded(jpeg_bytes(colour=colour)),
                "kind": "test_result",
                "person": str(citizen_person.public_id),
            },
        )

    assert [upload((10, 20, 30)).status_code, upload((40, 50, 60)).status_code] == [201, 201]
    refused = upload((70, 80, 90))

    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert "quá nhiều ảnh" in refused.json()["error"]
    assert Photo.objects.count() == 2
    cache.delete(f"uploads:account:{citizen.pk}")
