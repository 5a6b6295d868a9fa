from django.urls import path

from . import views

app_name = "notify"

urlpatterns = [
    path("dev/sms/", views.dev_inbox, name="dev-inbox"),
]
