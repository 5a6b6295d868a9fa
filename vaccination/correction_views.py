"""The correction request (seed 001, "Phản ánh thông tin"), sent without logging in.

1. The form (`correction`): the person, the kind, the doses, the photo of the paper
   record and the captcha. Valid answers are kept in the session as posted, the photo
   is held privately (khaibao/uploads/held.py), and a code goes to the phone given by
   the portal's OTP machinery (the login's limits and session binding).
2. The code (`correction_verify`): a right code signs the browser in with that phone
   and the request is written (correction_submit, one transaction). Nothing is stored
   before; a wrong code keeps every answer.
3. The status page (`correction_status`): for the account that sent it, or for a
   browser that looked it up by tracking code and birth date (`correction_lookup`).

The draft survives as in F0: what was typed (the `correction_draft` endpoint, or any
refused try) and the photo (`correction_photo`, or a refused try with a good photo)
stay in the session, so a reload or a second try asks for neither again.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from khaibao.accounts.backends import BACKEND
from khaibao.accounts.citizen_forms import CodeForm
from khaibao.accounts.otp import otp_request, otp_verify, seconds_until_resend
from khaibao.accounts.views import SESSION_BINDING, _session_binding
from khaibao.lib import ratelimit
from khaibao.lib.clientip import client_ip, limit_key
from khaibao.lib.forms import apply_service_errors
from khaibao.lib.normalize import phone_for_display
from khaibao.uploads.forms import PhotoField
from khaibao.uploads.held import photo_held, photo_hold, photo_release

from .forms import CorrectionForm
from .models import CorrectionRequest
from .selectors import correction_by_code
from .services import correction_submit

#: {"data": {field: [values]} (the draft), "photo": held token, and once a code was sent
#: "phone" (E.164) with "sent": the answers as they were validated for that code.
SESSION_CORRECTION = "vaccination_correction"
#: Tracking codes this browser looked up with the right birth date.
SESSION_SEEN = "vaccination_corrections_seen"
LOOKUPS_PER_HOUR = 20


def _kept(request) -> dict:
    return request.session.get(SESSION_CORRECTION) or {}


def _keep(request, **changes) -> None:
    kept = {**_kept(request), **changes}
    request.session[SESSION_CORRECTION] = kept


def _form_page(request, form, status: int = 200):
    if "captcha" not in form.fields:
        form.ask_captcha()  # the code step's form goes back to step 1: ask it again
    context = {"form": form, "held_photo": bool(_kept(request).get("photo"))}
    return render(request, "vaccination/correction.html", context, status=status)


def _may_hold(request) -> bool:
    """Anonymous photos are held in private storage: each client gets the hourly budget
    of a signed-in account's uploads (three times it, as it may be a carrier's shared
    address), so nobody can fill the disk with them."""
    return ratelimit.allow(
        f"vaccination:held-photo:ip:{limit_key(client_ip(request))}",
        limit=settings.UPLOAD_MAX_PER_ACCOUNT_PER_HOUR * 3,
        window=3600,
    )


def _too_many_photos() -> ValidationError:
    return ValidationError(
        _("Bạn đã tải lên quá nhiều ảnh trong một giờ. Vui lòng thử lại sau."),
        code="rate_limited",
    )


def _hold_posted_photo(request, form) -> bool:
    """A good photo sent with a refused try is kept, so it is not asked again. False
    when the client has used up its budget of held photos."""
    photo = form.cleaned_data.get("photo") if hasattr(form, "cleaned_data") else None
    if photo:
        if not _may_hold(request):
            return False
        photo_release(_kept(request).get("photo"))
        _keep(request, photo=photo_hold(photo))
    return True


@never_cache
@require_http_methods(["GET", "POST"])
def correction(request):
    kept = _kept(request)
    if request.method == "GET":
        initial = CorrectionForm.initial_from(kept.get("data") or {})
        return _form_page(request, CorrectionForm(initial=initial))
    if "_refresh" in request.POST:
        form = CorrectionForm(initial=CorrectionForm.initial_from(dict(request.POST.lists())))
        return _form_page(request, form)
    form = CorrectionForm(request.POST, request.FILES, held_photo=bool(kept.get("photo")))
    valid = form.is_valid()
    _keep(request, data=form.stored())
    if not _hold_posted_photo(request, form):
        form.add_error("photo", _too_many_photos())
        return _form_page(request, form, status=429)
    if not valid:
        return _form_page(request, form, status=400)
    phone = form.cleaned_data["phone"]
    try:
        otp_request(phone=phone, ip=client_ip(request), binding=_session_binding(request))
    except ValidationError as exc:
        if not (exc.code == "cooldown" and kept.get("phone") == phone):
            form.add_error(None, exc)
            return _form_page(request, form, status=403 if exc.code == "phone_locked" else 429)
        messages.info(request, _("Dùng mã xác thực đã gửi trước đó đến số này."))
    # The code is for these answers: the draft may change after it (autosave), the
    # request written after the code may not (another phone, other doses).
    _keep(request, phone=phone, sent=form.stored())
    return redirect("vaccination:correction-verify")


@require_POST
def correction_draft(request):
    """What was typed so far (JavaScript sends it as the citizen types)."""
    form = CorrectionForm(request.POST)
    _keep(request, data=form.stored())
    return JsonResponse({"saved": True})


class _PhotoForm(forms.Form):
    photo = PhotoField(label=gettext_lazy("Ảnh giấy xác nhận đã tiêm"))


@require_POST
def correction_photo(request):
    """The photo, sent as soon as it is chosen: checked, then held for the request."""
    if not _may_hold(request):
        error = _too_many_photos()
        # The shape of a form's errors, as for a refused photo.
        errors = {"photo": [{"message": error.message, "code": error.code}]}
        return JsonResponse({"errors": errors}, status=429)
    form = _PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    photo_release(_kept(request).get("photo"))
    _keep(request, photo=photo_hold(form.cleaned_data["photo"]))
    return JsonResponse({"held": True})


def _verify_page(request, form, code_form, status: int = 200):
    phone = _kept(request)["phone"]
    context = {
        "form": form,
        "code_form": code_form,
        "phone": phone_for_display(phone),
        "wait_seconds": seconds_until_resend(phone=phone),
    }
    return render(request, "vaccination/correction_verify.html", context, status=status)


def _sign_in(request, account) -> None:
    kept = _kept(request)
    login(request, account, backend=BACKEND)
    request.session.pop(SESSION_BINDING, None)
    request.session[SESSION_CORRECTION] = kept


@never_cache
@require_http_methods(["GET", "POST"])
def correction_verify(request):
    kept = _kept(request)
    if not kept.get("phone") or not kept.get("sent"):
        messages.info(request, _("Nhập thông tin phản ánh để nhận mã xác thực."))
        return redirect("vaccination:correction")
    form = CorrectionForm.from_stored(kept["sent"], held_photo=bool(kept.get("photo")))
    form.fields.pop("captcha")  # answered at step 1
    photo = photo_held(kept.get("photo"))
    if photo is None or not form.is_valid():
        if photo is None:
            form.add_error("photo", _("Chụp hoặc chọn ảnh giấy xác nhận đã tiêm."))
        return _form_page(request, form, status=400)
    code_form = CodeForm(request.POST or None)
    if request.method == "GET":
        return _verify_page(request, form, code_form)
    if not code_form.is_valid():
        return _verify_page(request, form, code_form, status=400)
    result = otp_verify(
        phone=kept["phone"], code=code_form.cleaned_data["code"], binding=_session_binding(request)
    )
    if result.user is None:
        code_form.add_error("code", result.error)
        return _verify_page(request, form, code_form, status=400)
    _sign_in(request, result.user)
    try:
        sent = correction_submit(
            data=form.correction_data(), photo=photo, account=result.user, ip=client_ip(request)
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return _form_page(request, form, status=400)
    photo_release(kept.get("photo"))
    request.session.pop(SESSION_CORRECTION, None)
    return redirect("vaccination:correction-status", code=sent.tracking_code)


@require_POST
def correction_resend(request):
    kept = _kept(request)
    if not kept.get("phone"):
        return redirect("vaccination:correction")
    try:
        otp_request(phone=kept["phone"], ip=client_ip(request), binding=_session_binding(request))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Đã gửi mã mới. Mã cũ không còn dùng được."))
    return redirect("vaccination:correction-verify")


class LookupForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Mã tra cứu"),
        max_length=20,
        help_text=gettext_lazy("Mã trong tin nhắn, ví dụ PA-7K3M-9Q2X."),
        error_messages={"required": gettext_lazy("Nhập mã tra cứu.")},
    )
    date_of_birth = forms.DateField(
        label=gettext_lazy("Ngày sinh"),
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
        error_messages={
            "required": gettext_lazy("Nhập ngày sinh dạng ngày/tháng/năm."),
            "invalid": gettext_lazy("Nhập ngày sinh dạng ngày/tháng/năm."),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def correction_lookup(request):
    form = LookupForm(request.POST or None)
    if request.method == "GET" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(request, "vaccination/correction_lookup.html", {"form": form}, status=status)
    key = f"vaccination:lookup:ip:{limit_key(client_ip(request))}"
    if not ratelimit.allow(key, limit=LOOKUPS_PER_HOUR, window=3600):
        form.add_error(None, _("Tra cứu quá nhiều lần. Hãy thử lại sau một giờ."))
        return render(request, "vaccination/correction_lookup.html", {"form": form}, status=429)
    found = correction_by_code(form.cleaned_data["code"], form.cleaned_data["date_of_birth"])
    if found is None:
        form.add_error(None, _("Không tìm thấy phản ánh với mã tra cứu và ngày sinh này."))
        return render(request, "vaccination/correction_lookup.html", {"form": form}, status=404)
    seen = set(request.session.get(SESSION_SEEN, []))
    request.session[SESSION_SEEN] = sorted(seen | {found.tracking_code})
    return redirect("vaccination:correction-status", code=found.tracking_code)


@never_cache
@require_http_methods(["GET"])
def correction_status(request, code: str):
    found = (
        CorrectionRequest.objects.filter(tracking_code=code)
        .select_related("unit", "duplicate_of", "certificate")
        .prefetch_related("doses__unit")
        .first()
    )
    allowed = found is not None and (
        (request.user.is_authenticated and found.account_id == request.user.pk)
        or code in request.session.get(SESSION_SEEN, [])
    )
    if not allowed:
        raise Http404
    context = {"correction": found, "now": timezone.now()}
    return render(request, "vaccination/correction_status.html", context)
