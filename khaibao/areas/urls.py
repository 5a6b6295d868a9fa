from django.urls import path

from . import views

app_name = "areas"

urlpatterns = [
    path("areas/<int:pk>/children.json", views.area_children, name="children"),
]
