"""The labs' token API ("liên thông", seed 004): a lab's information system sends its
results in batches and reads back what it sent. No session and no cookies: the key in
`Authorization: Bearer …` says which lab is speaking, so CSRF does not apply.

Every answer is JSON with a machine-readable `code` (see openapi.py); a batch is
answered record by record, because one bad record must never hold back the others.
"""

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from khaibao.audit.services import AuditAction, log_action
from khaibao.lib import ratelimit
from khaibao.lib.clientip import client_ip
from khaibao.lib.normalize import clean_text

from .models import LabResult, LabToken, ResultSource, ResultStatus
from .openapi import openapi_document
from .parsing import (
    MAX_FIELD_CHARS,
    areas_by_code,
    parse_record,
    service_errors,
    unstorable_fields,
)
from .rules import lab_rules
from .services import result_record
from .tokens import token_authenticate

# A full batch of 500 records is about 250 KB; this leaves room for long addresses.
MAX_BODY_BYTES = 2 * 1024 * 1024
# Requests per key per minute: a lab's system sends a batch every few seconds at most.
# No field of a record is longer than this (the street address, 200); anything longer
# is refused before it reaches a query.
_SHOWN_SAMPLE_ID_CHARS = 64


# -- answers --------------------------------------------------------------------------------


def _json(payload: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})


def _error(code: str, message: str, status: int, **extra) -> JsonResponse:
    return _json({"code": code, "message": message, **extra}, status=status)


def _unauthorized(token_sent: bool) -> JsonResponse:
    response = _error(
        "invalid_token",
        _("Khoá liên thông không hợp lệ, đã bị thu hồi hoặc chưa được gửi kèm."),
        401,
    )
    # RFC 6750: no error attribute when the request carried no credentials at all.
    challenge = 'Bearer realm="khaibao-labs"'
    if token_sent:
        challenge += ', error="invalid_token"'
    response["WWW-Authenticate"] = challenge
    return response


def _method_not_allowed(allowed: str) -> JsonResponse:
    response = _error(
        "method_not_allowed",
        _("Địa chỉ này chỉ nhận yêu cầu %(allowed)s.") % {"allowed": allowed},
        405,
    )
    response["Allow"] = allowed
    return response


# -- checks -----------------------------------------------------------------------------------


def _bearer(request) -> str:
    scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def _authenticate(request) -> tuple[LabToken | None, JsonResponse | None]:
    secret = _bearer(request)
    token = token_authenticate(secret)
    if token is None:
        return None, _unauthorized(bool(request.headers.get("Authorization")))
    limit = settings.LAB_API_MAX_PER_TOKEN_PER_MINUTE
    # Keyed by the digest, which is random per key, not by the id a test database reuses.
    if not ratelimit.allow(f"labs-api:token:{token.digest[:24]}", limit=limit, window=60):
        response = _error(
            "rate_limited",
            _("Khoá này đã gửi quá nhiều yêu cầu trong một phút. Vui lòng thử lại sau."),
            429,
        )
        response["Retry-After"] = "60"
        return None, response
    return token, None


def _body_cap() -> int:
    cap = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return MAX_BODY_BYTES if cap is None else min(MAX_BODY_BYTES, cap)


