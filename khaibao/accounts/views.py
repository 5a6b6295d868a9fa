"""Citizen login: phone → 6-digit code → signed in."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from khaibao.lib.clientip import client_ip

from .backends import BACKEND
from .citizen_forms import CodeForm, PhoneForm
from .otp import (
    captcha_required,
    new_session_binding,
    otp_request,
    otp_verify,
    seconds_until_resend,
)

SESSION_PHONE = "otp_phone"
SESSION_NEXT = "otp_next"
# The token that binds a code to the session that asked for it (see otp.otp_request).
SESSION_BINDING = "otp_binding"


def _session_binding(request) -> str:
    binding = request.session.get(SESSION_BINDING)
    if not binding:
        binding = request.session[SESSION_BINDING] = new_session_binding()
    return binding


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("people:mine")


@never_cache
@require_http_methods(["GET", "POST"])
def login_phone(request):
    if request.user.is_authenticated and request.user.phone:
        return redirect(_safe_next(request, request.GET.get("next")))
    ip = client_ip(request)
    with_captcha = captcha_required(ip=ip)
    form = PhoneForm(request.POST or None, with_captcha=with_captcha)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            phone = form.cleaned_data["phone"]
            try:
                otp_request(phone=phone, ip=ip, binding=_session_binding(request))
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 403 if exc.code == "phone_locked" else 429
            else:
                request.session[SESSION_PHONE] = phone
                request.session[SESSION_NEXT] = _safe_next(request, request.GET.get("next"))
                return redirect("accounts:verify")
        else:
            status = 400
    return render(request, "accounts/login_phone.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request):
    phone = request.session.get(SESSION_PHONE)
    if not phone:
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            result = otp_verify(
                phone=phone, code=form.cleaned_data["code"], binding=_session_binding(request)
            )
            if result.user is not None:
                next_url = request.session.get(SESSION_NEXT) or reverse("people:mine")
                login(request, result.user, backend=BACKEND)
                for key in (SESSION_PHONE, SESSION_NEXT, SESSION_BINDING):
                    request.session.pop(key, None)
                messages.success(request, _("Đăng nhập thành công."))
                return redirect(next_url)
            form.add_error("code", result.error)
        status = 400
    context = {"form": form, "phone": phone, "wait_seconds": seconds_until_resend(phone=phone)}
    return render(request, "accounts/login_code.html", context, status=status)


@require_POST
def resend_code(request):
    phone = request.session.get(SESSION_PHONE)
    if not phone:
        return redirect("accounts:login")
    try:
        otp_request(phone=phone, ip=client_ip(request), binding=_session_binding(request))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Đã gửi mã mới. Mã cũ không còn dùng được."))
    return redirect("accounts:verify")


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("Bạn đã đăng xuất."))
    return redirect("home")


def login_help(request):
    return render(
        request, "accounts/login_help.html", {"ttl_minutes": settings.OTP_TTL_SECONDS // 60}
    )
