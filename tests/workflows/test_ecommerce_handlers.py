"""The checkout's handlers, called as the engine calls them, over both template shapes."""

from __future__ import annotations

import pytest
from tasker_workflows.demo.gateway import PaymentGateway
from tasker_workflows.ecommerce.payments import GATEWAY_TIMEOUT_ENV, GATEWAY_URL_ENV
from tasker_workflows.outbox import Outbox

from engine.handlers.registry import HandlerRegistry
from tests.workflows.local_runner import error_of, load_handlers, run_template

SHAPES = ["order_processing", "order_processing_diamond"]
HANDLERS = [
    "ecommerce_validate_cart",
    "ecommerce_process_payment",
    "ecommerce_update_inventory",
    "ecommerce_create_order",
    "ecommerce_send_confirmation",
]


def order(token="tok_test_success", **overrides):
    context = {
        "customer_email": "jane@example.com",
        "items": [{"sku": "WIDGET-001", "name": "Widget", "quantity": 2, "unit_price": 29.99}],
        "payment_token": token,
        "shipping_address": "1 Main St, Springfield",
    }
    return {**context, **overrides}


@pytest.fixture(autouse=True)
def offline(monkeypatch, outbox_file):
    monkeypatch.delenv(GATEWAY_URL_ENV, raising=False)
    monkeypatch.delenv(GATEWAY_TIMEOUT_ENV, raising=False)


@pytest.fixture
def gateway(monkeypatch):
    with PaymentGateway(seed=5) as running:
        monkeypatch.setenv(GATEWAY_URL_ENV, running.url)
        monkeypatch.setenv(GATEWAY_TIMEOUT_ENV, "0.2")
        yield running


def test_the_handler_names_are_registered():
    load_handlers()
    assert set(HANDLERS) <= set(HandlerRegistry.instance().list_handlers())


@pytest.mark.parametrize("shape", SHAPES)
async def test_happy_path_completes_all_five_steps(shape, outbox_file):
    run = await run_template("ecommerce", shape, order(), task_uuid="task-happy")
    assert run.status == "complete"
    assert all(step.attempts == 1 for step in run.steps.values())
    assert run.steps["validate_cart"].results["total"] == 74.77
    assert run.steps["process_payment"].results["amount_charged"] == 74.77
    assert run.steps["create_order"].results["status"] == "confirmed"
    (mail,) = Outbox(outbox_file).messages()
    assert mail.recipient == "jane@example.com"
    assert run.steps["send_confirmation"].results["message_id"] == mail.message_id


async def test_cart_items_alias_is_accepted():
    context = order()
    context["cart_items"] = context.pop("items")
    assert (await run_template("ecommerce", "order_processing", context)).status == "complete"


@pytest.mark.parametrize(
    ("context", "step", "code"),
    [
        (order(items=[]), "validate_cart", "EMPTY_CART"),
        (
            order(items=[{"sku": "A", "name": "a", "quantity": 1, "unit_price": 0}]),
            "validate_cart",
            "INVALID_PRICE",
        ),
        (order(customer_email=None), "validate_cart", "MISSING_EMAIL"),
        (order(token="tok_test_declined"), "process_payment", "PAYMENT_DECLINED"),
        (order(token="tok_test_insufficient_funds"), "process_payment", "INSUFFICIENT_FUNDS"),
        (
            order(items=[{"sku": "SKU-004", "name": "x", "quantity": 80, "unit_price": 1}]),
            "update_inventory",
            "OUT_OF_STOCK",
        ),
    ],
)
async def test_permanent_failures_stop_after_one_attempt(context, step, code):
    run = await run_template("ecommerce", "order_processing", context)
    assert run.status == "blocked_by_failures"
    failed = run.failed
    assert failed is not None
    assert (failed.name, failed.attempts) == (step, 1)
    assert (failed.error.error_type, failed.error.error_code, failed.error.retryable) == (
        "permanent_error",
        code,
        False,
    )
    assert run.steps["send_confirmation"].state == "pending"


