"""The declarations room's URLs, included by checkpoints/urls.py under "checkpoints:"."""

from django.urls import path

from . import views

urlpatterns = [
    # The citizen's page: last declarations of each person, links to declare and to QR.
    path("", views.home, name="home"),
    path("trong-tinh/", views.health_declare, name="health-declare"),
    path("trong-tinh/<uuid:public_id>/", views.health_detail, name="health-detail"),
    # What one page filed (one declaration per person): each person's QR.
    path("trong-tinh/da-khai/<uuid:submission_key>/", views.health_result, name="health-result"),
    path("vao-tinh/", views.entry_declare, name="entry-declare"),
    path("vao-tinh/<uuid:public_id>/", views.entry_detail, name="entry-detail"),
    path("vao-tinh/da-khai/<uuid:submission_key>/", views.entry_result, name="entry-result"),
    # "Có thẻ BHYT": the account's person with this card number.
    path("bhyt/", views.bhyt_lookup, name="bhyt-lookup"),
    # The declaration's QR page for a person without a login (the SMS link).
    path("ma/<str:token>/", views.by_token, name="by-token"),
]
