"""The labs' token API, spoken to over real HTTP as a lab's system would."""

import datetime
import json
import urllib.error
import urllib.request

import pytest
from django.urls import reverse
from django.utils import timezone

from declarations.labresults.models import LabResult, ResultSource
from declarations.labresults.models import TestOutcome as Outcome
from declarations.labresults.parsing import RECORD_FIELDS
from declarations.labresults.tokens import token_create, token_revoke
from khaibao.audit.models import AuditEvent
from khaibao.notify.models import SmsMessage

from .factories import record

pytestmark = pytest.mark.django_db(transaction=True)

RESULTS_URL = reverse("declarations:labresults-api-results")


def result_url(sample_id: str) -> str:
    return reverse("declarations:labresults-api-result", args=[sample_id])


def api_record(sample_id: str, **changes) -> dict:
    """A negative RT-PCR result of Nguyễn Văn An, as a lab's system writes it."""
    now = timezone.now()
    values = {
        "sample_id": sample_id,
        "full_name": "Nguyễn Văn An",
        "date_of_birth": "1988-03-14",
        "sex": "M",
        "id_type": "cccd",
        "id_number": "079088001234",
        "phone": "0912345678",
        "ward_code": "26734-001",
        "street_address": "12 Lê Lợi",
        "test_type": "pcr",
        "result": "negative",
        "sampled_at": (now - datetime.timedelta(hours=2)).isoformat(),
        "resulted_at": (now - datetime.timedelta(hours=1)).isoformat(),
    }
    values.update(changes)
    return values


def call(server, path, *, body=None, token=None, method=None, content_type="application/json"):
    """(status, JSON answer, headers) of one request to the live server."""
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read()), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers


@pytest.fixture(autouse=True)
def _areas(village1):
    """Ward 1 ("26734") and its residential group ("26734-001"), which records name."""


@pytest.fixture
def key_a(lab_a, lab_a_staff):
    """Lab A's key (the row, the secret)."""
    return token_create(lab=lab_a, name="LIS Chợ Rẫy", by=lab_a_staff)


@pytest.fixture
def secret_a(key_a):
    return key_a[1]


# -- sending results ---------------------------------------------------------------------


def test_a_batch_of_100_results_is_created_and_sending_it_again_changes_nothing(
    live_server, lab_a, key_a, secret_a, village1
):
    batch = {"results": [api_record(f"CR-{n:04d}") for n in range(100)]}

    status, answer, _headers = call(live_server, RESULTS_URL, body=batch, token=secret_a)

    assert status == 200
    assert (answer["created"], answer["unchanged"], answer["failed"]) == (100, 0, 0)
    assert [item["sample_id"] for item in answer["results"]] == [f"CR-{n:04d}" for n in range(100)]
    assert {item["status"] for item in answer["results"]} == {"created"}
    saved = LabResult.objects.filter(lab=lab_a)
    assert saved.count() == 100
    assert set(saved.values_list("source", "token", "area")) == {
        (ResultSource.API, key_a[0].pk, village1.pk)
    }
    assert all(saved.values_list("certificate_id", flat=True))
    texts = SmsMessage.objects.filter(purpose="labresult_ready").count()
    assert texts == 100
    event = AuditEvent.objects.get(object_type="declarations.labresult", actor=None)
    assert event.detail["token"] == key_a[0].prefix
    assert len(event.detail["sample_ids"]) == 100

    status, again, _headers = call(live_server, RESULTS_URL, body=batch, token=secret_a)

    assert status == 200
    assert (again["created"], again["unchanged"], again["failed"]) == (0, 100, 0)
    assert {item["status"] for item in again["results"]} == {"unchanged"}
    assert LabResult.objects.filter(lab=lab_a).count() == 100
    # The citizen is not texted a second time for the same result.
    assert SmsMessage.objects.filter(purpose="labresult_ready").count() == texts


def test_a_bad_record_gets_its_codes_while_the_good_ones_in_the_batch_are_saved(
    live_server, lab_a, secret_a, ward1
):
    now = timezone.now()
    batch = {
        "results": [
            api_record("CR-GOOD-1", ward_code="26734"),
            api_record("CR-BAD-WARD", ward_code="99999"),
            api_record(
                "CR-BAD-TIME",
                sampled_at=(now - datetime.timedelta(hours=1)).isoformat(),
                resulted_at=(now - datetime.timedelta(hours=3)).isoformat(),
            ),
            "not a record",
            api_record("CR-GOOD-2"),
        ]
    }

    status, answer, _headers = call(live_server, RESULTS_URL, body=batch, token=secret_a)

    assert status == 200
    assert (answer["created"], answer["unchanged"], answer["failed"]) == (2, 0, 3)
    by_index = {item["index"]: item for item in answer["results"]}
    assert [by_index[i]["status"] for i in range(5)] == [
        "created",
        "error",
        "error",
        "error",
        "created",
    ]
    assert [e["code"] for e in by_index[1]["errors"]["ward_code"]] == ["unknown_area"]
    assert "danh mục địa bàn" in by_index[1]["errors"]["ward_code"][0]["message"]
    assert [e["code"] for e in by_index[2]["errors"]["resulted_at"]] == ["result_before_sample"]
    assert by_index[2]["sample_id"] == "CR-BAD-TIME"
    assert [e["code"] for e in by_index[3]["errors"]["__all__"]] == ["not_an_object"]
    assert set(LabResult.objects.filter(lab=lab_a).values_list("sample_id", flat=True)) == {
        "CR-GOOD-1",
        "CR-GOOD-2",
    }


