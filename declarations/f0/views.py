"""Citizen pages of the F0 declaration (seed 000): start, declare (saved as a draft as the
citizen goes), status with "remind the station", fix-and-resubmit, and the FAQ.

Each of the seed's failures is answered where it happens: a lost form (drafts, one
declaration per submit key), an overdue test date (a page with the rule, not an error),
a duplicate (the open declaration's status page), a silent station (remind, escalate).
"""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khaibao.access.views import citizen_required
from khaibao.areas.models import ward_of
from khaibao.lib.dates import datetime_text
from khaibao.lib.forms import apply_service_errors
from khaibao.lib.normalize import phone_for_display
from khaibao.people.models import Person
from khaibao.people.selectors import managed_links_for, person_for_citizen
from khaibao.people.views import SESSION_DECLARING_FOR

from ..homecare.services import homecare_rules
from .checks import CCCD_FIELD_LABELS, cccd_check
from .forms import (
    PHOTO_KINDS,
    F0BaseForm,
    F0DeclarationForm,
    F0ResubmitForm,
    chosen_photo,
)
from .models import F0Declaration, F0Status
from .rules import f0_timing
from .selectors import (
    account_link,
    declaration_for_citizen_or_404,
    declaration_sent_with,
    open_declaration,
    open_declarations_by_person,
    station_of,
)
from .services import (
    completion_opens_on,
    decision_hours,
    decision_overdue,
    f0_draft_get_or_create,
    f0_draft_save,
    f0_form_save,
    f0_remind,
    f0_resubmit,
    f0_submit,
    test_date_window,
)

# -- access and small reads ---------------------------------------------------------------


def _photos_context(form: F0BaseForm, person: Person) -> dict:
    """The photos already chosen, and what the ID photo's CCCD QR (if any) disagrees with:
    worked out on the server again, whatever the page's script said after the upload."""
    test_photo, id_photo = form.photo("test_photo"), form.photo("id_photo")
    mismatches = cccd_check(person=person, id_photo=id_photo) if id_photo is not None else []
    return {"test_photo": test_photo, "id_photo": id_photo, **_cccd_context(mismatches)}


def _cccd_context(mismatches: list[str]) -> dict:
    return {
        "cccd_mismatch": mismatches,
        "cccd_fields": [
            (field, label, field in mismatches) for field, label in CCCD_FIELD_LABELS.items()
        ],
    }


def _save_form(request, form: F0BaseForm, person: Person, *, draft: bool) -> None:
    """Store the photos posted with the form (no JavaScript) and, for the declaration
    form, the draft: one service call. The page shown again carries the stored photos'
    ids in its hidden fields; a photo that failed its checks says why next to it."""
    chosen = {name: form.cleaned_data.get(name) for name in PHOTO_KINDS if name not in form.errors}
    photos, errors = f0_form_save(
        account=request.user,
        person=person,
        data=F0DeclarationForm.draft_data(form.data) if draft else None,
        photos=chosen,
    )
    data = form.data.copy()
    for name, photo in photos.items():
        form.cleaned_data[name] = photo
        data[f"{name}_id"] = str(photo.public_id)
    for name, error in errors.items():
        form.add_error(name, error)
    form.data = data


# -- start: who is declaring --------------------------------------------------------------


def _continue_with(request, person: Person):
    request.session[SESSION_DECLARING_FOR] = str(person.public_id)
    declaration = open_declaration(person)
    if declaration is not None:
        messages.info(
            request,
            _("%(name)s đang có một khai báo F0 chưa kết thúc. Đây là trạng thái của khai báo đó.")
            % {"name": person.full_name},
        )
        return redirect(declaration)
    return redirect("declarations:declare", public_id=person.public_id)


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def start(request):
    """Choose who the declaration is for; a person with an open declaration goes to its
    status page instead of a second form (seed question 10)."""
    links = list(managed_links_for(request.user))
    chosen = request.POST.get("person") if request.method == "POST" else None
    if chosen is not None:
        link = next((link for link in links if str(link.person.public_id) == chosen), None)
        if link is not None:
            return _continue_with(request, link.person)
        messages.error(request, _("Chọn một người trong danh sách."))
    open_by_person = open_declarations_by_person([link.person for link in links])
    ids = [str(link.person.public_id) for link in links]
    selected = request.session.get(SESSION_DECLARING_FOR)
    selected = selected if selected in ids else (ids[0] if ids else "")
    rows = [(link, open_by_person.get(link.person_id)) for link in links]
    return render(
        request,
        "declarations/start.html",
        {"rows": rows, "selected": selected},
        status=400 if chosen is not None else 200,
    )


# -- the declaration form -------------------------------------------------------------------


def _declare_page(request, form: F0DeclarationForm, person: Person, status: int = 200):
    link = account_link(request.user, person)
    return render(
        request,
        "declarations/declare.html",
        {"form": form, "person": person, "link": link, **_photos_context(form, person)},
        status=status,
    )


