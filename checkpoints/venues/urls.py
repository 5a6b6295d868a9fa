"""The venues room's URLs, included by checkpoints/urls.py under "checkpoints:"."""

from django.urls import path

from . import privacy, views

urlpatterns = [
    # The manager's venues: register one, follow the ward's answer, print the poster.
    path("dia-diem/", views.venue_list, name="venue-list"),
    path("dia-diem/dang-ky/", views.venue_register_view, name="venue-register"),
    path("dia-diem/<uuid:public_id>/", views.venue_detail, name="venue-detail"),
    path("dia-diem/<uuid:public_id>/ap-phich/", views.venue_poster, name="venue-poster"),
    # What the poster's QR opens: ?ma=<the venue's signed code>.
    path("dia-diem/check-in/", views.checkin, name="checkin"),
    path("dia-diem/check-out/", views.checkout, name="checkout"),
    path("quyen-rieng-tu/", privacy.privacy, name="privacy"),
]
