"""Venue pages (seed 003, §IV): the manager registers a venue, follows the ward's answer
and prints the poster; a citizen who scans the poster with the phone's camera lands on
the check-in page, checks in self and relatives with one tap, and out with another.

The poster's QR holds a portal URL with the venue's signed code (services.checkin_url):
the check-in page verifies the code on every request, so a tampered, expired or foreign
code is refused whatever the URL around it says.
"""

import uuid
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khaibao.access.views import citizen_required
from khaibao.lib.dates import datetime_text
from khaibao.lib.forms import apply_service_errors
from khaibao.people.selectors import managed_links_for
from khaibao.trust.services import qr_image_request

from .forms import CheckinForm, VenueRegisterForm
from .models import Venue, VenueStatus
from .selectors import (
    VenueCode,
    open_checkins,
    venue_for_manager_or_404,
    venue_from_code,
    venues_for_manager,
)
from .services import checkin_url, checkins_record, checkouts_record, venue_register

# -- the manager's pages ----------------------------------------------------------------


def _register_page(request, form, *, status=200):
    return render(request, "checkpoints/venues/register.html", {"form": form}, status=status)


def _register_submit(request, form) -> Venue | None:
    try:
        return venue_register(manager=request.user, **form.service_kwargs())
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return None


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def venue_register_view(request):
    """A new venue, waiting for its ward's station. The same page posted twice (the same
    submission key) registers it once: the service returns the first one."""
    if request.method == "GET":
        initial = VenueRegisterForm.initial_for(account=request.user, submission_key=uuid.uuid4())
        return _register_page(request, VenueRegisterForm(initial=initial))
    form = VenueRegisterForm(request.POST)
    if "_refresh" in request.POST:
        return _register_page(request, VenueRegisterForm(initial=form.data.dict()))
    venue = _register_submit(request, form) if form.is_valid() else None
    if venue is None:
        return _register_page(request, form, status=400)
    messages.success(
        request,
        _(
            "Đã gửi đăng ký địa điểm. Trạm Y tế phường / xã sẽ duyệt và báo cho bạn qua tin "
            "nhắn; sau đó bạn in được mã QR check-in."
        ),
    )
    return redirect(venue)


@never_cache
@citizen_required
@require_GET
def venue_list(request):
    """The account's venues with the ward's answer."""
    venues = venues_for_manager(request.user).order_by("-created_at")
    return render(request, "checkpoints/venues/list.html", {"venues": venues})


@never_cache
@citizen_required
@require_GET
def venue_detail(request, public_id):
    venue = venue_for_manager_or_404(request.user, public_id)
    return render(request, "checkpoints/venues/detail.html", {"venue": venue})


@never_cache
@citizen_required
@require_GET
def venue_poster(request, public_id):
    """The A4 poster of an approved venue: its QR opens the check-in page."""
    venue = venue_for_manager_or_404(request.user, public_id)
    if venue.status != VenueStatus.APPROVED:
        messages.warning(request, _("Địa điểm chưa được duyệt nên chưa có mã QR check-in."))
        return redirect(venue)
    url = checkin_url(venue)
    return render(
        request,
        "checkpoints/venues/poster.html",
        {
            "venue": venue,
            "qr_text": url,
            "qr_image_url": qr_image_request(url),
            "portal_url": settings.KHAIBAO_PUBLIC_URL.rstrip("/"),
        },
    )


# -- check-in and check-out ---------------------------------------------------------------


def _checkin_path(text: str) -> str:
    return f"{reverse('checkpoints:checkin')}?ma={quote(text, safe='')}"


def _add_person_url(text: str) -> str:
    """ "Thêm người thân", coming back to this venue's check-in page."""
    return f"{reverse('people:add')}?{urlencode({'next': _checkin_path(text)})}"


def _code_problem_page(request, code: VenueCode):
    status = 404 if code.problem == "unknown" else 400
    return render(request, "checkpoints/venues/checkin_problem.html", {"code": code}, status=status)


def _checkin_page(request, code: VenueCode, text: str, links, form=None, *, status=200):
    persons = [link.person for link in links]
    inside = open_checkins(code.venue, persons)
    outside = [link for link in links if link.person_id not in inside]
    if form is None:
        form = CheckinForm(
            links=outside,
            initial={"persons": [str(link.person.public_id) for link in outside]},
        )
    return render(
        request,
        "checkpoints/venues/checkin.html",
        {
            "venue": code.venue,
            "ma": text,
            "form": form,
            "choices": outside,
            "ticked": _ticked(form),
            "inside": [
                (link, inside[link.person_id]) for link in links if link.person_id in inside
            ],
            "add_person_url": _add_person_url(text),
        },
        status=status,
    )


def _ticked(form: CheckinForm) -> set[str]:
    if form.is_bound:
        return set(form.data.getlist("persons"))
    return {str(value) for value in form.initial.get("persons") or []}


def _checked_in_message(checkins, moment) -> str:
    """ "Đã check-in" for the new check-ins; a repeat scan within the rule's minutes kept
    the earlier one, and the message says since when."""
    new = [checkin for checkin in checkins if checkin.checked_in_at >= moment]
    earlier = [checkin for checkin in checkins if checkin.checked_in_at < moment]
    parts = []
    if new:
        parts.append(
            ngettext(
                "Đã check-in cho %(count)d người.", "Đã check-in cho %(count)d người.", len(new)
            )
            % {"count": len(new)}
        )
    if earlier:
        since = min(checkin.checked_in_at for checkin in earlier)
        parts.append(
            _("Bạn đã check-in lúc %(time)s; lần quét này không tính thêm lượt mới.")
            % {"time": datetime_text(since)}
        )
    return " ".join(parts)


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def checkin(request):
    """GET ?ma=<code>: the venue, the account's persons (all ticked) and "Check-in", or
    who is in and "Check-out". POST: check the ticked persons in, back to the page."""
    text = (request.POST if request.method == "POST" else request.GET).get("ma", "")
    code = venue_from_code(text)
    if code.problem:
        return _code_problem_page(request, code)
    links = list(managed_links_for(request.user))
    if not links:
        return redirect(_add_person_url(text))
    if request.method == "GET":
        return _checkin_page(request, code, text, links)
    form = CheckinForm(request.POST, links=links)
    if not form.is_valid():
        return _checkin_page(request, code, text, links, form, status=400)
    moment = timezone.now()
    try:
        recorded = checkins_record(
            venue=code.venue, persons=form.persons(), account=request.user, now=moment
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return _checkin_page(request, code, text, links, form, status=400)
    messages.success(request, _checked_in_message(recorded, moment))
    return redirect(_checkin_path(text))


@never_cache
@citizen_required
@require_POST
def checkout(request):
    """Check out every person of the account who is in at the venue (one tap)."""
    text = request.POST.get("ma", "")
    code = venue_from_code(text)
    if code.problem:
        return _code_problem_page(request, code)
    persons = [link.person for link in managed_links_for(request.user)]
    count = checkouts_record(venue=code.venue, persons=persons)
    if count:
        messages.success(
            request,
            ngettext(
                "Đã check-out cho %(count)d người lúc %(time)s.",
                "Đã check-out cho %(count)d người lúc %(time)s.",
                count,
            )
            % {"count": count, "time": datetime_text(timezone.now())},
        )
    else:
        messages.info(request, _("Không có ai đang check-in tại địa điểm này."))
    return redirect(_checkin_path(text))