def _test_date_rule(person: Person, entered: str, area) -> dict:
    """What replaces seed question 11's bare "overdue": the rule, today's dates, and who to
    contact instead."""
    first, last = test_date_window(area=area)
    return {
        "entered": entered,
        "first": first,
        "last": last,
        "window_days": f0_timing(area)["test_date_window_days"],
        "station": station_of(area),
    }


def _test_date_rule_page(request, form: F0BaseForm, person: Person, area):
    """The declaration's date is overdue: a page with the rule and the way back to the
    form, where the draft has kept everything."""
    rule = _test_date_rule(person, form.data.get("test_date", ""), area)
    return render(
        request,
        "declarations/test_date_rule.html",
        {"person": person, "rule": rule, "back_url": request.path},
        status=400,
    )


def _submit(request, form: F0DeclarationForm, person: Person, link):
    """Call f0_submit with the validated form; the declaration, or a response."""
    data = form.cleaned_data
    try:
        return f0_submit(
            account=request.user,
            person=person,
            relationship=link.relationship,
            submission_key=data["submission_key"],
            **form.service_kwargs(),
        )
    except ValidationError as exc:
        if exc.code == "open_declaration":
            # Filed from another tab or phone a moment ago.
            return _continue_with(request, person)
        if "test_date" in getattr(exc, "error_dict", {}):
            # The day changed between the form's check and the service's.
            return _test_date_rule_page(request, form, person, data["isolation_area"])
        apply_service_errors(form, exc)
        return _declare_page(request, form, person, status=400)


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def declare(request, public_id):
    """The declaration form, prefilled from the draft. Every POST saves the draft first
    ("Lưu nháp", the no-JavaScript ward list, and a submit with errors alike)."""
    person = person_for_citizen(request.user, public_id)
    if request.method == "POST":
        sent = declaration_sent_with(person, request.POST.get("submission_key"))
        if sent is not None:
            # The same page sent twice (a double tap, a resent POST): one declaration.
            return redirect(sent)
    if open_declaration(person) is not None:
        return _continue_with(request, person)
    if request.method == "GET":
        draft = f0_draft_get_or_create(account=request.user, person=person)
        initial = F0DeclarationForm.initial_for(person=person, account=request.user, draft=draft)
        return _declare_page(request, F0DeclarationForm(person=person, initial=initial), person)

    form = F0DeclarationForm(request.POST, request.FILES, person=person)
    form.is_valid()
    _save_form(request, form, person, draft=True)
    if "_save_draft" in request.POST or "_refresh" in request.POST:
        return _after_draft_post(request, form, person)
    if form.outside_window:
        area = form.cleaned_data.get("isolation_area") or person.area
        return _test_date_rule_page(request, form, person, area)
    if not form.is_valid():
        return _declare_page(request, form, person, status=400)
    result = _submit(request, form, person, account_link(request.user, person))
    if not isinstance(result, F0Declaration):
        return result
    if result.person_id != person.pk:
        # A submission key of another person's declaration: not this page's.
        raise Http404
    station = station_of(result.isolation_area)
    messages.success(
        request,
        _(
            "Đã gửi khai báo F0 của %(name)s. Trạm Y tế %(ward)s sẽ xác nhận trong vòng "
            "%(hours)s giờ; kết quả có ở trang này và được nhắn tin đến %(phone)s."
        )
        % {
            "name": person.full_name,
            "ward": station["ward"].name,
            "hours": decision_hours(result),
            "phone": phone_for_display(result.contact_phone),
        },
    )
    return redirect(result)


def _after_draft_post(request, form, person) -> HttpResponse:
    """ "Lưu nháp" and the no-JavaScript ward list: back to the form, prefilled from the
    draft. A photo that failed its checks says why at the top."""
    for name in PHOTO_KINDS:
        for error in form.errors.get(name, []):
            messages.error(request, f"{form.fields[name].label}: {error}")
    url = reverse("declarations:declare", kwargs={"public_id": person.public_id})
    if "_refresh" in request.POST:
        return redirect(f"{url}#isolation")
    messages.success(request, _("Đã lưu nháp. Bạn có thể quay lại trang này để gửi tiếp."))
    return redirect(url)


@never_cache
@require_POST
def draft_save(request, public_id):
    """The autosave of f0-draft.js: JSON in, JSON out, never a redirect to the login page
    (a fetch cannot show it)."""
    if not request.user.is_authenticated or not request.user.phone:
        return JsonResponse(
            {
                "error": _(
                    "Phiên đăng nhập đã hết. Những gì bạn vừa nhập vẫn được giữ trên trình duyệt "
                    "này; đăng nhập lại để lưu và gửi tiếp."
                ),
                "code": "login_required",
            },
            status=403,
        )
    person = person_for_citizen(request.user, public_id)
    declaration = open_declaration(person)
    if declaration is not None:
        return JsonResponse(
            {
                "error": _("Khai báo này đã được gửi."),
                "code": "submitted",
                "url": declaration.get_absolute_url(),
            },
            status=409,
        )
    photos = {
        name: chosen_photo(person, name, request.POST.get(f"{name}_id")) for name in PHOTO_KINDS
    }
    draft = f0_draft_save(
        account=request.user,
        person=person,
        data=F0DeclarationForm.draft_data(request.POST),
        **photos,
    )
    return JsonResponse({"saved_at": timezone.localtime(draft.updated_at).strftime("%H:%M")})


