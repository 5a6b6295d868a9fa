"""HttpGatewayBackend against a local stub gateway (tests/notify/sms_stub.py)."""

import socket

import pytest

from khaibao.notify.backends import HttpGatewayBackend, PermanentSmsError, TransientSmsError
from khaibao.notify.models import SmsMessage, SmsStatus
from khaibao.notify.sending import sms_send
from khaibao.notify.tasks import send_sms
from tests.notify.sms_stub import Step

PHONE = "+84912345678"


def _row() -> SmsMessage:
    return SmsMessage.objects.create(to=PHONE, body="Ma xac thuc KhaiBao: 123456.", purpose="otp")


def test_a_503_is_retried_and_the_text_delivered_once(db, gateway):
    gateway.script(503, 200)
    message = _row()

    assert send_sms.delay(message.pk).get() == SmsStatus.SENT

    message.refresh_from_db()
    assert (message.status, message.attempts, message.backend) == (SmsStatus.SENT, 2, "http")
    assert [request.status for request in gateway.requests] == [503, 200]
    for request in gateway.requests:
        assert request.method == "POST"
        assert request.path == "/api/messages"
        assert request.json == {
            "to": PHONE,
            "text": "Ma xac thuc KhaiBao: 123456.",
            "sender": "1022",
            "reference": message.reference,
        }
        assert request.headers["authorization"] == f"Bearer {gateway.token}"
        assert request.headers["idempotency-key"] == message.reference
        assert request.headers["content-type"] == "application/json"
    [delivery] = gateway.deliveries_to(PHONE)
    assert message.provider_id == delivery.id
    assert delivery.sender == "1022"


def test_the_sender_name_comes_from_settings(db, settings, gateway):
    settings.SMS_SENDER_NAME = "SYT-HCM"
    message = _row()

    assert sms_send(message_id=message.pk, claim="task-1") == SmsStatus.SENT

    assert gateway.deliveries_to(PHONE)[0].sender == "SYT-HCM"


def test_a_400_fails_after_one_attempt_without_retry(db, gateway):
    gateway.script(400)
    message = _row()

    assert send_sms.delay(message.pk).get() == SmsStatus.FAILED

    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.FAILED, 1)
    assert message.last_error == "HTTP 400 from the SMS gateway"
    assert len(gateway.requests) == 1
    assert gateway.deliveries == {}


def test_a_wrong_token_is_a_permanent_error(db, settings, gateway):
    settings.SMS_GATEWAY_TOKEN = "wrong"
    message = _row()

    assert send_sms.delay(message.pk).get() == SmsStatus.FAILED

    message.refresh_from_db()
    assert message.last_error == "HTTP 401 from the SMS gateway"
    assert gateway.deliveries == {}


def test_a_gateway_slower_than_the_timeout_is_a_transient_error(db, settings, gateway):
    settings.SMS_GATEWAY_TIMEOUT = 1
    gateway.script(Step(200, delay=3))
    message = _row()

    with pytest.raises(TransientSmsError):
        sms_send(message_id=message.pk, claim="task-1")

    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.QUEUED, 1)
    assert "timed out" in message.last_error
    # The gateway did take it; the retry carries the same reference and is not a new text.
    assert sms_send(message_id=message.pk, claim="task-1") == SmsStatus.SENT
    assert len(gateway.requests_for(message.reference)) == 2
    assert len(gateway.deliveries_to(PHONE)) == 1


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504])
def test_statuses_worth_retrying_are_transient(db, gateway, status):
    gateway.script(status)

    with pytest.raises(TransientSmsError, match=f"HTTP {status}"):
        HttpGatewayBackend().send(_row())


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 422])
def test_other_client_errors_are_permanent(db, gateway, status):
    gateway.script(status)

    with pytest.raises(PermanentSmsError, match=f"HTTP {status}"):
        HttpGatewayBackend().send(_row())


def test_a_redirect_is_not_followed(db, gateway):
    # urllib would follow a 302 with a GET without the text and might then get a 200.
    gateway.script(Step(302, headers={"Location": "/elsewhere"}))

    with pytest.raises(PermanentSmsError, match="HTTP 302"):
        HttpGatewayBackend().send(_row())

    assert [request.method for request in gateway.requests] == ["POST"]


@pytest.mark.parametrize(
    "raw", [pytest.param(b"", id="hung up"), pytest.param(b"SMS OK\r\n\r\n", id="not HTTP")]
)
def test_a_connection_closed_without_an_http_answer_is_transient(db, gateway, raw):
    gateway.script(Step(200, raw=raw))

    with pytest.raises(TransientSmsError, match="unreachable"):
        HttpGatewayBackend().send(_row())


def test_a_gateway_nobody_listens_on_is_transient(db, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{port}/api/messages"

    with pytest.raises(TransientSmsError, match="unreachable"):
        HttpGatewayBackend().send(_row())


def test_a_2xx_without_a_json_id_still_counts_as_sent(db, gateway, monkeypatch):
    message = _row()
    monkeypatch.setattr(gateway, "_receive", lambda *args: (Step(202), ["not", "a", "dict"]))

    assert HttpGatewayBackend().send(message) == ""


def test_the_stub_delivers_a_repeated_reference_once(db, gateway):
    message = _row()

    first = HttpGatewayBackend().send(message)
    second = HttpGatewayBackend().send(message)

    assert first == second
    assert len(gateway.requests) == 2
    assert len(gateway.deliveries_to(PHONE)) == 1
