"""Citizen pages of the health and entry declarations (seed 003).

The home page is also the seed's "tra cứu" (phone → OTP → the list → "Xem QR"):
citizen_required sends a visitor through the OTP login and back. Both declare pages work
without JavaScript: "_refresh" re-renders the area lists and the BHYT button posts the
page to bhyt_lookup, which shows it again with the person ticked. A page posted twice
(the same submission key) files once and shows what the first post filed.
"""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khaibao.access.views import citizen_required
from khaibao.lib.dates import date_text
from khaibao.lib.forms import apply_service_errors
from khaibao.people.models import ManagedPerson, Person
from khaibao.people.selectors import managed_links_for
from khaibao.trust.services import qr_image_request

from ..quarantine.services import policy_summary
from .forms import BhytLookupForm, posted_initial
from .forms_entry import EntryDeclarationForms
from .forms_health import HealthDeclarationForm
from .models import EntryDeclaration, Symptom
from .rules import declaring_rules
from .selectors import (
    area_texts,
    declaration_by_token,
    entry_declaration_for_citizen_or_404,
    entry_declarations_for_citizen,
    health_declaration_for_citizen_or_404,
    health_declarations_for_citizen,
    last_health_declarations,
    managed_link_by_bhyt,
    origin_texts,
)
from .services import entry_declarations_submit, health_declarations_submit

# -- small reads ---------------------------------------------------------------------------


def _person_details(person: Person) -> dict:
    """What the BHYT answer shows of a person: never the ID or card number."""
    area = area_texts([person.area])[person.area_id]
    return {
        "public_id": str(person.public_id),
        "full_name": person.full_name,
        "date_of_birth": date_text(person.date_of_birth),
        "sex": str(person.get_sex_display()),
        "address": ", ".join(part for part in (person.street_address, area) if part),
    }


def _posted_key(request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get("submission_key", ""))
    except ValueError:
        return None


def _all_filed(declarations, key: uuid.UUID, data) -> bool:
    """Whether the page posted with `key` was filed already for every person it ticks: a
    repost that ticks one more person goes on, and files that person too."""
    filed = {
        str(public_id)
        for public_id in declarations.filter(submission_key=key).values_list(
            "person__public_id", flat=True
        )
    }
    return bool(filed) and set(data.getlist("persons")) <= filed


def _qr_context(declaration) -> dict:
    return {"qr_text": declaration.qr_text, "qr_image_url": qr_image_request(declaration.qr_text)}


def _add_person_url(back_to: str) -> str:
    """ "Thêm người thân", coming back to `back_to` (a URL name) once the person is saved."""
    return f"{reverse('people:add')}?{urlencode({'next': reverse(back_to)})}"


# -- home: each person's declarations ---------------------------------------------------------


@never_cache
@citizen_required
@require_GET
def home(request):
    """Each person of the account: the last health declaration, the entry declarations
    with their policy (and what it was before a change), and the links to each QR."""
    links = list(managed_links_for(request.user))
    last_health = last_health_declarations([link.person for link in links])
    entries = list(entry_declarations_for_citizen(request.user))
    origins = origin_texts(entries)
    rows = [
        {
            "link": link,
            "health": last_health.get(link.person_id),
            "entries": [
                {
                    "declaration": entry,
                    "origin": origins[entry.pk],
                    "summary": policy_summary(entry),
                }
                for entry in entries
                if entry.person_id == link.person_id
            ],
        }
        for link in links
    ]
    return render(
        request,
        "checkpoints/home.html",
        {"rows": rows, "add_person_url": _add_person_url("checkpoints:home")},
    )


# -- the health declaration ----------------------------------------------------------------


def _health_form(links, data=None, **kwargs) -> HealthDeclarationForm:
    # The questions name the window of the province the account's own person lives in.
    lookback_days = declaring_rules(links[0].person.area)["lookback_days"]
    return HealthDeclarationForm(data, links=links, lookback_days=lookback_days, **kwargs)


def _health_page(request, form, *, status=200, bhyt_form=None, bhyt_person=None):
    return render(
        request,
        "checkpoints/health_declare.html",
        {
            "form": form,
            "ticked": form.ticked(),
            "bhyt_form": bhyt_form or BhytLookupForm(),
            "bhyt_person": bhyt_person,
            "add_person_url": _add_person_url("checkpoints:health-declare"),
        },
        status=status,
    )