def test_a_different_result_under_a_sent_sample_id_is_a_conflict_and_the_first_stays(
    live_server, lab_a, secret_a
):
    call(live_server, RESULTS_URL, body={"results": [api_record("CR-1")]}, token=secret_a)

    changed = {"results": [api_record("CR-1", result="positive")]}
    status, answer, _headers = call(live_server, RESULTS_URL, body=changed, token=secret_a)

    assert status == 422
    assert answer["code"] == "no_valid_results"
    assert [e["code"] for e in answer["results"][0]["errors"]["sample_id"]] == ["sample_conflict"]
    result = LabResult.objects.get(lab=lab_a, sample_id="CR-1")
    assert result.outcome == Outcome.NEGATIVE


def test_a_batch_where_every_record_fails_is_422_and_saves_nothing(live_server, lab_a, secret_a):
    batch = {"results": [api_record("CR-1", ward_code="99999"), api_record("CR-2", sex="X")]}

    status, answer, _headers = call(live_server, RESULTS_URL, body=batch, token=secret_a)

    assert status == 422
    assert (answer["created"], answer["failed"]) == (0, 2)
    assert [e["code"] for e in answer["results"][1]["errors"]["sex"]] == ["invalid_choice"]
    assert not LabResult.objects.filter(lab=lab_a).exists()
    assert not AuditEvent.objects.filter(object_type="declarations.labresult").exists()


def test_text_the_database_cannot_hold_is_a_record_error_not_a_server_error(
    live_server, lab_a, secret_a
):
    batch = {
        "results": [
            api_record("CR-NUL", full_name="Nguyễn\x00Văn An"),
            api_record("CR-LONG", street_address="x" * 5000),
            api_record("CR-SURROGATE", ward_code="\ud800"),
            api_record("CR-OK"),
        ]
    }

    status, answer, _headers = call(live_server, RESULTS_URL, body=batch, token=secret_a)

    assert status == 200
    codes = [answer["results"][i]["errors"] for i in range(3)]
    assert [e["code"] for e in codes[0]["full_name"]] == ["invalid_characters"]
    assert [e["code"] for e in codes[1]["street_address"]] == ["too_long"]
    assert [e["code"] for e in codes[2]["ward_code"]] == ["invalid_characters"]
    assert list(LabResult.objects.filter(lab=lab_a).values_list("sample_id", flat=True)) == [
        "CR-OK"
    ]
    status, answer, _headers = call(live_server, result_url("CR\x00OK"), token=secret_a)
    assert (status, answer["code"]) == (404, "not_found")


# -- keys and labs -------------------------------------------------------------------------


def test_no_key_a_bad_key_and_a_revoked_key_get_401_and_save_nothing(
    live_server, lab_a, lab_a_staff, key_a, secret_a
):
    batch = {"results": [api_record("CR-1")]}
    status, answer, headers = call(live_server, RESULTS_URL, body=batch)
    assert status == 401
    assert answer["code"] == "invalid_token"
    assert headers["WWW-Authenticate"].startswith("Bearer")

    status, answer, headers = call(live_server, RESULTS_URL, body=batch, token="kbl_" + "x" * 43)
    assert status == 401
    assert answer["code"] == "invalid_token"
    assert 'error="invalid_token"' in headers["WWW-Authenticate"]

    token_revoke(token=key_a[0], by=lab_a_staff)
    status, answer, _headers = call(live_server, RESULTS_URL, body=batch, token=secret_a)
    assert status == 401
    assert answer["code"] == "invalid_token"
    status, answer, _headers = call(live_server, result_url("CR-1"), token=secret_a)
    assert status == 401

    assert not LabResult.objects.exists()


