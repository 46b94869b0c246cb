"""API handlers over httpx.MockTransport: Tasker's status classification, timeouts, Retry-After."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import httpx
import pytest

from engine import lifecycle, retry
from engine.clock import FakeClock
from engine.handlers.api import use_http
from engine.handlers.http_rules import parse_retry_after
from engine.outcomes import Outcome
from tasker_core.step_handler.api import ApiHandler
from tasker_core.step_handler.functional import api_handler
from tests.handlers.support import make_context, run_handler

Responder = Callable[[httpx.Request], httpx.Response]
seen: list[httpx.Request] = []


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()  # 2026-01-01T00:00:00Z


@pytest.fixture
def serve(clock: FakeClock) -> Iterator[Callable[[Responder], None]]:
    """Route every API handler to a responder function for the test's duration."""
    with ExitStack() as stack:

        def install(responder: Responder) -> None:
            def record(request: httpx.Request) -> httpx.Response:
                seen.append(request)
                return responder(request)

            stack.enter_context(use_http(transport=httpx.MockTransport(record), clock=clock))

        seen.clear()
        yield install


@api_handler("test_fetch_order", base_url="https://shop.test/api", default_headers={"X-Key": "k1"})
async def fetch_order(api, context):
    return await api.get(f"/orders/{context.get_input('order_id')}")


@api_handler("test_fetch_order_sync", base_url="https://shop.test/api", timeout=5.0)
def fetch_order_sync(api, context):
    response = api.get("/orders/1", params={"expand": "items"})
    if response.is_success:
        return api.api_success(response)
    return api.api_failure(response)


async def fetch(order_id: int = 1) -> Outcome:
    return await run_handler(fetch_order, make_context(input_data={"order_id": order_id}))


@pytest.mark.parametrize(
    ("status", "retryable", "code"),
    [
        (408, True, "request_timeout"),
        (429, True, "rate_limited"),
        (500, True, "internal_server_error"),
        (502, True, "bad_gateway"),
        (503, True, "service_unavailable"),
        (504, True, "gateway_timeout"),
        (400, False, "bad_request"),
        (401, False, "unauthorized"),
        (403, False, "forbidden"),
        (404, False, "not_found"),
        (409, False, "conflict"),
        (422, False, "unprocessable_entity"),
        (418, False, "client_error"),
        (501, False, "server_error"),
    ],
)
async def test_each_failure_status_is_classified_as_tasker_does(
    serve, status: int, retryable: bool, code: str
) -> None:
    serve(lambda request: httpx.Response(status, json={"error": "order service says no"}))
    outcome = await fetch()
    assert outcome.error is not None
    assert outcome.error.retryable is retryable
    assert outcome.error.error_type == ("retryable_error" if retryable else "permanent_error")
    assert outcome.error.error_code == code
    assert outcome.error.message == f"HTTP {status}: order service says no"
    assert outcome.error.metadata["status_code"] == status
    assert outcome.error.metadata["headers"]["content-type"] == "application/json"


async def test_success_returns_the_body_and_keeps_status_and_headers(serve) -> None:
    serve(lambda request: httpx.Response(200, json={"id": 7, "state": "paid"}))
    outcome = await fetch(7)
    assert outcome.results == {"id": 7, "state": "paid"}
    assert outcome.metadata["status_code"] == 200
    assert str(seen[0].url) == "https://shop.test/api/orders/7"
    assert seen[0].headers["X-Key"] == "k1"


async def test_a_sync_api_handler_uses_the_same_calls(serve) -> None:
    serve(lambda request: httpx.Response(200, json=[1, 2, 3]))
    outcome = await run_handler(fetch_order_sync)
    assert outcome.results == {"data": [1, 2, 3]}
    assert seen[0].url.params["expand"] == "items"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"message": "card expired"}, "HTTP 402: card expired"),
        ({"detail": "no such order"}, "HTTP 402: no such order"),
        ({"error": {"message": "quota used up", "code": 9}}, "HTTP 402: quota used up"),
        ("upstream exploded\nstack...", "HTTP 402: Payment Required (upstream exploded)"),
        ("", "HTTP 402: Payment Required"),
    ],
)
async def test_the_message_carries_the_body_error_text(serve, body, message: str) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        if isinstance(body, dict):
            return httpx.Response(402, json=body)
        return httpx.Response(402, text=body)

    serve(respond)
    outcome = await fetch()
    assert outcome.error is not None and outcome.error.message == message


