"""The labs' token API (under /api/labs/v1/)."""

from django.urls import path

from . import api

urlpatterns = [
    path("results", api.results, name="labresults-api-results"),
    # path: a lab's sample ids may hold slashes ("HCM/2026/0001", sent as %2F).
    path("results/<path:sample_id>", api.result_detail, name="labresults-api-result"),
    path("openapi.json", api.openapi, name="labresults-api-openapi"),
]
