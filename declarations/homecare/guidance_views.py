"""The guidance pages patients read (public, no login): the portal's own pages, or
their province's where a signed-in citizen's patients live in a province that has
written its own (selectors.guidance_for)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from khaibao.areas.models import Area
from khaibao.people.selectors import managed_links_for

from .guidance import guidance_html
from .models import OPEN_CARE_STATUSES
from .selectors import guidance_document_or_404, guidance_for, patients_for_citizen


def _reader_area(request) -> Area | None:
    """Where the reader's guidance comes from: the isolation address of a patient the
    account follows at home, else the home of the account's own person (self first),
    else nowhere (the portal's pages)."""
    user = request.user
    if not user.is_authenticated or not user.phone:
        return None
    patient = patients_for_citizen(user).filter(status__in=OPEN_CARE_STATUSES).first()
    if patient is not None:
        return patient.area
    link = managed_links_for(user).first()
    return link.person.area if link is not None else None


@require_GET
def guidance_list(request):
    documents = guidance_for(_reader_area(request))
    return render(request, "declarations/homecare/guidance_list.html", {"documents": documents})


@require_GET
def guidance_detail(request, slug):
    document = guidance_document_or_404(_reader_area(request), slug)
    return render(
        request,
        "declarations/homecare/guidance.html",
        {"document": document, "body": guidance_html(document.body)},
    )