# -- after the submit ------------------------------------------------------------------------


@never_cache
@citizen_required
@require_GET
def status(request, pk):
    declaration = declaration_for_citizen_or_404(request.user, pk)
    decide_by = declaration.submitted_at + datetime.timedelta(hours=decision_hours(declaration))
    homecare = getattr(declaration, "homecare", None)
    return render(
        request,
        "declarations/status.html",
        {
            "declaration": declaration,
            "person": declaration.person,
            "events": declaration.events.select_related("actor"),
            "contact_phone": phone_for_display(declaration.contact_phone),
            "station": station_of(declaration.isolation_area),
            "decide_by": decide_by,
            "overdue": decision_overdue(declaration),
            "completion_opens_on": completion_opens_on(declaration),
            "statuses": F0Status,
            "homecare": homecare,
            "homecare_deadline": homecare_rules(homecare)["report_deadline"] if homecare else "",
            **_cccd_context(declaration.cccd_mismatch),
        },
    )


@never_cache
@citizen_required
@require_POST
def remind(request, pk):
    declaration = declaration_for_citizen_or_404(request.user, pk)
    try:
        escalated = f0_remind(declaration=declaration, account=request.user)
    except ValidationError as exc:
        messages.info(request, " ".join(exc.messages))
        return redirect(declaration)
    if escalated:
        messages.success(
            request,
            _(
                "Đã quá %(hours)s giờ mà Trạm Y tế chưa xác nhận: lời nhắc của bạn đã được chuyển "
                "lên Sở Y tế để đôn đốc."
            )
            % {"hours": decision_hours(declaration)},
        )
    else:
        messages.success(
            request,
            _(
                "Đã nhắc Trạm Y tế %(ward)s. Nếu đến %(time)s vẫn chưa có kết quả, bấm nhắc lại: "
                "lời nhắc sẽ được chuyển lên Sở Y tế."
            )
            % {
                "ward": ward_of(declaration.isolation_area).name,
                "time": datetime_text(
                    declaration.submitted_at + datetime.timedelta(hours=decision_hours(declaration))
                ),
            },
        )
    return redirect(declaration)


def _resubmit_page(request, form, declaration, status: int = 200):
    """The fix-and-resubmit form; an overdue new test date explains the rule in place,
    since this form has no draft to come back to."""
    person = declaration.person
    rule = (
        _test_date_rule(person, form.data.get("test_date", ""), declaration.isolation_area)
        if form.is_bound and form.outside_window
        else None
    )
    return render(
        request,
        "declarations/resubmit.html",
        {
            "form": form,
            "declaration": declaration,
            "person": person,
            "rule": rule,
            **_photos_context(form, person),
        },
        status=status,
    )


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def resubmit(request, pk):
    """Fix a rejected declaration; the photos sent before are kept unless replaced."""
    declaration = declaration_for_citizen_or_404(request.user, pk)
    if declaration.status != F0Status.REJECTED:
        return redirect(declaration)
    if request.method == "GET":
        initial = F0ResubmitForm.initial_for(declaration)
        return _resubmit_page(
            request, F0ResubmitForm(declaration=declaration, initial=initial), declaration
        )
    form = F0ResubmitForm(request.POST, request.FILES, declaration=declaration)
    form.is_valid()
    _save_form(request, form, declaration.person, draft=False)
    if "_refresh" in request.POST:
        # The no-JavaScript ward list: the same answers again, without error messages.
        initial = {name: form.data.get(name) for name in form.fields if name not in PHOTO_KINDS}
        return _resubmit_page(
            request, F0ResubmitForm(declaration=declaration, initial=initial), declaration
        )
    if not form.is_valid():
        return _resubmit_page(request, form, declaration, status=400)
    try:
        f0_resubmit(declaration=declaration, account=request.user, **form.service_kwargs())
    except ValidationError as exc:
        if exc.code == "not_rejected":
            return redirect(declaration)
        apply_service_errors(form, exc)
        return _resubmit_page(request, form, declaration, status=400)
    messages.success(
        request, _("Đã gửi lại khai báo. Trạm Y tế sẽ xem lại và nhắn tin kết quả cho bạn.")
    )
    return redirect(declaration)


# -- help -------------------------------------------------------------------------------------


@require_GET
def faq(request):
    """The seed's 11 questions, answered for this portal; forms link to each answer."""
    # The national rules: the FAQ is read before anyone says where they live.
    rules = f0_timing(None)
    return render(
        request,
        "declarations/faq.html",
        {
            "window_days": rules["test_date_window_days"],
            "decision_hours": rules["decision_hours"],
            "isolation_days": rules["isolation_days"],
            "upload_limit_mb": f"{settings.UPLOAD_MAX_BYTES / (1024 * 1024):g}",
            "public_url": settings.KHAIBAO_PUBLIC_URL,
            "sms_sender": settings.SMS_SENDER_NAME,
        },
    )
