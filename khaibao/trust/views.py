import json

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khaibao.access.views import citizen_required
from khaibao.lib import ratelimit
from khaibao.lib.clientip import client_ip, limit_key
from khaibao.people.selectors import person_for_citizen

from .display import verification_display
from .forms import VerifyForm
from .image_requests import qr_image_enqueue, qr_image_request
from .images import qr_image_cached
from .keys import csca_pem, public_keys_document, signing_certificates_document
from .revocation import revocation_list
from .services import qr_for_person, qr_verify

API_MAX_BODY_BYTES = 16 * 1024
KEYS_MAX_AGE_SECONDS = 3600
# A revocation should reach offline verifiers within minutes; the ETag keeps the
# revalidations cheap.
REVOCATIONS_MAX_AGE_SECONDS = 300
IMAGE_MAX_AGE_SECONDS = 24 * 3600
# A grey square with three dots. Its intrinsic size (16 px) is how the page's script
# tells it from the real QR image (hundreds of pixels) and keeps reloading.
PLACEHOLDER_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">'
    '<rect width="16" height="16" fill="#e9ecef"/>'
    '<circle cx="5" cy="8" r="1" fill="#6c757d"/><circle cx="8" cy="8" r="1" fill="#6c757d"/>'
    '<circle cx="11" cy="8" r="1" fill="#6c757d"/></svg>'
)


def _public(response, max_age: int = KEYS_MAX_AGE_SECONDS):
    response["Cache-Control"] = f"public, max-age={max_age}"
    # Public data that verifier apps on other origins fetch.
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def keys(request):
    """The KB1 public verification keys (JWK), for checkpoints that verify offline."""
    return _public(JsonResponse(public_keys_document()))


@require_GET
def signing_certificates(request):
    """The HC1 signing certificates, in the EU DCC verifier service's JSON format."""
    return _public(JsonResponse(signing_certificates_document()))


@require_GET
def revocations(request):
    """The UCI hashes of the revoked HC1 certificates (revocation.revocation_list_document),
    for verifiers that check offline; 304 when the If-None-Match ETag is still current."""
    published = revocation_list()
    response = get_conditional_response(request, etag=published.etag)
    if response is None:
        response = HttpResponse(published.body, content_type="application/json")
    response["ETag"] = published.etag
    return _public(response, max_age=REVOCATIONS_MAX_AGE_SECONDS)


@require_GET
def csca(request):
    """The CSCA certificate that issued the signing certificates (PEM)."""
    pem = csca_pem()
    if not pem:
        raise Http404
    return _public(HttpResponse(pem, content_type="application/x-pem-file"))


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    """Public page: paste a QR text (or let a scanner type it), or upload a photo."""
    if request.method == "GET":
        return render(request, "trust/verify.html", {"form": VerifyForm()})
    if not _verification_allowed(request):
        messages.error(request, TOO_MANY_MESSAGE)
        return render(request, "trust/verify.html", {"form": VerifyForm()}, status=429)
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "trust/verify.html", {"form": form}, status=400)
    verification = qr_verify(form.cleaned_data["text"])
    context = {"form": VerifyForm(), "result": verification_display(verification)}
    return render(request, "trust/verify.html", context)


TOO_MANY_MESSAGE = gettext_lazy(
    "Quá nhiều lượt kiểm tra từ mạng của bạn. Vui lòng thử lại sau một phút."
)


def _verification_allowed(request) -> bool:
    key = f"verify:ip:{limit_key(client_ip(request))}"
    return ratelimit.allow(key, limit=settings.VERIFY_MAX_PER_IP_PER_MINUTE, window=60)


def _api_error(code: str, message: str, status: int = 400) -> JsonResponse:
    response = JsonResponse({"error": code, "message": message}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_POST
def api_verify(request):
    """POST {"qr": "..."} → {"status", "kind", "claims"}. For scanner apps; no session."""
    if not _verification_allowed(request):
        return _api_error("rate_limited", str(TOO_MANY_MESSAGE), status=429)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > API_MAX_BODY_BYTES:
        return _api_error("too_large", _("Yêu cầu quá lớn (tối đa 16 KB)."))
    body = request.read(API_MAX_BODY_BYTES + 1)
    if len(body) > API_MAX_BODY_BYTES:
        return _api_error("too_large", _("Yêu cầu quá lớn (tối đa 16 KB)."))
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _api_error("bad_json", _("Nội dung yêu cầu không phải JSON hợp lệ."))
    if not isinstance(data, dict) or not isinstance(data.get("qr"), str):
        return _api_error("missing_qr", _('Thiếu trường "qr" (chuỗi nội dung mã QR).'))
    response = JsonResponse(qr_verify(data["qr"]).as_json())
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def qr_image(request, digest: str):
    """The PNG of a QR text, or 202 + a placeholder while the worker renders it."""
    png = qr_image_cached(digest)
    if png is not None:
        response = HttpResponse(png, content_type="image/png")
        # Content-addressed, but the picture is of someone's personal code: private.
        response["Cache-Control"] = f"private, max-age={IMAGE_MAX_AGE_SECONDS}"
        return response
    if not qr_image_enqueue(digest):
        raise Http404
    response = HttpResponse(PLACEHOLDER_SVG, content_type="image/svg+xml", status=202)
    response["Retry-After"] = "1"
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@citizen_required
@require_GET
def person_qr(request, public_id):
    """My QR of a person the account manages (seed 003: one QR per person, not to be
    shared); the image is rendered by a task, the page shows the text meanwhile."""
    person = person_for_citizen(request.user, public_id)
    text = qr_for_person(person)
    return render(
        request,
        "trust/my_qr.html",
        {"person": person, "qr_text": text, "qr_image_url": qr_image_request(text)},
    )