@pytest.mark.parametrize(
    ("token", "code"),
    [("tok_test_gateway_error", "GATEWAY_ERROR"), ("tok_test_timeout", "GATEWAY_TIMEOUT")],
)
async def test_retryable_gateway_trouble_exhausts_two_attempts(token, code):
    run = await run_template("ecommerce", "order_processing", order(token=token))
    payment = run.steps["process_payment"]
    assert (payment.state, payment.attempts) == ("error", 2)
    assert {error_of(o).error_type for o in payment.outcomes} == {"retryable_error"}
    assert payment.error.error_code == code
    assert run.steps["update_inventory"].state == "pending"


async def test_a_wrong_context_type_is_a_validation_error():
    run = await run_template("ecommerce", "order_processing", order(items="three widgets"))
    failed = run.failed
    assert failed is not None
    assert failed.error.error_type == "validation_error"
    assert failed.attempts == 1


async def test_in_the_diamond_out_of_stock_does_not_stop_the_payment():
    context = order(items=[{"sku": "SKU-004", "name": "x", "quantity": 80, "unit_price": 1}])
    run = await run_template("ecommerce", "order_processing_diamond", context)
    assert run.steps["process_payment"].state == "complete"
    assert run.steps["update_inventory"].error.error_code == "OUT_OF_STOCK"
    assert run.steps["create_order"].state == "pending"


# --- through the HTTP gateway ------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
async def test_payment_goes_through_the_gateway_with_the_task_key(gateway, shape):
    run = await run_template("ecommerce", shape, order(token="tok_visa"), task_uuid="task-77")
    assert run.status == "complete"
    (charge,) = gateway.ledger()
    assert charge.idempotency_key == "task-77:process_payment"
    assert charge.amount_cents == 7477
    payment = run.steps["process_payment"].results
    assert (payment["payment_id"], payment["gateway"]) == (charge.id, "http")
    assert run.steps["create_order"].results["payment_id"] == charge.id


async def test_post_charge_timeout_is_retried_into_the_original_charge(gateway):
    gateway.set_faults("tok_visa", [{"kind": "stall_after_charge", "times": 1}])
    run = await run_template("ecommerce", "order_processing", order(token="tok_visa"))
    payment = run.steps["process_payment"]
    assert payment.attempts == 2
    assert error_of(payment.outcomes[0]).error_code == "GATEWAY_TIMEOUT"
    assert payment.results["gateway_response"] == "approved (replayed)"
    assert run.status == "complete"
    assert len(gateway.ledger()) == 1


async def test_rate_limit_carries_retry_after_to_the_engine(gateway):
    gateway.set_faults("tok_visa", [{"kind": "rate_limit", "retry_after_s": 2, "times": 1}])
    run = await run_template("ecommerce", "order_processing", order(token="tok_visa"))
    first = error_of(run.steps["process_payment"].outcomes[0])
    assert (first.error_code, first.retry_after_s, first.retryable) == ("RATE_LIMITED", 2.0, True)
    assert run.status == "complete"


async def test_a_gateway_decline_is_permanent_and_charges_nothing(gateway):
    gateway.set_faults("tok_visa", [{"kind": "decline"}])
    run = await run_template("ecommerce", "order_processing", order(token="tok_visa"))
    failed = run.failed
    assert failed is not None
    assert failed.error.error_code == "PAYMENT_DECLINED"
    assert failed.attempts == 1
    assert gateway.ledger() == []


async def test_a_retried_confirmation_sends_one_email(outbox_file):
    first = await run_template("ecommerce", "order_processing", order(), task_uuid="same-task")
    again = await run_template("ecommerce", "order_processing", order(), task_uuid="same-task")
    assert first.steps["send_confirmation"].results == again.steps["send_confirmation"].results
    assert len(Outbox(outbox_file).messages()) == 1
