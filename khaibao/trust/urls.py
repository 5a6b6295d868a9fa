from django.urls import path, re_path

from . import views

app_name = "trust"

urlpatterns = [
    path("nguoi-than/<uuid:public_id>/ma-qr/", views.person_qr, name="person-qr"),
    path(".well-known/khaibao/keys.json", views.keys, name="keys"),
    path(".well-known/khaibao/revocations.json", views.revocations, name="revocations"),
    path(
        ".well-known/khaibao/signing-certificates.json",
        views.signing_certificates,
        name="signing-certificates",
    ),
    path(".well-known/khaibao/csca.pem", views.csca, name="csca"),
    path("verify/", views.verify, name="verify"),
    path("api/verify", views.api_verify, name="api-verify"),
    re_path(r"^qr/(?P<digest>[0-9a-f]{64})\.png$", views.qr_image, name="qr-image"),
]
