"""The declarations app's URLs under one namespace, "declarations:": each room lists
its own in its `urls.py` (without an app_name of its own, so `declarations:start`
stays one name whichever room serves it)."""

from django.urls import include, path

app_name = "declarations"

urlpatterns = [
    path("f0/", include("declarations.f0.urls")),
    path("cham-soc/", include("declarations.homecare.urls")),
    path("cham-soc/", include("declarations.homecare.registration_urls")),
    path("xet-nghiem/", include("declarations.labresults.urls")),
    path("api/labs/v1/", include("declarations.labresults.api_urls")),
]
