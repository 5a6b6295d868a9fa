from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("dang-nhap/", views.login_phone, name="login"),
    path("dang-nhap/ma/", views.login_code, name="verify"),
    path("dang-nhap/gui-lai/", views.resend_code, name="resend"),
    path("dang-nhap/tro-giup/", views.login_help, name="help"),
    path("dang-xuat/", views.logout_view, name="logout"),
]
