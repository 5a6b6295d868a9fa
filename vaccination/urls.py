"""Vaccination's citizen pages, under /tiem-chung/ in the "vaccination:" namespace: the
account's doses and certificates (views.py), and the correction request, sent without
logging in (correction_views.py)."""

from django.urls import path

from . import correction_views, views

app_name = "vaccination"

urlpatterns = [
    path("", views.home, name="home"),
    path("chung-nhan/<int:pk>/", views.certificate, name="certificate"),
    path("phan-anh/", correction_views.correction, name="correction"),
    path("phan-anh/nhap/", correction_views.correction_draft, name="correction-draft"),
    path("phan-anh/anh/", correction_views.correction_photo, name="correction-photo"),
    path("phan-anh/xac-thuc/", correction_views.correction_verify, name="correction-verify"),
    path("phan-anh/gui-lai-ma/", correction_views.correction_resend, name="correction-resend"),
    path("phan-anh/tra-cuu/", correction_views.correction_lookup, name="correction-lookup"),
    path(
        "phan-anh/tra-cuu/<str:code>/",
        correction_views.correction_status,
        name="correction-status",
    ),
]