async def test_retry_after_in_seconds_becomes_retry_after(serve) -> None:
    serve(lambda request: httpx.Response(429, headers={"Retry-After": "120"}))
    outcome = await fetch()
    assert outcome.error is not None
    assert outcome.error.retry_after_s == 120.0
    assert outcome.error.metadata["retry_after_seconds"] == 120.0


async def test_retry_after_as_an_http_date_counts_from_the_clock(serve) -> None:
    headers = {"Retry-After": "Thu, 01 Jan 2026 00:01:30 GMT"}  # the fake clock reads 00:00:00
    serve(lambda request: httpx.Response(503, headers=headers))
    outcome = await fetch()
    assert outcome.error is not None and outcome.error.retry_after_s == 90.0


async def test_next_retry_at_honours_retry_after(serve, clock: FakeClock) -> None:
    serve(lambda request: httpx.Response(503, headers={"Retry-After": "20"}))
    outcome = await fetch()
    policy = retry.RetryPolicy(max_attempts=3, base_ms=100)
    decision = lifecycle.decide(1, outcome, policy, clock.now_ms())
    assert decision.to_state == "waiting_for_retry"
    assert decision.next_retry_at_ms == clock.now_ms() + 20_000


@pytest.mark.parametrize(
    ("raised", "code"),
    [
        (httpx.ConnectTimeout, "timeout"),
        (httpx.ReadTimeout, "timeout"),
        (httpx.ConnectError, "connection_error"),
    ],
)
@pytest.mark.parametrize("handler", [fetch_order, fetch_order_sync])
async def test_timeouts_and_connection_failures_are_retryable(serve, raised, code, handler) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        raise raised("the network gave up", request=request)

    serve(respond)
    outcome = await run_handler(handler, make_context(input_data={"order_id": 3}))
    assert outcome.error is not None
    assert (outcome.error.error_type, outcome.error.retryable) == ("retryable_error", True)
    assert outcome.error.error_code == code
    assert "https://shop.test/api/orders/" in outcome.error.message
    assert outcome.error.metadata["exception_type"] == raised.__name__


class CreateRefund(ApiHandler):
    handler_name = "test_create_refund"
    base_url = "https://payments.invalid"

    async def call(self, context):
        response = await self.post("/refunds", data={"amount": context.get_input("amount")})
        response.raise_for_status()
        return self.api_success(response, result={"refund_id": response.json()["id"]})


async def test_class_api_handler_posts_json_to_its_configured_base_url(serve) -> None:
    serve(lambda request: httpx.Response(201, json={"id": "re_1"}))
    outcome = await run_handler(
        CreateRefund,
        make_context(input_data={"amount": 12.5}),
        initialization={"base_url": "https://payments.test/v2"},
    )
    assert outcome.results == {"refund_id": "re_1"}
    assert str(seen[0].url) == "https://payments.test/v2/refunds"
    assert json.loads(seen[0].content) == {"amount": 12.5}


async def test_raise_for_status_in_an_api_handler_is_classified_by_status(serve) -> None:
    serve(lambda request: httpx.Response(409, json={"error": "already refunded"}))
    outcome = await run_handler(CreateRefund, make_context(input_data={"amount": 1}))
    assert outcome.error is not None
    assert (outcome.error.error_code, outcome.error.retryable) == ("conflict", False)
    assert outcome.error.message == "HTTP 409: already refunded"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("0", 0.0),
        ("2.5", 2.5),
        ("Wed, 31 Dec 2025 23:59:00 GMT", 0.0),  # already past
        ("Thu, 01 Jan 2026 01:00:00 GMT", 3600.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None, clock: FakeClock) -> None:
    assert parse_retry_after(header, clock.now_ms()) == seconds
