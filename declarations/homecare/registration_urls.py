"""Home care's self-registration and guidance pages, included by declarations/urls.py
under "cham-soc/" in its "declarations:" namespace."""

from django.urls import path

from . import guidance_views, registration

urlpatterns = [
    # Self-registration (seed 002, part 1): the form, the code, the page after.
    path("dang-ky/", registration.register, name="homecare-register"),
    path("dang-ky/ma/", registration.register_verify, name="homecare-register-verify"),
    path("dang-ky/gui-lai-ma/", registration.register_resend, name="homecare-register-resend"),
    path("dang-ky/<int:pk>/", registration.register_done, name="homecare-register-done"),
    # Guidance for patients (public).
    path("huong-dan/", guidance_views.guidance_list, name="homecare-guidance-list"),
    path("huong-dan/<slug:slug>/", guidance_views.guidance_detail, name="homecare-guidance"),
]
