"""SMS backends, chosen by settings.SMS_BACKEND like Django's EMAIL_BACKEND.

A backend's `send(message)` returns the provider's message id, or raises
TransientSmsError (worth retrying: timeouts, 5xx, 429) or PermanentSmsError (not:
a refused number, bad credentials).
"""

import http.client
import json
import logging
import sys
import urllib.error
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# Answers that say "try again later"; every other 4xx is the request's own fault.
TRANSIENT_HTTP_STATUSES = frozenset({408, 425, 429})


class SmsError(Exception):
    pass


class TransientSmsError(SmsError):
    pass


class PermanentSmsError(SmsError):
    pass


class BaseSmsBackend:
    name = "base"

    def send(self, message) -> str:
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    """Writes each text to standard output: for a developer's terminal."""

    name = "console"

    def send(self, message) -> str:
        sys.stdout.write(f"--- SMS to {message.to} ({message.purpose}) ---\n{message.body}\n---\n")
        sys.stdout.flush()
        return message.reference


class LocmemBackend(BaseSmsBackend):
    """Keeps sent texts in `LocmemBackend.outbox` (tests; empty it between tests)."""

    name = "locmem"
    outbox: list = []

    def send(self, message) -> str:
        LocmemBackend.outbox.append(
            {
                "to": message.to,
                "body": message.body,
                "purpose": message.purpose,
                "reference": message.reference,
            }
        )
        return message.reference


class DatabaseBackend(BaseSmsBackend):
    """The dev inbox: the SmsMessage row itself is the delivered text, shown at
    /dev/sms/ so a person trying the portal can read their OTP. Development only."""

    name = "database"

    def send(self, message) -> str:
        return message.reference


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """urllib turns a POST answered by 301/302/303 into a GET without the body; a page
    answering that GET with 200 would then count as a delivered text. A redirect means
    a wrong SMS_GATEWAY_URL: fail loudly instead."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_RefuseRedirects)


class HttpGatewayBackend(BaseSmsBackend):
    """POSTs JSON to an SMS gateway: {"to", "text", "sender", "reference"}.

    The gateway is expected to answer 2xx with {"id": "..."} and to treat a repeated
    `reference` (also sent as the Idempotency-Key header) as the same message, which is
    what makes a send retried after a crash arrive once.
    """

    name = "http"

    def send(self, message) -> str:
        payload = json.dumps(
            {
                "to": message.to,
                "text": message.body,
                "sender": settings.SMS_SENDER_NAME,
                "reference": message.reference,
            }
        ).encode()
        request = urllib.request.Request(
            settings.SMS_GATEWAY_URL,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
                "Idempotency-Key": message.reference,
            },
        )
        try:
            with _opener.open(request, timeout=settings.SMS_GATEWAY_TIMEOUT) as response:
                body = response.read(65536)
        except urllib.error.HTTPError as exc:
            exc.close()
            detail = f"HTTP {exc.code} from the SMS gateway"
            if exc.code in TRANSIENT_HTTP_STATUSES or exc.code >= 500:
                raise TransientSmsError(detail) from None
            raise PermanentSmsError(detail) from None
        except (OSError, http.client.HTTPException) as exc:
            # Timeouts and refused connections (OSError, URLError), and an answer cut off
            # halfway (HTTPException): the gateway may or may not have the text; the repeat
            # carries the same reference, so it is not delivered twice.
            raise TransientSmsError(f"SMS gateway unreachable: {exc!r}") from None
        try:
            return str(json.loads(body or b"{}").get("id", ""))[:100]
        except (ValueError, AttributeError):
            logger.warning("SMS gateway answered 2xx without a JSON id for %s", message.reference)
            return ""


def get_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
