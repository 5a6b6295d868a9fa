"""The checkpoint officer's page (seed 003 §III, "tài khoản công vụ"): one field for an
ID number, a scanner's QR or the camera's, and the answer in three groups.

Without JavaScript each look-up is a plain POST that renders the page again with an
empty field. The page's script (static/js/officer.js) posts the same form with
`Accept: application/json` and swaps the answer in without a reload; it gets JSON back,
errors included.
"""

import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from khaibao.accounts.models import Unit
from khaibao.accounts.roles import Role
from khaibao.lib import ratelimit
from khaibao.lib.clientip import client_ip

from .forms import LOOKUP_TABS, TAB_CHOICES, DefaultsForm, LookupForm, Tab, VenueSearchForm
from .rules import officer_rules
from .selectors import officer_province, person_by_public_id, venue_for_officer, venues_for_officer
from .services import checkpoint_check_record, officer_lookup, officer_venue_read

SESSION_DEFAULTS = "officer_defaults"
# The persons the officer's last look-up showed: "đã kiểm tra" is only for them.
SESSION_LAST_SHOWN = "officer_last_shown"
THROTTLE_WINDOW = 60
DEFAULT_VENUE_HOURS = 24
TAB_URLS = {
    Tab.ENTRY: "checkpoints:officer-entry",
    Tab.HEALTH: "checkpoints:officer-health",
    Tab.VENUE: "checkpoints:officer-venues",
    Tab.SETTINGS: "checkpoints:officer-defaults",
}


def officer_required(view):
    """Active staff with the checkpoint role; anonymous users go to the staff login."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        profile = getattr(user, "staff_profile", None)
        if not (user.is_active and user.is_staff and profile and profile.role == Role.CHECKPOINT):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _defaults(request) -> dict:
    return {"tab": Tab.ENTRY, "camera": False, **request.session.get(SESSION_DEFAULTS, {})}


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _page(request, tab: str, status: int = 200, **context):
    context = {
        "tab": tab,
        "tabs": [(value, label, TAB_URLS[value]) for value, label in TAB_CHOICES],
        "defaults": _defaults(request),
        "checkpoint": Unit.objects.filter(pk=request.user.staff_profile.unit_id).first(),
        **context,
    }
    return render(request, "checkpoints/officer/page.html", context, status=status)


def _error(request, tab: str, *, code: str, message: str, status: int, form=None):
    if _wants_json(request):
        return JsonResponse({"error": code, "message": message}, status=status)
    messages.error(request, message)
    return _page(request, tab, status=status, form=form or LookupForm())


@never_cache
@officer_required
def home(request):
    return redirect(TAB_URLS[_defaults(request)["tab"]])


@never_cache
@officer_required
@require_http_methods(["GET", "POST"])
def lookup(request, tab: str):
    """A look-up tab ("Kiểm tra vào tỉnh", "Kiểm tra KBYT trong tỉnh")."""
    if tab not in LOOKUP_TABS:
        raise PermissionDenied
    if request.method == "GET":
        return _page(request, tab, form=LookupForm())
    rules = officer_rules(officer_province(request.user))
    limit = rules["lookups_per_minute"]
    if not ratelimit.allow(
        f"officer:lookup:{request.user.pk}", limit=limit, window=THROTTLE_WINDOW
    ):
        message = _("Quá %(limit)s lượt tra cứu trong một phút. Vui lòng chờ một phút rồi thử lại.")
        return _error(
            request, tab, code="rate_limited", message=message % {"limit": limit}, status=429
        )
    form = LookupForm(request.POST)
    if not form.is_valid():
        message = " ".join(error for errors in form.errors.values() for error in errors)
        return _error(request, tab, code="invalid", message=message, status=400, form=form)
    answer = officer_lookup(
        officer=request.user,
        query=form.cleaned_data["q"],
        chosen=form.cleaned_data["chon"],
        tab=tab,
        ip=client_ip(request),
        rules=rules,
    )
    shown = [str(answer.person.public_id)] if answer.person else []
    # Written only when it changes: a session write is a database UPDATE on this hot path.
    if request.session.get(SESSION_LAST_SHOWN) != shown:
        request.session[SESSION_LAST_SHOWN] = shown
    context = {"answer": answer, "query": form.cleaned_data["q"]}
    if _wants_json(request):
        html = render_to_string(
            "checkpoints/officer/_answer.html", {**context, "tab": tab}, request=request
        )
        return JsonResponse({"html": html})
    return _page(request, tab, form=LookupForm(), **context)


@officer_required
@require_POST
def check_record(request):
    """ "Đã kiểm tra": the person the last look-up showed, at the officer's checkpoint."""
    tab = request.POST.get("tab") if request.POST.get("tab") in LOOKUP_TABS else Tab.ENTRY
    public_id = request.POST.get("nguoi", "")
    person = None
    if public_id in request.session.get(SESSION_LAST_SHOWN, []):
        person = person_by_public_id(public_id)
    if person is None:
        message = _("Chỉ ghi nhận được người vừa tra cứu. Tra cứu lại rồi bấm “Đã kiểm tra”.")
        return _error(request, tab, code="not_shown", message=message, status=400)
    try:
        checkpoint_check_record(officer=request.user, person=person, ip=client_ip(request))
    except ValidationError as error:
        return _error(request, tab, code=error.code, message=error.messages[0], status=400)
    request.session[SESSION_LAST_SHOWN] = []
    message = _("Đã ghi nhận: %(name)s đã được kiểm tra.") % {"name": person.full_name}
    if _wants_json(request):
        return JsonResponse({"message": message})
    messages.success(request, message)
    return redirect(TAB_URLS[tab])


@never_cache
@officer_required
def venues(request):
    """ "Kiểm tra địa điểm": a venue of the province, its check-ins in a window."""
    province = officer_province(request.user)
    form = VenueSearchForm(request.GET or None)
    context = {"venue_form": form}
    if not form.is_bound:
        return _page(request, Tab.VENUE, **context)
    if not form.is_valid():
        return _page(request, Tab.VENUE, status=400, **context)
    data = form.cleaned_data
    venue = venue_for_officer(province, data["dia_diem"]) if data["dia_diem"] else None
    if venue is None:
        found = venues_for_officer(province, data["ten"]) if data["ten"] else []
        return _page(request, Tab.VENUE, venues=found, **context)
    end = data["den"] or timezone.now()
    start = data["tu"] or end - datetime.timedelta(hours=DEFAULT_VENUE_HOURS)
    checkins = officer_venue_read(
        officer=request.user, venue=venue, start=start, end=end, ip=client_ip(request)
    )
    return _page(
        request, Tab.VENUE, venue=venue, checkins=checkins, start=start, end=end, **context
    )


@never_cache
@officer_required
@require_http_methods(["GET", "POST"])
def defaults(request):
    """ "Cấu hình mặc định": the officer's checkpoint and the defaults of this browser."""
    if request.method == "GET":
        return _page(request, Tab.SETTINGS, defaults_form=DefaultsForm(initial=_defaults(request)))
    form = DefaultsForm(request.POST)
    if not form.is_valid():
        return _page(request, Tab.SETTINGS, status=400, defaults_form=form)
    request.session[SESSION_DEFAULTS] = form.cleaned_data
    messages.success(request, _("Đã lưu cấu hình mặc định."))
    return redirect(reverse(TAB_URLS[form.cleaned_data["tab"]]))
