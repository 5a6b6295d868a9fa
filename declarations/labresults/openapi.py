"""The OpenAPI 3.1 description of the labs' token API, served at /api/labs/v1/openapi.json.

Written for a lab's developer, so in English, like the field names; the `message` of
every answer is in the language of the request's Accept-Language (Vietnamese unless
English is asked for). The record's fields are the CSV upload's columns (parsing.py).
"""

_DATETIME_NOTE = (
    'ISO 8601 ("2026-11-21T08:30:00+07:00"; without an offset, Vietnam time) or "21/11/2026 08:30".'
)

RECORD_SCHEMA = {
    "type": "object",
    "required": [
        "sample_id",
        "full_name",
        "date_of_birth",
        "sex",
        "phone",
        "ward_code",
        "test_type",
        "result",
        "sampled_at",
        "resulted_at",
    ],
    "properties": {
        "sample_id": {
            "type": "string",
            "maxLength": 64,
            "description": "The lab's own sample id: the key of the result. Sending the same "
            "result again changes nothing; a different result under the same id is refused "
            "(sample_conflict) and must be corrected by the lab's staff on the portal.",
            "examples": ["CR-20261121-0001"],
        },
        "full_name": {"type": "string", "maxLength": 120, "examples": ["Nguyễn Văn An"]},
        "date_of_birth": {
            "type": "string",
            "description": '"1988-03-14" or "14/03/1988".',
            "examples": ["1988-03-14"],
        },
        "sex": {"type": "string", "description": "M/F, male/female or nam/nữ.", "examples": ["M"]},
        "id_type": {
            "type": "string",
            "enum": ["cccd", "cmnd", "passport", "birth_cert", "health_ins", "student", "none"],
            "description": "Default: cccd when id_number is given, else none.",
        },
        "id_number": {"type": "string", "maxLength": 32, "examples": ["079088001234"]},
        "phone": {
            "type": "string",
            "description": "The mobile number given at the sample; the citizen signs in with "
            "it to see the result, and is texted that it is ready (never the result itself).",
            "examples": ["0912345678"],
        },
        "ward_code": {
            "type": "string",
            "description": "Code of the ward (or residential group) of the person's address, "
            "from the administrative area list.",
            "examples": ["26734"],
        },
        "street_address": {"type": "string", "maxLength": 200, "examples": ["12 Lê Lợi"]},
        "test_type": {
            "type": "string",
            "description": "pcr (also RT-PCR) or rapid (also antigen, test nhanh).",
            "examples": ["pcr"],
        },
        "result": {
            "type": "string",
            "description": "positive, negative or invalid (also dương tính, âm tính, "
            "không xác định). A positive result opens the F0 case in the person's ward.",
            "examples": ["negative"],
        },
        "sampled_at": {"type": "string", "description": _DATETIME_NOTE},
        "resulted_at": {
            "type": "string",
            "description": _DATETIME_NOTE + " Not before sampled_at, not in the future. "
            "Results entered later than the province's deadline (3 hours by default) are "
            "marked late.",
        },
    },
}

_ERROR = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string", "description": "Machine-readable; see each response."},
        "message": {"type": "string", "description": "For a person to read."},
    },
}

_FIELD_ERRORS = {
    "type": "object",
    "description": "Field name (or __all__) → its errors. Codes include: required, "
    "invalid_date, invalid_datetime, invalid_choice, invalid_phone, unknown_area, area, "
    "future, result_before_sample, sample_conflict, too_long, invalid_characters, "
    "not_an_object, max_length.",
    "additionalProperties": {"type": "array", "items": {"$ref": "#/components/schemas/Error"}},
}

