from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("nguoi-than/", views.my_people, name="mine"),
    path("nguoi-than/them/", views.person_add, name="add"),
    path("nguoi-than/chon/", views.person_choose, name="choose"),
    path("nguoi-than/<uuid:public_id>/sua/", views.person_edit, name="edit"),
    path(
        "nguoi-than/<uuid:public_id>/lich-su-truy-cap/", views.person_access_log, name="access-log"
    ),
]
