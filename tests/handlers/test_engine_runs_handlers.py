"""Tasker-style handlers run by the real engine on a SQLite file, with a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from engine.api import Engine, open_engine
from engine.clock import FakeClock
from engine.handlers.api import use_http
from engine.handlers.registry import HandlerRegistry
from tasker_core.step_handler.api import ApiHandler

DATA = Path(__file__).parent / "data"
CART = {
    "customer_email": "ada@example.com",
    "payment_token": "tok_visa_4242",
    "cart_items": [{"sku": "BOOK-1", "price": 25.0, "quantity": 2}],
}


class FetchRates(ApiHandler):
    handler_name = "test_e2e_fetch_rates"

    async def call(self, context):
        return await self.get("/rates")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def engine(
    tmp_path: Path, clock: FakeClock, tasker_app: HandlerRegistry
) -> AsyncIterator[Engine]:
    """An engine resolving from the example app's registry (see ``conftest.tasker_app``)."""
    tasker_app.register(FetchRates.handler_name, FetchRates)
    db = tmp_path / "t.db"
    async with open_engine(db, templates=[DATA], clock=clock, registry=tasker_app) as eng:
        yield eng


def step(task: dict, name: str) -> dict:
    return next(s for s in task["steps"] if s["name"] == name)


async def test_the_seed_handlers_run_the_checkout_template(engine: Engine) -> None:
    made = await engine.create_task("handler_checkout", "testing", CART)
    await engine.run_until_idle()
    task = await engine.get_task(made.task["task_uuid"])
    assert task["status"] == "complete"
    assert step(task, "validate_cart")["results"]["total"] == 63.99
    assert step(task, "process_payment")["results"]["amount_charged"] == 63.99
    order = step(task, "create_order")["results"]
    assert (order["total"], order["units"]) == (63.99, 2)  # validate_cart is its grandparent
    assert step(task, "send_confirmation")["results"]["sent_to"] == "ada@example.com"


async def test_a_bad_context_fails_validation_after_one_attempt(engine: Engine) -> None:
    made = await engine.create_task(
        "handler_checkout", "testing", {**CART, "cart_items": "two books"}
    )
    await engine.run_until_idle()
    task = await engine.get_task(made.task["task_uuid"])
    first = step(task, "validate_cart")
    assert task["status"] == "blocked_by_failures"
    assert (first["current_state"], first["attempts"]) == ("error", 1)
    assert first["error"]["error_type"] == "validation_error"
    assert "cart_items" in first["error"]["message"]


async def test_next_retry_at_follows_retry_after(engine: Engine) -> None:
    answers = iter(
        [
            httpx.Response(503, headers={"Retry-After": "20"}, json={"error": "rates stale"}),
            httpx.Response(200, json={"EUR": 1.1}),
        ]
    )
    with use_http(transport=httpx.MockTransport(lambda request: next(answers))):
        made = await engine.create_task("handler_api", "testing", {})
        await engine.run_until_idle()
    uuid = made.task["task_uuid"]
    task = await engine.get_task(uuid)
    assert task["status"] == "complete"
    assert step(task, "fetch_rates")["results"] == {"EUR": 1.1}
    audit = await engine.step_audit(uuid, "fetch_rates")
    wait = next(row for row in audit if row["to_state"] == "waiting_for_retry")
    assert wait["metadata"]["next_retry_at"] - wait["at"] == 20_000
    assert wait["metadata"]["error_code"] == "service_unavailable"