_BATCH_ANSWER = {
    "type": "object",
    "required": ["created", "unchanged", "failed", "results"],
    "properties": {
        "code": {"type": "string", "description": "no_valid_results (422 only)."},
        "message": {"type": "string"},
        "created": {"type": "integer"},
        "unchanged": {"type": "integer", "description": "Sent before, identical: not changed."},
        "failed": {"type": "integer"},
        "results": {
            "type": "array",
            "description": "One item per record, in the order sent.",
            "items": {
                "type": "object",
                "required": ["index", "sample_id", "status", "errors"],
                "properties": {
                    "index": {"type": "integer", "description": "Position in the batch, from 0."},
                    "sample_id": {"type": "string"},
                    "status": {"type": "string", "enum": ["created", "unchanged", "error"]},
                    "errors": _FIELD_ERRORS,
                },
            },
        },
    },
}

_RESULT = {
    "type": "object",
    "properties": {
        "sample_id": {"type": "string"},
        "status": {"type": "string", "enum": ["current"]},
        "outcome": {"type": "string", "enum": ["positive", "negative", "invalid"]},
        "test_type": {"type": "string", "enum": ["pcr", "rapid"]},
        "sampled_at": {"type": "string", "format": "date-time"},
        "resulted_at": {"type": "string", "format": "date-time"},
        "entered_at": {"type": "string", "format": "date-time"},
        "is_late": {"type": "boolean"},
        "certificate_id": {
            "type": "string",
            "description": "EU DCC certificate id; empty for an invalid test.",
        },
    },
}


def _answer(description: str, schema: str = "Error") -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


_UNAUTHORIZED = _answer(
    "invalid_token: no key, an unknown key, a revoked key or a closed lab "
    "(with WWW-Authenticate: Bearer)."
)
_RATE_LIMITED = _answer("rate_limited: too many requests with this key; see Retry-After.")


def openapi_document(*, server_url: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "KhaiBao — liên thông kết quả xét nghiệm (lab results API)",
            "version": "1.0.0",
            "description": "For labs sending test results from their own systems. A lab's "
            "staff make a key on the portal (shown once; several may be active, to rotate "
            "them; a revoked key answers 401). A key reads and writes only its own lab's "
            "results. Every answer is JSON with a `code`; `message` follows Accept-Language "
            "(vi by default, en).",
        },
        "servers": [{"url": server_url}],
        "security": [{"labToken": []}],
        "paths": {
            "/results": {
                "post": {
                    "operationId": "sendResults",
                    "summary": "Send a batch of results",
                    "description": "Each record is handled on its own: a refused record never "
                    "holds back the others. The answer is 200 when the request is well formed "
                    "and at least one record was accepted; read each record's status in the "
                    "body. Retrying a batch is safe (the sample id is the key). The batch size "
                    "is limited by the province's rule (500 by default), the body to 2 MB.",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["results"],
                                    "properties": {
                                        "results": {
                                            "type": "array",
                                            "minItems": 1,
                                            "items": {"$ref": "#/components/schemas/Record"},
                                        }
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _answer("Per-record status in the body.", "BatchAnswer"),
                        "400": _answer("malformed_json, or invalid_body (no results list)."),
                        "401": _UNAUTHORIZED,
                        "405": _answer("method_not_allowed."),
                        "413": _answer(
                            "batch_too_large (with `max`, the batch size allowed) or "
                            "body_too_large (with `max_bytes`)."
                        ),
                        "415": _answer("unsupported_media_type: send application/json."),
                        "422": _answer(
                            "no_valid_results: every record was refused.", "BatchAnswer"
                        ),
                        "429": _RATE_LIMITED,
                    },
                }
            },
            "/results/{sample_id}": {
                "get": {
                    "operationId": "getResult",
                    "summary": "Read back the lab's current result of a sample id",
                    "parameters": [
                        {
                            "name": "sample_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": _answer("The result.", "Result"),
                        "401": _UNAUTHORIZED,
                        "404": _answer("not_found: this lab has no result with this sample id."),
                        "429": _RATE_LIMITED,
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This description",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1 JSON."}},
                }
            },
        },
        "components": {
            "securitySchemes": {
                "labToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Authorization: Bearer kbl_…",
                }
            },
            "schemas": {
                "Record": RECORD_SCHEMA,
                "Error": _ERROR,
                "BatchAnswer": _BATCH_ANSWER,
                "Result": _RESULT,
            },
        },
    }