def _health_submit(request, form) -> bool:
    """One declaration per ticked person, all or none; False with the service's errors
    on the form."""
    data = form.cleaned_data
    try:
        health_declarations_submit(
            declared_by=request.user,
            persons=[(link.person, link.relationship) for link in data["persons"]],
            submission_key=data["submission_key"],
            **form.service_kwargs(),
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return False
    return True


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def health_declare(request):
    """The in-province health declaration for one or more persons; repeatable any time."""
    links = list(managed_links_for(request.user))
    if not links:
        return redirect(_add_person_url("checkpoints:health-declare"))
    if request.method == "GET":
        initial = HealthDeclarationForm.initial_for(
            account=request.user, links=links, submission_key=uuid.uuid4()
        )
        return _health_page(request, _health_form(links, initial=initial))
    key = _posted_key(request)
    if key and _all_filed(health_declarations_for_citizen(request.user), key, request.POST):
        # The same page sent twice (a double tap, a resent POST): what the first one filed.
        return redirect("checkpoints:health-result", submission_key=key)
    form = _health_form(links, request.POST)
    if "_refresh" in request.POST:
        return _health_page(request, _health_form(links, initial=posted_initial(form)))
    if not form.is_valid() or not _health_submit(request, form):
        return _health_page(request, form, status=400)
    count = len(form.cleaned_data["persons"])
    messages.success(
        request,
        ngettext(
            "Đã khai báo y tế cho %(count)d người. Đưa mã QR dưới đây khi được yêu cầu.",
            "Đã khai báo y tế cho %(count)d người. Đưa mã QR dưới đây khi được yêu cầu.",
            count,
        )
        % {"count": count},
    )
    return redirect("checkpoints:health-result", submission_key=form.cleaned_data["submission_key"])


@never_cache
@citizen_required
@require_GET
def health_result(request, submission_key):
    """The declarations one page filed: each person's QR."""
    declarations = list(
        health_declarations_for_citizen(request.user).filter(submission_key=submission_key)
    )
    if not declarations:
        raise Http404
    items = [{"declaration": item, **_qr_context(item)} for item in declarations]
    return render(request, "checkpoints/health_result.html", {"items": items})


@never_cache
@citizen_required
@require_GET
def health_detail(request, public_id):
    declaration = health_declaration_for_citizen_or_404(request.user, public_id)
    return render(
        request,
        "checkpoints/health_detail.html",
        {
            "declaration": declaration,
            "area_text": area_texts([declaration.area])[declaration.area_id],
            "symptom_choices": Symptom.choices,
            **_qr_context(declaration),
        },
    )


# -- the entry declaration -----------------------------------------------------------------


def _entry_page(request, forms: EntryDeclarationForms, *, status=200, **bhyt):
    ticked = forms.trip.ticked()
    return render(
        request,
        "checkpoints/entry_declare.html",
        {
            "forms": forms,
            "form": forms.trip,
            "origin": forms.origin,
            "destination": forms.destination,
            "people": [(person, str(person.person.public_id) in ticked) for person in forms.people],
            "recent_test_days": forms.rules["recent_test_days"],
            "bhyt_form": bhyt.get("bhyt_form") or BhytLookupForm(),
            "bhyt_person": bhyt.get("bhyt_person"),
            "add_person_url": _add_person_url("checkpoints:entry-declare"),
            # The BHYT button's answer comes from another URL: links lead back here.
            "page_url": reverse("checkpoints:entry-declare"),
        },
        status=status,
    )


def _entry_submit(request, forms: EntryDeclarationForms) -> bool:
    """All the ticked persons' declarations, or none; False with the service's errors on
    the page's fields."""
    try:
        entry_declarations_submit(
            declared_by=request.user,
            travellers=forms.travellers(),
            trip=forms.trip_value(),
            submission_key=forms.submission_key,
        )
    except ValidationError as exc:
        forms.apply_service_errors(exc)
        return False
    return True


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def entry_declare(request):
    """One trip into the province for one or more persons; each gets their own
    declaration, policy and QR."""
    links = list(managed_links_for(request.user))
    if not links:
        return redirect(_add_person_url("checkpoints:entry-declare"))
    if request.method == "GET":
        return _entry_page(request, EntryDeclarationForms.new(account=request.user, links=links))
    key = _posted_key(request)
    if key and _all_filed(entry_declarations_for_citizen(request.user), key, request.POST):
        # The same page sent twice (a double tap, a resent POST): what the first one filed.
        return redirect("checkpoints:entry-result", submission_key=key)
    forms = EntryDeclarationForms(request.POST, links=links)
    if "_refresh" in request.POST:
        return _entry_page(request, forms.redisplayed())
    if not forms.is_valid() or not _entry_submit(request, forms):
        return _entry_page(request, forms, status=400)
    count = len(forms.travellers())
    messages.success(
        request,
        ngettext(
            "Đã khai báo vào tỉnh cho %(count)d người. Đọc hướng dẫn và giữ mã QR để xuất "
            "trình tại chốt kiểm soát.",
            "Đã khai báo vào tỉnh cho %(count)d người. Đọc hướng dẫn và giữ mã QR để xuất "
            "trình tại chốt kiểm soát.",
            count,
        )
        % {"count": count},
    )
    return redirect("checkpoints:entry-result", submission_key=forms.submission_key)


def _entry_items(declarations: list[EntryDeclaration]) -> list[dict]:
    origins = origin_texts(declarations)
    return [
        {
            "declaration": item,
            "origin": origins[item.pk],
            "summary": policy_summary(item),
            **_qr_context(item),
        }
        for item in declarations
    ]


@never_cache
@citizen_required
@require_GET
def entry_result(request, submission_key):
    """The declarations one page filed: each person's policy and QR."""
    declarations = list(
        entry_declarations_for_citizen(request.user).filter(submission_key=submission_key)
    )
    if not declarations:
        raise Http404
    return render(request, "checkpoints/entry_result.html", {"items": _entry_items(declarations)})


@never_cache
@citizen_required
@require_GET
def entry_detail(request, public_id):
    declaration = entry_declaration_for_citizen_or_404(request.user, public_id)
    (item,) = _entry_items([declaration])
    return render(
        request,
        "checkpoints/entry_detail.html",
        {
            **item,
            "destination_text": area_texts([declaration.destination_area])[
                declaration.destination_area_id
            ],
        },
    )


# -- "Có thẻ bảo hiểm y tế" ------------------------------------------------------------------


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@never_cache
@citizen_required
@require_POST
def bhyt_lookup(request):
    """The account's person with this BHYT number: JSON for checkpoints-declare.js, or
    (without JavaScript) the declare page posted with it, shown again with the person
    ticked and their details. A number the account's persons do not hold gets the same
    answer whether anyone else holds it or not."""
    links = list(managed_links_for(request.user))
    bhyt_form = BhytLookupForm(request.POST)
    link = None
    if bhyt_form.is_valid():
        link = managed_link_by_bhyt(links, bhyt_form.cleaned_data["bhyt_number"])
        if link is None:
            bhyt_form.add_error(
                "bhyt_number",
                ValidationError(
                    _("Không tìm thấy số thẻ này trong danh sách người bạn quản lý."),
                    code="not_found",
                ),
            )
    if _wants_json(request):
        if link is None:
            errors = bhyt_form.errors.as_data()["bhyt_number"]
            status = 404 if errors[0].code == "not_found" else 400
            return JsonResponse(
                {"error": " ".join(bhyt_form.errors["bhyt_number"]), "code": errors[0].code},
                status=status,
            )
        return JsonResponse({"person": _person_details(link.person)})
    if not links:
        return redirect(_add_person_url("checkpoints:home"))
    return _bhyt_page(request, links, bhyt_form, link)


def _bhyt_page(request, links, bhyt_form: BhytLookupForm, link: ManagedPerson | None):
    """The declare page the BHYT button posted, with its answers as typed, the person
    found ticked (200) or the look-up's error (400); nothing is checked or saved."""
    bhyt = {
        "bhyt_form": bhyt_form,
        "bhyt_person": _person_details(link.person) if link is not None else None,
    }
    status = 200 if link is not None else 400
    if request.POST.get("page") == "entry":
        forms = EntryDeclarationForms(request.POST, links=links).redisplayed(tick=link)
        return _entry_page(request, forms, status=status, **bhyt)
    form = _health_form(links, request.POST)
    initial = posted_initial(form)
    if link is not None:
        initial["persons"] = [*(initial.get("persons") or []), str(link.person.public_id)]
    return _health_page(request, _health_form(links, initial=initial), status=status, **bhyt)


# -- the page of a declaration reached by its token (no login) ------------------------------


@require_GET
def by_token(request, token):
    """The QR page of one declaration for a person without a login (the SMS link of a
    paper declaration or a policy change): name, birth year, the trip, the policy and
    the QR, nothing more."""
    declaration = declaration_by_token(token)
    if declaration is None:
        raise Http404
    context = {"declaration": declaration, **_qr_context(declaration)}
    if isinstance(declaration, EntryDeclaration):
        context.update(
            is_entry=True,
            origin=origin_texts([declaration])[declaration.pk],
            summary=policy_summary(declaration),
        )
    response = render(request, "checkpoints/by_token.html", context)
    # The token is the key to the page: no other site sees it, no cache keeps the page.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response
