"""The citizen's lab-result pages (under /xet-nghiem/ in the "declarations:" namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="labresults-home"),
    path("<int:pk>/", views.detail, name="labresults-detail"),
]
