import logging
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, requires_csrf_token
from django.views.decorators.http import require_GET

from khaibao.lib import registry

from .health import health_report

logger = logging.getLogger(__name__)


@require_GET
def home(request):
    return render(request, "core/home.html", {"services": registry.services()})


@never_cache
@require_GET
def healthz(request):
    healthy, report = health_report()
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", **report}, status=200 if healthy else 503
    )


def _referer_path(request) -> str:
    """The page the reader came from, when it is this site's; else ""."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return ""


def _page_before_failure(request, fallback: str | None = None) -> str:
    """Where to go back to: the page the form was on (same site only), else `fallback`,
    else the path that was posted to, which shows its form again on GET."""
    return _referer_path(request) or fallback or request.path


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


# -- error pages (handler400 / 403 / 404 / 500 in khaibao/urls.py) ----------------------


def _error_context(request, **extra) -> dict:
    # The portal context processor's values, given here as well: the 500 page may be
    # rendered without any context processor (see server_error).
    return {
        "HOTLINE": settings.KHAIBAO_HOTLINE,
        "PROVINCE_NAME": settings.KHAIBAO_PROVINCE_NAME,
        "back_url": _referer_path(request) if request is not None else "",
        **extra,
    }


@requires_csrf_token
def bad_request(request, exception=None):
    return render(request, "400.html", _error_context(request), status=400)


@requires_csrf_token
def permission_denied(request, exception=None):
    return render(request, "403.html", _error_context(request), status=403)


@requires_csrf_token
def page_not_found(request, exception=None):
    """A room may add help for the missing pages under its own address (registry
    not_found_help): F0's leads an old SMS link to the lookup."""
    help_template = next(
        (
            template
            for url_name, template in registry.not_found_help()
            if request.path.startswith(reverse(url_name))
        ),
        None,
    )
    context = _error_context(request, not_found_help=help_template)
    return render(request, "404.html", context, status=404)


@requires_csrf_token
def server_error(request):
    """The 500 page in the site's layout, in the reader's language.

    Something is broken already: when the page cannot be rendered with the request
    (its context processors read the session and the user, i.e. the database), it is
    rendered without one, and as a last resort a short Vietnamese text is returned.
    """
    try:
        return render(request, "500.html", _error_context(request), status=500)
    except Exception:
        logger.exception("The 500 page could not be rendered with the request")
    try:
        return HttpResponseServerError(loader.render_to_string("500.html", _error_context(None)))
    except Exception:
        logger.exception("The 500 page could not be rendered")
    return HttpResponseServerError(
        _("Hệ thống đang gặp sự cố. Vui lòng thử lại sau; cần hỗ trợ, gọi tổng đài %(hotline)s.")
        % {"hotline": settings.KHAIBAO_HOTLINE},
        content_type="text/plain; charset=utf-8",
    )
