"""The checkpoints app's URLs under one namespace, "checkpoints:": each room lists its own
in its `urls.py`."""

from django.urls import include, path

app_name = "checkpoints"

urlpatterns = [
    path("khai-bao-y-te/", include("checkpoints.declaring.urls")),
    path("kiem-tra/", include("checkpoints.officer.urls")),
    path("", include("checkpoints.venues.urls")),
]