def _too_large(cap: int) -> JsonResponse:
    return _error(
        "body_too_large",
        _("Nội dung yêu cầu quá lớn (tối đa %(kb)s KB). Hãy chia thành nhiều lần gửi.")
        % {"kb": cap // 1024},
        413,
        max_bytes=cap,
    )


def _json_body(request) -> tuple[object, JsonResponse | None]:
    """The parsed JSON body, or the error answer. The size is checked before reading, so
    that a huge body is never held in memory."""
    if request.content_type != "application/json":
        return None, _error(
            "unsupported_media_type",
            _("Nội dung phải là JSON (Content-Type: application/json)."),
            415,
        )
    cap = _body_cap()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > cap:
        return None, _too_large(cap)
    body = request.read(cap + 1)
    if len(body) > cap:
        return None, _too_large(cap)
    try:
        return json.loads(body), None
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None, _error("malformed_json", _("Nội dung yêu cầu không phải JSON hợp lệ."), 400)


def _records(payload) -> tuple[list | None, JsonResponse | None]:
    records = payload.get("results") if isinstance(payload, dict) else None
    if not isinstance(records, list) or not records:
        return None, _error(
            "invalid_body",
            _('Nội dung phải là {"results": [ … ]} với ít nhất một kết quả.'),
            400,
        )
    return records, None


# -- one batch --------------------------------------------------------------------------------


def _sample_id_of(record, unstorable: dict) -> str:
    """The sample id to echo in the answer ("" when there is none to show)."""
    if not isinstance(record, dict) or "sample_id" in unstorable:
        return ""
    return clean_text(str(record.get("sample_id") or ""))[:_SHOWN_SAMPLE_ID_CHARS]


def _outcome(index: int, sample_id: str, status: str, errors=None) -> dict:
    return {
        "index": index,
        "sample_id": sample_id,
        "status": status,
        "errors": {
            name: [{"code": code, "message": message} for code, message in items]
            for name, items in (errors or {}).items()
        },
    }


def _record_batch(records: list, *, token: LabToken, ip: str | None) -> list[dict]:
    """Each record through the same parsing and service as the CSV upload, one at a time:
    result_record() commits each result on its own, so a refused record leaves the
    others saved."""
    unstorable = [unstorable_fields(record) for record in records]
    areas = areas_by_code(
        record.get("ward_code")
        for record, errors in zip(records, unstorable, strict=True)
        if isinstance(record, dict) and not errors
    )
    outcomes = []
    for index, record in enumerate(records):
        sample_id = _sample_id_of(record, unstorable[index])
        if unstorable[index]:
            outcomes.append(_outcome(index, sample_id, "error", unstorable[index]))
            continue
        parsed = parse_record(record, areas=areas)
        if not parsed.ok:
            outcomes.append(_outcome(index, sample_id, "error", parsed.errors))
            continue
        try:
            recorded = result_record(
                lab=token.lab, data=parsed.data, source=ResultSource.API, token=token, ip=ip
            )
        except ValidationError as error:
            outcomes.append(_outcome(index, sample_id, "error", service_errors(error)))
            continue
        status = "created" if recorded.created else "unchanged"
        outcomes.append(_outcome(index, recorded.result.sample_id, status))
    return outcomes


def _counts(outcomes: list[dict]) -> dict[str, int]:
    statuses = [item["status"] for item in outcomes]
    return {
        "created": statuses.count("created"),
        "unchanged": statuses.count("unchanged"),
        "failed": statuses.count("error"),
    }


def _log_batch(outcomes: list[dict], *, token: LabToken, ip: str | None) -> None:
    """The audit trail of results no staff member entered: which key sent which."""
    created = [item["sample_id"] for item in outcomes if item["status"] == "created"]
    if not created:
        return
    log_action(
        actor=None,
        action=AuditAction.CREATE,
        object_type=LabResult._meta.label_lower,
        area=token.lab.area,
        ip=ip,
        detail={
            "source": ResultSource.API,
            "lab": token.lab.code,
            "token": token.prefix,
            **_counts(outcomes),
            "sample_ids": created,
        },
    )


# -- views ------------------------------------------------------------------------------------


@csrf_exempt
@never_cache
def results(request):
    """POST {"results": [record, …]}: each record created, unchanged (sent before) or
    refused with its errors. 200 when at least one record was accepted, 422 when none."""
    if request.method != "POST":
        return _method_not_allowed("POST")
    token, failure = _authenticate(request)
    if failure is not None:
        return failure
    payload, failure = _json_body(request)
    if failure is not None:
        return failure
    records, failure = _records(payload)
    if failure is not None:
        return failure
    batch_max = lab_rules(token.lab.area)["api_batch_max"]
    if len(records) > batch_max:
        return _error(
            "batch_too_large",
            _("Mỗi lần gửi tối đa %(max)s kết quả; lần này có %(count)s.")
            % {"max": batch_max, "count": len(records)},
            413,
            max=batch_max,
        )
    ip = client_ip(request)
    outcomes = _record_batch(records, token=token, ip=ip)
    _log_batch(outcomes, token=token, ip=ip)
    counts = _counts(outcomes)
    if counts["failed"] == len(outcomes):
        return _json(
            {
                "code": "no_valid_results",
                "message": _("Không kết quả nào được nhận. Xem lỗi của từng kết quả."),
                **counts,
                "results": outcomes,
            },
            status=422,
        )
    return _json({**counts, "results": outcomes})


def _result_for_token(token: LabToken, sample_id: str) -> LabResult | None:
    """The key's lab's current result of `sample_id`; None for another lab's sample."""
    sample_id = clean_text(sample_id)
    if "\x00" in sample_id or len(sample_id) > MAX_FIELD_CHARS:
        return None
    return LabResult.objects.filter(
        lab=token.lab, sample_id=sample_id, status=ResultStatus.CURRENT
    ).first()


def _moment(value) -> str:
    return timezone.localtime(value).isoformat()


@csrf_exempt
@never_cache
def result_detail(request, sample_id: str):
    """GET: the lab's own current result of one of its sample ids."""
    if request.method != "GET":
        return _method_not_allowed("GET")
    token, failure = _authenticate(request)
    if failure is not None:
        return failure
    result = _result_for_token(token, sample_id)
    if result is None:
        return _error(
            "not_found", _("Đơn vị chưa gửi kết quả nào với mã mẫu này."), 404, sample_id=sample_id
        )
    return _json(
        {
            "sample_id": result.sample_id,
            "status": result.status,
            "outcome": result.outcome,
            "test_type": result.test_type,
            "sampled_at": _moment(result.sampled_at),
            "resulted_at": _moment(result.resulted_at),
            "entered_at": _moment(result.entered_at),
            "is_late": result.is_late,
            "certificate_id": result.certificate_id,
        }
    )


def openapi(request):
    """The API's OpenAPI 3.1 description; public, so that a lab's developer can read it
    before having a key."""
    if request.method not in ("GET", "HEAD"):
        return _method_not_allowed("GET")
    base = request.build_absolute_uri(reverse("declarations:labresults-api-results"))
    response = _json(openapi_document(server_url=base.removesuffix("/results")))
    response["Access-Control-Allow-Origin"] = "*"
    return response
