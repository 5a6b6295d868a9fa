from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from .health import health_report
from .services_catalogue import SERVICES


@require_GET
def home(request):
    return render(request, "core/home.html", {"services": SERVICES})


@never_cache
@require_GET
def healthz(request):
    healthy, report = health_report()
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", **report}, status=200 if healthy else 503
    )


def _page_before_failure(request, fallback: str | None = None) -> str:
    """Where to go back to: the page the form was on (same site only), else `fallback`,
    else the path that was posted to, which shows its form again on GET."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return fallback or request.path


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: an expired form token or session (seed 000's "token" error).

    Still a 403, but in Vietnamese, saying that nothing typed was lost (forms keep
    server-side drafts) and leading back to the page. A script's fetch gets JSON.
    """
    message = _("Phiên làm việc đã hết hạn. Hãy tải lại trang; những gì đã nhập vẫn còn.")
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"error": message, "code": "csrf"}, status=403)
    back_url = _page_before_failure(request)
    login_url = f"{reverse('accounts:login')}?{urlencode({'next': back_url})}"
    response = render(
        request, "403_csrf.html", {"back_url": back_url, "login_url": login_url}, status=403
    )
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@never_cache
def request_too_large(request):
    """The page the web server shows for a body over its limit (nginx `error_page 413`).

    nginx refuses such a body before the portal sees it, then fetches this page (as a
    GET, body dropped) so the citizen reads the portal's Vietnamese page, not nginx's
    bare "413 Request Entity Too Large". Any method is answered: there is no form here.
    """
    context = {
        "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        "back_url": _page_before_failure(request, fallback=reverse("home")),
    }
    return render(request, "413.html", context, status=413)
