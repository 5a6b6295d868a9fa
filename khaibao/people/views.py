"""A citizen's persons: self and relatives (add, edit, choose, My QR)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from khaibao.access.views import citizen_required
from khaibao.lib.forms import apply_service_errors

from .forms import CitizenPersonForm
from .models import ManagedPerson, Relationship
from .selectors import managed_links_for, person_for_citizen, staff_reads_of
from .services import person_register_for_account, person_update

SESSION_DECLARING_FOR = "declaring_for"


def _relationship_choices(account):
    has_self = ManagedPerson.objects.filter(
        account=account, relationship=Relationship.SELF
    ).exists()
    if not has_self:
        return [(Relationship.SELF, Relationship.SELF.label)]
    return [choice for choice in Relationship.choices if choice[0] != Relationship.SELF]


@never_cache
@citizen_required
def my_people(request):
    links = list(managed_links_for(request.user))
    if not links:
        return redirect("people:add")
    return render(request, "people/mine.html", {"links": links})


def _next_or(request, default: str) -> str:
    """Where to go after saving: a same-site `next` (e.g. back to the F0 form) or `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


def _person_form_page(request, form, context: dict, save) -> HttpResponse:
    """GET shows the form; POST validates, calls `save(cleaned_data)` (a service that
    returns the person and whether anything was saved) and redirects to `next` or the
    list; "_refresh" (the no-JavaScript ward list update) only re-renders."""
    context = {
        "form": form,
        "next": request.POST.get("next") or request.GET.get("next", ""),
        **context,
    }
    if request.method == "POST" and "_refresh" not in request.POST:
        if form.is_valid():
            try:
                person, saved = save(form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                if saved:
                    messages.success(
                        request, _("Đã lưu thông tin của %(name)s.") % {"name": person.full_name}
                    )
                return redirect(_next_or(request, "people:mine"))
        return render(request, "people/person_form.html", context, status=400)
    return render(request, "people/person_form.html", context)


def _person_fields(data: dict) -> dict:
    names = (
        "full_name",
        "date_of_birth",
        "sex",
        "id_type",
        "id_number",
        "area",
        "phone",
        "street_address",
        "health_insurance_number",
    )
    return {name: data[name] for name in names}


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def person_add(request):
    choices = _relationship_choices(request.user)
    adding_self = choices[0][0] == Relationship.SELF
    initial = {"phone": request.user.phone} if adding_self else {}
    form = CitizenPersonForm(request.POST or None, relationships=choices, initial=initial)

    def save(data):
        link, created = person_register_for_account(
            account=request.user, relationship=data["relationship"], **_person_fields(data)
        )
        if not created:
            # The same identity again: the record on file, untouched (issue 17).
            messages.info(
                request,
                _(
                    "%(name)s đã có trong danh sách của bạn (%(relationship)s). Thông tin đã lưu "
                    "không thay đổi; bấm “Sửa thông tin” nếu cần sửa."
                )
                % {"name": link.person.full_name, "relationship": link.get_relationship_display()},
            )
        return link.person, created

    return _person_form_page(request, form, {"adding_self": adding_self}, save)


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def person_edit(request, public_id):
    person = person_for_citizen(request.user, public_id)
    link = ManagedPerson.objects.get(account=request.user, person=person)
    form = CitizenPersonForm(
        request.POST or None,
        relationships=[(link.relationship, link.get_relationship_display())],
        initial=CitizenPersonForm.initial_for(person, link.relationship),
    )
    return _person_form_page(
        request,
        form,
        {"person": person},
        lambda data: (person_update(person=person, **_person_fields(data)), True),
    )


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def person_choose(request):
    """Choose who a declaration is for, then continue to `next`."""
    links = list(managed_links_for(request.user))
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.method == "POST":
        chosen = request.POST.get("person", "")
        if any(str(link.person.public_id) == chosen for link in links):
            request.session[SESSION_DECLARING_FOR] = chosen
            return redirect(next_url or "people:mine")
        messages.error(request, _("Chọn một người trong danh sách."))
        return render(request, "people/choose.html", {"links": links, "next": next_url}, status=400)
    return render(request, "people/choose.html", {"links": links, "next": next_url})


@never_cache
@citizen_required
def person_access_log(request, public_id):
    person = person_for_citizen(request.user, public_id)
    events = staff_reads_of(person)[:100]
    return render(request, "people/access_log.html", {"person": person, "events": events})
