"""The F0 room's URLs, included by declarations/urls.py under its "declarations:" namespace."""

from django.urls import path

from . import completion_views, views

urlpatterns = [
    # Citizen: declare, follow, fix and resubmit.
    path("", views.start, name="start"),
    path("hoi-dap/", views.faq, name="faq"),
    path("khai-bao/<uuid:public_id>/", views.declare, name="declare"),
    path("khai-bao/<uuid:public_id>/nhap/", views.draft_save, name="draft-save"),
    path("<int:pk>/", views.status, name="status"),
    path("<int:pk>/nhac-tram/", views.remind, name="remind"),
    path("<int:pk>/gui-lai/", views.resubmit, name="resubmit"),
    # Isolation completion and its certificate (completion_views.py).
    path("<int:pk>/hoan-thanh/", completion_views.completion, name="completion"),
    path("hoan-thanh/tim/", completion_views.completion_find, name="completion-find"),
    path("<int:pk>/giay-xac-nhan/", completion_views.certificate, name="certificate"),
]
