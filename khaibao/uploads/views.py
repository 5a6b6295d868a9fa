import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from khaibao.audit.services import AuditAction, log_action
from khaibao.lib import ratelimit
from khaibao.lib.clientip import client_ip
from khaibao.people.selectors import person_for_citizen

from .forms import PhotoUploadForm
from .handlers import install_limited_upload_handler
from .models import Photo
from .selectors import photos_visible_to
from .services import photo_open, photo_store

logger = logging.getLogger(__name__)


def _get_photo_for_viewer(request, public_id) -> Photo:
    """A photo of a person the account manages, or inside a staff scope; else 404."""
    return get_object_or_404(photos_visible_to(request.user), public_id=public_id)


@require_GET
def photo_file(request, public_id):
    """The stored JPEG, to its owner or to scoped staff; every staff read is audited.

    Anyone else, and an id nobody has, gets the same 404.
    """
    return photo_response(request, _get_photo_for_viewer(request, public_id))


def photo_response(request, photo: Photo, *, area=None) -> FileResponse:
    """Serve a photo the caller has already authorised, with the private headers.

    Domain apps call this after their own scope check (a station reviewing a
    declaration in its ward sees its photos even if the person lives elsewhere);
    `area` is the area the read is audited under (default: where the person lives).
    """
    try:
        stored = photo_open(photo)
    except FileNotFoundError:
        logger.error("Photo %s has no stored file %s", photo.public_id, photo.storage_name)
        raise Http404 from None
    if request.user.is_staff:
        log_action(
            actor=request.user,
            action=AuditAction.VIEW,
            obj=photo,
            person=photo.person,
            area=area or photo.person.area,
            ip=client_ip(request),
            detail={"kind": photo.kind},
        )
    response = FileResponse(
        stored, content_type="image/jpeg", as_attachment=False, filename=photo.download_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _json_error(message: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message, "code": code}, status=status)


def _validation_error_response(exc: ValidationError) -> JsonResponse:
    error = exc.error_list[0]
    code = error.code or "invalid"
    return _json_error(error.messages[0], code, 413 if code == "too_big" else 400)


@csrf_exempt
@require_POST
def photo_upload(request):
    """POST a photo as soon as it is chosen: 201 with its id, or 400/404/413 in JSON.

    The size-limiting upload handler must be installed before anything reads the body,
    CSRF included; csrf_protect then runs as usual in _photo_upload(). An anonymous
    request is answered before its body is parsed at all.
    """
    if not request.user.is_authenticated:
        return _json_error(_("Phiên đăng nhập đã hết. Hãy đăng nhập lại."), "login_required", 403)
    if not ratelimit.allow(
        f"uploads:account:{request.user.pk}",
        limit=settings.UPLOAD_MAX_PER_ACCOUNT_PER_HOUR,
        window=3600,
    ):
        return _json_error(
            _("Bạn đã tải lên quá nhiều ảnh trong một giờ. Vui lòng thử lại sau."),
            "rate_limited",
            429,
        )
    install_limited_upload_handler(request)
    return _photo_upload(request)


def _get_person_for_upload(request):
    """A person the account manages, or None (someone else's, unknown or malformed id)."""
    try:
        return person_for_citizen(request.user, request.POST.get("person"))
    except (Http404, ValidationError):
        return None


@csrf_protect
def _photo_upload(request):
    person = _get_person_for_upload(request)
    if person is None:
        return _json_error(_("Không tìm thấy người này."), "not_found", 404)
    form = PhotoUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        first_field = next(iter(form.errors.as_data().values()))
        return _validation_error_response(ValidationError(first_field))
    prepared, kind = form.cleaned_data["file"], form.cleaned_data["kind"]
    try:
        photo = photo_store(upload=prepared, kind=kind, person=person, uploaded_by=request.user)
    except ValidationError as exc:
        return _validation_error_response(exc)
    return JsonResponse(
        {
            "id": str(photo.public_id),
            "url": photo.get_absolute_url(),
            "width": photo.width,
            "height": photo.height,
            "cccd": photo.document_qr,
        },
        status=201,
    )
