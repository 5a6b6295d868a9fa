"""A local SMS gateway for tests: the other side of HttpGatewayBackend.

It answers POSTs like a real gateway with idempotency: each request is recorded, and a
text is *delivered* (counted in `deliveries`) the first time its reference
(Idempotency-Key header, else the JSON "reference") arrives with an answer of 2xx; a
repeat gets the same answer and id without a second delivery. The delivery happens on
receipt, before any scripted delay, as with a gateway that took the text and then lost
the connection: the case that makes a sender repeat itself.

    with SmsGatewayStub() as stub:
        stub.script(503, Step(200, delay=5))   # then 200 for every later request
        ...
        stub.requests, stub.deliveries_to("+84912345678")
"""

import dataclasses
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "stub-gateway-token"


@dataclasses.dataclass(frozen=True)
class Step:
    """One scripted answer: status, optional delay before answering, extra headers;
    `raw` bytes are written instead of an HTTP answer (b"" hangs up without one)."""

    status: int = 200
    delay: float = 0.0
    headers: dict = dataclasses.field(default_factory=dict)
    raw: bytes | None = None


@dataclasses.dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict  # lower-cased names
    json: dict | None
    reference: str
    status: int
    received_at: float


@dataclasses.dataclass(frozen=True)
class Delivery:
    id: str
    reference: str
    to: str
    text: str
    sender: str


class SmsGatewayStub:
    def __init__(self, *, token: str = TOKEN):
        self.token = token
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._steps: list[Step] = []
        self.requests: list[RecordedRequest] = []
        self.deliveries: dict[str, Delivery] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/messages"

    def start(self) -> "SmsGatewayStub":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a scripted delay
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "SmsGatewayStub":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def script(self, *steps: "int | Step") -> None:
        """Answer the next requests with these steps, in order; 200 after them."""
        with self._lock:
            self._steps = [step if isinstance(step, Step) else Step(step) for step in steps]

    def reset(self) -> None:
        with self._lock:
            self._steps = []
            self.requests = []
            self.deliveries = {}

    def requests_for(self, reference: str) -> list[RecordedRequest]:
        with self._lock:
            return [request for request in self.requests if request.reference == reference]

    def deliveries_to(self, phone: str) -> list[Delivery]:
        with self._lock:
            return [delivery for delivery in self.deliveries.values() if delivery.to == phone]

    def _receive(self, method: str, path: str, headers: dict, body: bytes):
        """Decide the answer to one request; return (step, JSON answer)."""
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = None
        reference = headers.get("idempotency-key") or (data or {}).get("reference", "")
        with self._lock:
            if headers.get("authorization") != f"Bearer {self.token}":
                step = Step(401)
            elif method != "POST" or not isinstance(data, dict) or not reference:
                step = Step(400)
            else:
                step = self._steps.pop(0) if self._steps else Step()
            self.requests.append(
                RecordedRequest(method, path, headers, data, reference, step.status, time.time())
            )
            if not 200 <= step.status < 300:
                return step, {"error": f"scripted {step.status}"}
            delivery = self.deliveries.get(reference)
            if delivery is None:
                delivery = Delivery(
                    id=f"stub-{len(self.deliveries) + 1}",
                    reference=reference,
                    to=data.get("to", ""),
                    text=data.get("text", ""),
                    sender=data.get("sender", ""),
                )
                self.deliveries[reference] = delivery
            return step, {"id": delivery.id}


def _handler_for(stub: SmsGatewayStub):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self._answer()

        def do_GET(self):
            self._answer()

        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            step, answer = stub._receive(self.command, self.path, headers, body)
            if step.delay and stub._stopping.wait(step.delay):
                return
            payload = json.dumps(answer).encode()
            try:
                if step.raw is not None:
                    self.wfile.write(step.raw)
                    self.close_connection = True
                    return
                self.send_response(step.status)
                self.send_header("Content-Type", "application/json")
                for name, value in step.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the client hung up (timed out, or its process was killed)
                self.close_connection = True

        def log_message(self, format, *args):  # keep test output quiet
            pass

    return Handler
