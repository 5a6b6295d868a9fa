"""Isolation completion, citizen side: declare the negative test, find a declaration filed
from another phone, and print the signed completion certificate."""

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from khaibao.access.views import citizen_required
from khaibao.areas.models import ward_of
from khaibao.lib.clientip import client_ip
from khaibao.lib.forms import apply_service_errors
from khaibao.people.models import ManagedPerson, Relationship
from khaibao.people.services import person_link_to_account
from khaibao.trust.services import qr_image_request
from khaibao.uploads.images import PreparedPhoto
from khaibao.uploads.services import photo_store

from ..kinds import TEST_RESULT_PHOTO
from .completion_lookup import completion_lookup_take, f0_find_for_completion, lookups_per_hour
from .forms_completion import CompletionFindForm, CompletionForm
from .models import F0Declaration, F0Status
from .rules import f0_timing
from .selectors import declaration_for_citizen_or_404, declarations_for_citizen
from .services import completion_certificate_text, completion_opens_on, f0_completion_request

logger = logging.getLogger(__name__)


def _store_chosen_photo(request, form: CompletionForm, declaration: F0Declaration) -> None:
    """Store the photo posted with the form at once, as the F0 form does, so that the page
    shown again after an error (a wrong date, a refusal by the service) keeps it."""
    prepared = form.cleaned_data.get("photo")
    if not isinstance(prepared, PreparedPhoto):
        return
    try:
        photo = photo_store(
            upload=prepared,
            kind=TEST_RESULT_PHOTO,
            person=declaration.person,
            uploaded_by=request.user,
        )
    except ValidationError as exc:
        form.add_error("photo", exc)
        return
    form.cleaned_data["photo"] = photo
    data = form.data.copy()
    data["photo_id"] = str(photo.public_id)
    form.data = data


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def completion(request, pk: int) -> HttpResponse:
    """The negative test that ends isolation, from day N after the positive test.

    Before that day, or in another status, the page says why instead of a form.
    """
    declaration = declaration_for_citizen_or_404(request.user, pk)
    if declaration.status != F0Status.ACCEPTED:
        return render(
            request,
            "declarations/completion_unavailable.html",
            {"declaration": declaration},
            status=409 if request.method == "POST" else 200,
        )
    opens_on = completion_opens_on(declaration)
    today = timezone.localdate()
    if today < opens_on:
        rules = f0_timing(declaration.isolation_area)
        context = {
            "declaration": declaration,
            "opens_on": opens_on,
            "days_left": (opens_on - today).days,
            "isolation_days": rules["isolation_days"],
            "rules": rules,
        }
        return render(
            request,
            "declarations/completion_not_yet.html",
            context,
            status=409 if request.method == "POST" else 200,
        )
    form = CompletionForm(
        request.POST or None, request.FILES or None, person=declaration.person, opens_on=opens_on
    )
    if request.method == "POST":
        form.is_valid()
        if not form.uses_lab_result():  # a photo sent along with a chosen result is unused
            _store_chosen_photo(request, form, declaration)
        if form.is_valid():
            try:
                f0_completion_request(
                    declaration=declaration,
                    account=request.user,
                    negative_test_date=form.cleaned_data["negative_test_date"],
                    photo=form.photo_for_service(),
                    lab_result=form.cleaned_data.get("lab_result"),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Đã gửi khai báo hoàn thành cách ly. Trạm Y tế sẽ xác nhận và nhắn tin."),
                )
                return redirect("declarations:status", pk=declaration.pk)
    context = {"declaration": declaration, "form": form, "photo": form.chosen_photo()}
    status = 400 if form.is_bound else 200
    return render(request, "declarations/completion.html", context, status=status)


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def completion_find(request) -> HttpResponse:
    """A declaration filed from another phone: the citizen types the person's details
    again; on a tolerant match the person joins this account and the completion form
    (or, before acceptance, the status page) follows. Status texts to a phone whose
    account does not manage the person link here."""
    form = CompletionFindForm(request.POST or None)
    if request.method == "GET":
        return render(request, "declarations/completion_find.html", {"form": form})
    if not form.is_valid():
        return render(request, "declarations/completion_find.html", {"form": form}, status=400)
    if not completion_lookup_take(account=request.user, ip=client_ip(request)):
        logger.warning(
            "F0 completion lookups over the hourly limit for account %s", request.user.pk
        )
        form.add_error(
            None,
            ValidationError(
                _(
                    "Bạn đã tra cứu %(count)s lần trong một giờ. Hãy thử lại sau một giờ, "
                    "hoặc gọi đường dây nóng để được hỗ trợ."
                )
                % {"count": lookups_per_hour()},
                code="rate_limited",
            ),
        )
        return render(request, "declarations/completion_find.html", {"form": form}, status=429)
    result = f0_find_for_completion(**form.cleaned_data)
    if not result.matched:
        form.add_error(None, ValidationError(result.message, code="no_match"))
        return render(request, "declarations/completion_find.html", {"form": form}, status=400)
    person = result.declaration.person
    if not ManagedPerson.objects.filter(account=request.user, person=person).exists():
        person_link_to_account(account=request.user, person=person, relationship=Relationship.OTHER)
    messages.success(
        request,
        _("Đã tìm thấy khai báo F0 của %(name)s. Người này đã được thêm vào tài khoản của bạn.")
        % {"name": person.full_name},
    )
    if result.declaration.status != F0Status.ACCEPTED:
        # Still waiting, rejected, or past completion: its status page says what is next.
        return redirect(result.declaration)
    return redirect("declarations:completion", pk=result.declaration.pk)


@never_cache
@citizen_required
@require_GET
def certificate(request, pk: int) -> HttpResponse:
    """The printable completion certificate with its signed KB1 QR."""
    declaration = get_object_or_404(
        declarations_for_citizen(request.user), pk=pk, status=F0Status.COMPLETED
    )
    text = completion_certificate_text(declaration)
    context = {
        "declaration": declaration,
        "person": declaration.person,
        "ward": ward_of(declaration.isolation_area),
        "completed_on": timezone.localdate(declaration.completed_at),
        "qr_text": text,
        "qr_image_url": qr_image_request(text),
        # Printed on paper: the full address, not a link.
        "verify_url": request.build_absolute_uri(reverse("trust:verify")),
    }
    return render(request, "declarations/certificate.html", context)