def test_lab_a_cannot_read_lab_b_result_and_its_own_sample_of_that_id_leaves_b_alone(
    live_server, lab_a, lab_b, secret_a, village1
):
    theirs = record(lab_b, area=village1, sample_id="S-SHARED").result

    status, answer, _headers = call(live_server, result_url("S-SHARED"), token=secret_a)
    assert status == 404
    assert answer["code"] == "not_found"
    assert "negative" not in json.dumps(answer)

    mine = {"results": [api_record("S-SHARED", result="invalid")]}
    status, answer, _headers = call(live_server, RESULTS_URL, body=mine, token=secret_a)
    assert status == 200
    assert answer["results"][0]["status"] == "created"

    status, answer, _headers = call(live_server, result_url("S-SHARED"), token=secret_a)
    assert status == 200
    assert (answer["outcome"], answer["certificate_id"]) == ("invalid", "")
    theirs.refresh_from_db()
    assert (theirs.lab, theirs.outcome, theirs.token) == (lab_b, Outcome.NEGATIVE, None)
    assert LabResult.objects.filter(sample_id="S-SHARED").count() == 2


def test_a_lab_reads_back_its_own_result(live_server, lab_a, secret_a):
    call(live_server, RESULTS_URL, body={"results": [api_record("HCM/2026/7")]}, token=secret_a)
    saved = LabResult.objects.get(lab=lab_a, sample_id="HCM/2026/7")

    status, answer, _headers = call(live_server, result_url("HCM/2026/7"), token=secret_a)

    assert status == 200
    assert answer["sample_id"] == "HCM/2026/7"
    assert (answer["status"], answer["outcome"], answer["test_type"]) == (
        "current",
        "negative",
        "pcr",
    )
    assert answer["certificate_id"] == saved.certificate_id
    assert answer["is_late"] is False
    assert datetime.datetime.fromisoformat(answer["resulted_at"]) == saved.resulted_at


# -- malformed requests --------------------------------------------------------------------


def test_malformed_json_gets_400_with_its_code(live_server, lab_a, secret_a):
    status, answer, _headers = call(live_server, RESULTS_URL, body=b'{"results": [', token=secret_a)

    assert status == 400
    assert answer["code"] == "malformed_json"
    assert answer["message"] == "Nội dung yêu cầu không phải JSON hợp lệ."


@pytest.mark.parametrize("body", [{"result": []}, {"results": {}}, {"results": []}, [1, 2]])
def test_a_body_without_a_results_list_gets_400(live_server, lab_a, secret_a, body):
    status, answer, _headers = call(live_server, RESULTS_URL, body=body, token=secret_a)

    assert status == 400
    assert answer["code"] == "invalid_body"


def test_a_form_post_gets_415(live_server, lab_a, secret_a):
    status, answer, _headers = call(
        live_server,
        RESULTS_URL,
        body=b"results=1",
        token=secret_a,
        content_type="application/x-www-form-urlencoded",
    )

    assert status == 415
    assert answer["code"] == "unsupported_media_type"


def test_get_on_the_batch_address_gets_405_in_json(live_server, lab_a, secret_a):
    status, answer, headers = call(live_server, RESULTS_URL, token=secret_a)

    assert status == 405
    assert answer["code"] == "method_not_allowed"
    assert headers["Allow"] == "POST"


def test_a_batch_over_the_rule_gets_413_with_the_maximum_and_saves_nothing(
    live_server, lab_a, secret_a, set_rule
):
    set_rule("labresults", api_batch_max=10)
    batch = {"results": [api_record(f"CR-{n}") for n in range(11)]}

    status, answer, _headers = call(live_server, RESULTS_URL, body=batch, token=secret_a)

    assert status == 413
    assert (answer["code"], answer["max"]) == ("batch_too_large", 10)
    assert not LabResult.objects.exists()


def test_a_body_over_the_byte_cap_gets_413_before_it_is_read(
    live_server, lab_a, secret_a, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    batch = {"results": [api_record(f"CR-{n}") for n in range(20)]}

    status, answer, _headers = call(live_server, RESULTS_URL, body=batch, token=secret_a)

    assert status == 413
    assert (answer["code"], answer["max_bytes"]) == ("body_too_large", 4096)
    assert not LabResult.objects.exists()


def test_a_key_over_its_rate_gets_429_with_retry_after(live_server, lab_a, secret_a, settings):
    settings.LAB_API_MAX_PER_TOKEN_PER_MINUTE = 1
    batch = {"results": [api_record("CR-1")]}
    assert call(live_server, RESULTS_URL, body=batch, token=secret_a)[0] == 200

    status, answer, headers = call(live_server, RESULTS_URL, body=batch, token=secret_a)

    assert status == 429
    assert answer["code"] == "rate_limited"
    assert headers["Retry-After"] == "60"


# -- the description -----------------------------------------------------------------------


def test_the_openapi_description_is_public_and_describes_the_record_the_api_reads(live_server):
    status, document, _headers = call(live_server, reverse("declarations:labresults-api-openapi"))

    assert status == 200
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {"/results", "/results/{sample_id}", "/openapi.json"}
    assert document["servers"][0]["url"] == live_server.url + "/api/labs/v1"
    record_schema = document["components"]["schemas"]["Record"]
    assert set(record_schema["properties"]) == set(RECORD_FIELDS)
