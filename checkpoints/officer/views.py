"""The checkpoint officer's page (seed 003 §III, "tài khoản công vụ"): one field for an
ID number, a scanner's QR or the camera's, and the answer in three groups.

Without JavaScript each look-up is a plain POST that renders the page again with an
empty field. The page's script (static/js/officer.js) posts the same form with
`Accept: application/json` and swaps the answer in without a reload; it gets JSON back,
errors included.
"""

import datetime
import time
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
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
from .selectors import (
    checkpoint_checked_since,
    officer_province,
    person_by_public_id,
    venue_for_officer,
    venues_for_officer,
)
from .services import checkpoint_check_record, officer_lookup, officer_venue_read

SESSION_DEFAULTS = "officer_defaults"
# "Đã kiểm tra" is only for a person a look-up of this officer showed, in the last
# CHECK_MAX_AGE seconds: the answer carries a signed ticket naming both (and when), so the
# hot path writes nothing to the session.
CHECK_SALT = "checkpoints.officer.check"
CHECK_MAX_AGE = 30 * 60
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
    context = {"answer": answer, "query": form.cleaned_data["q"]}
    if answer.person is not None:
        context["check_ticket"] = _check_ticket(request.user, answer.person)
    if _wants_json(request):
        html = render_to_string(
            "checkpoints/officer/_answer.html",
            {**context, "tab": tab, "script": True},
            request=request,
        )
        return JsonResponse({"html": html})
    return _page(request, tab, form=LookupForm(), **context)


def _check_ticket(officer, person) -> str:
    return signing.dumps([officer.pk, str(person.public_id), time.time()], salt=CHECK_SALT)


def _ticket_person(request):
    """The person of a "đã kiểm tra" ticket: signed for this officer, not older than
    CHECK_MAX_AGE, and not used yet (no check of that person recorded since it was made).
    None otherwise."""
    try:
        officer_pk, public_id, made = signing.loads(
            request.POST.get("nguoi", ""), salt=CHECK_SALT, max_age=CHECK_MAX_AGE
        )
        made = datetime.datetime.fromtimestamp(float(made), tz=datetime.UTC)
    except (signing.BadSignature, TypeError, ValueError, OverflowError):
        return None
    if officer_pk != request.user.pk:
        return None
    person = person_by_public_id(public_id)
    if person is None or checkpoint_checked_since(request.user, person, made):
        return None
    return person


@officer_required
@require_POST
def check_record(request):
    """ "Đã kiểm tra": a person a look-up just showed, at the officer's checkpoint."""
    tab = request.POST.get("tab") if request.POST.get("tab") in LOOKUP_TABS else Tab.ENTRY
    person = _ticket_person(request)
    if person is None:
        message = _("Chỉ ghi nhận được người vừa tra cứu. Tra cứu lại rồi bấm “Đã kiểm tra”.")
        return _error(request, tab, code="not_shown", message=message, status=400)
    try:
        checkpoint_check_record(officer=request.user, person=person, ip=client_ip(request))
    except ValidationError as error:
        return _error(request, tab, code=error.code, message=error.messages[0], status=400)
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
