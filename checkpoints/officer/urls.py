"""The checkpoint officer's page, included by checkpoints/urls.py under "checkpoints:"."""

from django.urls import path

from . import views
from .forms import Tab

urlpatterns = [
    # The officer's default tab (Cấu hình mặc định).
    path("", views.home, name="officer"),
    path(f"{Tab.ENTRY}/", views.lookup, {"tab": Tab.ENTRY}, name="officer-entry"),
    path(f"{Tab.HEALTH}/", views.lookup, {"tab": Tab.HEALTH}, name="officer-health"),
    path("da-kiem-tra/", views.check_record, name="officer-check"),
    path(f"{Tab.VENUE}/", views.venues, name="officer-venues"),
    path(f"{Tab.SETTINGS}/", views.defaults, name="officer-defaults"),
]
