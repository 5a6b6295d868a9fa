"""Citizen pages of home care, under /cham-soc/ in the "declarations:" namespace
(registration and guidance pages are in registration_urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="homecare-home"),
    path("<int:pk>/bao-cao/", views.report, name="homecare-report"),
    path("<int:pk>/bao-cao/nhap/", views.draft_save, name="homecare-draft-save"),
    path("<int:pk>/bao-cao/<int:report_pk>/nguy-hiem/", views.danger, name="homecare-danger"),
    path("<int:pk>/lich-su/", views.history, name="homecare-history"),
]
