"""A payment gateway you can break: a real HTTP server on 127.0.0.1 with a charge ledger.

Endpoints (JSON bodies):

- ``POST /charges`` ``{"amount_cents": 7477, "currency": "USD", "token": "tok_..."}`` with an
  ``Idempotency-Key`` header (required). 201 with the new charge; 200 with the original one
  when the key was seen before (``"replayed": true``); 402 ``card_declined`` /
  ``insufficient_funds``; 409 when the key was used for another amount; 429 with
  ``Retry-After``; 5xx; or no timely answer at all, as the fault plan says.
- ``GET /charges/{id}``: one charge, or 404.
- ``GET /ledger``: ``{"charges": [...], "count": n, "requests": m}``.
- ``POST /faults`` ``{"token": "tok_x" | null, "faults": [{"kind": "server_error", "times": 1}]}``
  replaces that token's plan (null: the run's default plan); ``{"clear": true}`` drops all.
  Fault kinds and fields: ``gateway_state.Fault``.

``PaymentGateway`` runs it on a thread for the length of a ``with`` block; with
``ledger_path`` its charges and requests are kept in that file across runs; with ``latency``
(``Latency(1, 3)``) every charge request waits that long before anything else happens to it.
"""

from __future__ import annotations

import json
import random
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from .gateway_ledger import LedgerFile
from .gateway_state import Charge, Fault, FaultKind, GatewayState, IdempotencyConflict

_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


class ChargeRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    amount_cents: StrictInt = Field(gt=0)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    token: str = Field(min_length=1)


class FaultsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str | None = None
    faults: list[Fault] = Field(default_factory=list)
    clear: bool = False


