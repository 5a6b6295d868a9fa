from django.urls import path

from . import views

app_name = "uploads"

urlpatterns = [
    path("photos/upload/", views.photo_upload, name="upload"),
    path("photos/<uuid:public_id>/", views.photo_file, name="photo"),
]