class Latency:
    """How long the gateway thinks before each charge answer: ``low_s`` to ``high_s``,
    seeded (``tasker demo --pace slow`` keeps running payments on screen for seconds)."""

    def __init__(self, low_s: float, high_s: float, seed: int = 0) -> None:
        if not 0 <= low_s <= high_s:
            raise ValueError(f"latency needs 0 <= low <= high, got {low_s} and {high_s}")
        self.low_s, self.high_s = low_s, high_s
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def next_s(self) -> float:
        with self._lock:
            return self._rng.uniform(self.low_s, self.high_s)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(
        self, address: tuple[str, int], state: GatewayState, latency: Latency | None = None
    ) -> None:
        super().__init__(address, _Handler)
        self.state = state
        self.latency = latency
        self.stopping = threading.Event()
        self.in_flight = 0
        self.idle = threading.Condition()
        self.errors: list[str] = []

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self.idle:
            self.in_flight += 1
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.idle:
                self.in_flight -= 1
                self.idle.notify_all()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up is the point of some faults; anything else is kept for tests.
        exc = sys.exc_info()[1]
        if not isinstance(exc, _DISCONNECTS):
            self.errors.append(f"{type(exc).__name__}: {exc}")

    def hold(self, seconds: float) -> bool:
        """Wait ``seconds`` (less if the gateway stops); False when stopping."""
        return not self.stopping.wait(seconds)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # one request per connection: nothing lingers at shutdown

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read the ledger
        return

    # -- routing --------------------------------------------------------------------------

    def do_GET(self) -> None:
        state = self.server.state
        if self.path == "/ledger":
            charges = [charge.to_json() for charge in state.ledger()]
            self._send(
                200, {"charges": charges, "count": len(charges), "requests": len(state.requests())}
            )
        elif self.path.startswith("/charges/"):
            charge = state.charge_by_id(self.path.removeprefix("/charges/"))
            if charge is None:
                self._error(404, "not_found", "no such charge")
            else:
                self._send(200, charge.to_json())
        else:
            self._error(404, "not_found", f"no route GET {self.path}")

    def do_POST(self) -> None:
        body = self._json_body()
        if body is None:
            return
        if self.path == "/charges":
            self._post_charge(body)
        elif self.path == "/faults":
            self._post_faults(body)
        else:
            self._error(404, "not_found", f"no route POST {self.path}")

    # -- endpoints ------------------------------------------------------------------------

    def _post_faults(self, body: Any) -> None:
        try:
            request = FaultsRequest.model_validate(body)
        except ValidationError as exc:
            self._error(400, "invalid_request", _first_problem(exc))
            return
        if request.clear:
            self.server.state.clear_faults()
        else:
            self.server.state.set_faults(request.token, request.faults)
        self._send(200, {"ok": True})

    def _post_charge(self, body: Any) -> None:
        key = (self.headers.get("Idempotency-Key") or "").strip()
        if not key:
            self._error(400, "idempotency_key_required", "send an Idempotency-Key header")
            return
        try:
            request = ChargeRequest.model_validate(body)
        except ValidationError as exc:
            self._error(400, "invalid_request", _first_problem(exc))
            return
        latency = self.server.latency
        if latency is not None and not self.server.hold(latency.next_s()):
            return
        state = self.server.state
        fault = state.next_fault(request.token, key)
        kind = fault.kind if fault else None
        state.record_request(token=request.token, idempotency_key=key, fault=kind)
        if fault is not None and not self._before_charge(fault):
            return
        try:
            charge, replayed = state.charge(
                idempotency_key=key,
                token=request.token,
                amount_cents=request.amount_cents,
                currency=request.currency,
            )
        except IdempotencyConflict as exc:
            self._error(409, "idempotency_key_reused", str(exc))
            return
        if (
            fault is not None
            and fault.kind is FaultKind.STALL_AFTER_CHARGE
            and not self.server.hold(fault.delay_s)
        ):
            return
        self._send(200 if replayed else 201, {**charge.to_json(), "replayed": replayed})

    def _before_charge(self, fault: Fault) -> bool:
        """Answer the fault if it ends the request here; True when charging should go on."""
        if fault.kind is FaultKind.DECLINE:
            self._error(402, "card_declined", "Your card was declined.")
        elif fault.kind is FaultKind.INSUFFICIENT_FUNDS:
            self._error(402, "insufficient_funds", "Your card has insufficient funds.")
        elif fault.kind is FaultKind.SERVER_ERROR:
            self._error(fault.status, "gateway_error", "The gateway failed; try again.")
        elif fault.kind is FaultKind.RATE_LIMIT:
            headers = {"Retry-After": _seconds_text(fault.retry_after_s)}
            self._error(429, "rate_limited", "Too many requests.", headers)
        elif fault.kind is FaultKind.TIMEOUT:
            if self.server.hold(fault.delay_s):
                self._error(504, "upstream_timeout", "The card network did not answer.")
        elif fault.kind is FaultKind.SLOW:
            return self.server.hold(fault.delay_s)
        else:
            return True
        return False

    # -- plumbing ---------------------------------------------------------------------------

    def _json_body(self) -> Any:
        try:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"null")
        except (ValueError, UnicodeDecodeError):
            self._error(400, "invalid_request", "the body must be JSON")
            return None

    def _error(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        self._send(status, {"error": {"code": code, "message": message}}, headers)

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except _DISCONNECTS:
            return  # the caller timed out and left; the ledger already says what happened


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = ".".join(str(part) for part in error["loc"]) or "body"
    return f"{field}: {error['msg']}"


def _seconds_text(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


class PaymentGateway:
    """The simulator on a background thread: ``with PaymentGateway(seed=1) as gateway: ...``."""

    def __init__(
        self,
        *,
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], datetime] | None = None,
        ledger_path: Path | str | None = None,
        latency: Latency | None = None,
    ) -> None:
        ledger = LedgerFile(ledger_path) if ledger_path is not None else None
        self.latency = latency
        self.state = GatewayState(seed=seed, clock=clock, ledger_file=ledger)
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._errors: list[str] = []

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the payment gateway is not running; use it in a with block")
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)  # an AF_INET socket's name: the host is text
        return f"http://{host}:{port}"

    def start(self) -> PaymentGateway:
        self._server = _Server(self._address, self.state, self.latency)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="payment-gateway",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, *, drain_seconds: float = 5.0) -> None:
        """Stop serving; held requests are abandoned without charging or answering."""
        server, self._server = self._server, None
        if server is None:
            return
        server.stopping.set()
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join()
        with server.idle:
            server.idle.wait_for(lambda: server.in_flight == 0, timeout=drain_seconds)
        self._errors = list(server.errors)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until no request is being served (held ones included); False on timeout."""
        server = self._server
        if server is None:
            return True
        with server.idle:
            return server.idle.wait_for(lambda: server.in_flight == 0, timeout=timeout)

    def __enter__(self) -> PaymentGateway:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- the same controls as the HTTP endpoints, in process ---------------------------------

    def ledger(self) -> list[Charge]:
        return self.state.ledger()

    def set_faults(
        self,
        token: str | None,
        faults: Iterable[Fault | dict[str, Any]],
        *,
        already_served: int = 0,
    ) -> None:
        """Replace ``token``'s fault plan (None: the run's default plan); ``already_served``
        requests met it in an earlier run."""
        plan = [Fault.model_validate(fault) for fault in faults]
        self.state.set_faults(token, plan, already_served)

    def clear_faults(self) -> None:
        self.state.clear_faults()

    def requests(self) -> list[dict[str, Any]]:
        return self.state.requests()

    def wait_for_charge(self, idempotency_key: str, timeout: float = 5.0) -> Charge | None:
        """The charge for this key once taken (a held request may take it late), or None."""
        return self.state.wait_for_charge(idempotency_key, timeout)

    def server_errors(self) -> list[str]:
        """Unexpected exceptions while serving (client disconnects are not errors)."""
        return list(self._server.errors) if self._server else list(self._errors)
