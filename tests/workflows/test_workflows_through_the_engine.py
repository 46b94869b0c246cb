"""The shipped workflows end to end: Engine facade, real SQLite file, fake clock, real gateway.

These are the scenarios of the checkout story (happy path, declined card, gateway timeout
then success, retries exhausted then fixed with reset-step, post-charge timeouts that must
not double-charge) and each companion workflow's happy path and operator paths.
"""

from __future__ import annotations

from collections import Counter

import pytest
from tasker_workflows.data_pipeline.extract import pipeline_id_failing
from tasker_workflows.demo.gateway import PaymentGateway
from tasker_workflows.demo.mix import build_order_mix
from tasker_workflows.ecommerce.payments import GATEWAY_TIMEOUT_ENV, GATEWAY_URL_ENV
from tasker_workflows.outbox import Outbox

from engine.api import open_engine
from engine.clock import FakeClock

# Long enough that a busy CPU never turns an answer into a timeout (0.2 s did, with the
# retries of many orders in flight); held answers outlast it, so faults still time out.
GATEWAY_TIMEOUT_S = 1.0


@pytest.fixture
async def engine(tmp_path, outbox_file):
    async with open_engine(tmp_path / "tasker.db", clock=FakeClock()) as running:
        yield running


@pytest.fixture
def gateway(monkeypatch):
    with PaymentGateway(seed=1) as running:
        monkeypatch.setenv(GATEWAY_URL_ENV, running.url)
        monkeypatch.setenv(GATEWAY_TIMEOUT_ENV, str(GATEWAY_TIMEOUT_S))
        yield running


def order(token, n=1):
    return {
        "customer_email": f"buyer{n}@example.com",
        "items": [{"sku": "WIDGET-001", "name": "Widget", "quantity": 2, "unit_price": 29.99}],
        "payment_token": token,
    }


def step(task, name):
    return next(s for s in task["steps"] if s["name"] == name)


async def run(engine, namespace, name, context):
    made = await engine.create_task(name, namespace, context)
    await engine.run_until_idle()
    return await engine.get_task(made.task["task_uuid"])


# --- the checkout story ------------------------------------------------------------------------


async def test_happy_path_completes_with_one_charge_and_one_email(engine, gateway, outbox_file):
    task = await run(engine, "ecommerce", "order_processing", order("tok_visa"))
    assert (task["status"], task["completed_steps"], task["total_steps"]) == ("complete", 5, 5)
    (charge,) = gateway.ledger()
    assert charge.idempotency_key == f"{task['task_uuid']}:process_payment"
    assert charge.amount_cents == 7477
    assert len(Outbox(outbox_file).messages()) == 1


async def test_declined_card_fails_at_once_and_blocks(engine, gateway):
    gateway.set_faults("tok_declined", [{"kind": "decline"}])
    task = await run(engine, "ecommerce", "order_processing", order("tok_declined"))
    payment = step(task, "process_payment")
    assert task["status"] == "blocked_by_failures"
    assert (payment["current_state"], payment["attempts"]) == ("error", 1)
    assert payment["error"]["error_type"] == "permanent_error"
    assert payment["error"]["error_code"] == "PAYMENT_DECLINED"
    assert step(task, "update_inventory")["current_state"] == "pending"
    assert gateway.ledger() == []


async def test_gateway_timeout_then_success(engine, gateway):
    gateway.set_faults("tok_slow", [{"kind": "timeout", "times": 1}])
    task = await run(engine, "ecommerce", "order_processing", order("tok_slow"))
    assert task["status"] == "complete"
    assert step(task, "process_payment")["attempts"] == 2
    assert len(gateway.ledger()) == 1


async def test_retries_exhausted_then_fixed_by_an_operator_reset(engine, gateway):
    gateway.set_faults("tok_down", [{"kind": "server_error"}])
    task = await run(engine, "ecommerce", "order_processing", order("tok_down"))
    payment = step(task, "process_payment")
    assert task["status"] == "blocked_by_failures"
    assert (payment["attempts"], payment["error"]["error_code"]) == (2, "GATEWAY_ERROR")
    gateway.clear_faults()  # the gateway recovers
    await engine.reset_step(
        task["task_uuid"], "process_payment", reason="gateway is back", by="ops"
    )
    await engine.run_until_idle()
    task = await engine.get_task(task["task_uuid"])
    assert task["status"] == "complete"
    assert len(gateway.ledger()) == 1


async def test_reset_after_a_charged_timeout_replays_the_charge(engine, gateway):
    gateway.set_faults("tok_lost", [{"kind": "stall_after_charge"}])
    task = await run(engine, "ecommerce", "order_processing", order("tok_lost"))
    assert task["status"] == "blocked_by_failures"
    (charge,) = gateway.ledger()  # the money moved although both attempts timed out
    gateway.clear_faults()
    await engine.reset_step(task["task_uuid"], "process_payment", reason="retry", by="ops")
    await engine.run_until_idle()
    task = await engine.get_task(task["task_uuid"])
    assert task["status"] == "complete"
    assert step(task, "process_payment")["results"]["payment_id"] == charge.id
    assert len(gateway.ledger()) == 1


async def _post_charge_timeouts(engine, gateway, orders):
    tasks = []
    for n in range(orders):
        gateway.set_faults(f"tok_{n}", [{"kind": "stall_after_charge", "times": 1}])
        made = await engine.create_task("order_processing", "ecommerce", order(f"tok_{n}", n))
        tasks.append(made.task["task_uuid"])
    await engine.run_until_idle(concurrency=16)
    finished = [await engine.get_task(uuid) for uuid in tasks]
    assert {t["status"] for t in finished} == {"complete"}
    assert {step(t, "process_payment")["attempts"] for t in finished} == {2}
    keys = Counter(charge.idempotency_key for charge in gateway.ledger())
    assert keys == Counter(f"{uuid}:process_payment" for uuid in tasks)  # one charge each


async def test_post_charge_timeouts_never_double_charge(engine, gateway):
    await _post_charge_timeouts(engine, gateway, orders=30)


@pytest.mark.slow
async def test_hundreds_of_post_charge_timeouts_never_double_charge(engine, gateway):
    await _post_charge_timeouts(engine, gateway, orders=200)


async def test_the_demo_mix_ends_as_each_scenario_says(engine, gateway):
    mix = build_order_mix(60, seed=1, gateway_timeout_s=GATEWAY_TIMEOUT_S)
    uuids = []
    for scenario in mix:
        gateway.set_faults(scenario.token, scenario.faults)
        made = await engine.create_task(scenario.name, scenario.namespace, scenario.context)
        uuids.append(made.task["task_uuid"])
    await engine.run_until_idle(concurrency=16)
    assert gateway.wait_idle(timeout=5)
    charges = Counter(c.token for c in gateway.ledger())
    for scenario, uuid in zip(mix, uuids, strict=True):
        task = await engine.get_task(uuid)
        payment = step(task, "process_payment")
        assert task["status"] == scenario.expected_status, scenario.summary
        assert payment["attempts"] == scenario.expected_payment_attempts, scenario.summary
        assert charges[scenario.token] == scenario.expected_charges, scenario.summary
        if scenario.expected_error_code:
            assert payment["error"]["error_code"] == scenario.expected_error_code


async def test_the_diamond_checkout_completes(engine, gateway):
    task = await run(engine, "ecommerce", "order_processing_diamond", order("tok_visa"))
    assert task["status"] == "complete"
    assert step(task, "update_inventory")["dependencies"] == ["validate_cart"]


# --- companion workflows -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("namespace", "name", "context", "steps"),
    [
        ("data_pipeline", "analytics_pipeline", {"source": "production", "pipeline_id": "p1"}, 8),
        (
            "microservices",
            "user_registration",
            {"email": "ada@example.com", "full_name": "Ada Lovelace", "plan": "professional"},
            5,
        ),
        (
            "payments",
            "process_refund",
            {
                "payment_id": "pay_abc123",
                "refund_amount": 2500,
                "customer_email": "jane@example.com",
                "order_ref": "ORD-0",
            },
            4,
        ),
        (
            "customer_success",
            "process_refund",
            {"ticket_id": "TKT-1", "customer_id": "CUST-1", "refund_amount": 2500},
            5,
        ),
    ],
)
async def test_companion_workflows_complete(engine, namespace, name, context, steps):
    task = await run(engine, namespace, name, context)
    assert (task["status"], task["total_steps"]) == ("complete", steps)
    assert {s["current_state"] for s in task["steps"]} == {"complete"}


async def test_flaky_extract_retries_with_backoff_and_completes(engine):
    context = {"source": "staging", "pipeline_id": pipeline_id_failing(2)}
    task = await run(engine, "data_pipeline", "analytics_pipeline", context)
    sales = step(task, "extract_sales_data")
    assert task["status"] == "complete"
    assert sales["attempts"] == 3
    audit = await engine.step_audit(task["task_uuid"], "extract_sales_data")
    waits = [
        row["metadata"]["backoff_ms"] for row in audit if row["to_state"] == "waiting_for_retry"
    ]
    assert waits == [2000, 4000]


async def test_pending_approval_is_completed_by_an_operator(engine):
    context = {"ticket_id": "ticket_pending", "customer_id": "CUST-1", "refund_amount": 80_000}
    task = await run(engine, "customer_success", "process_refund", context)
    approval = step(task, "get_manager_approval")
    assert task["status"] == "blocked_by_failures"
    assert (approval["attempts"], approval["error"]["error_code"]) == (1, "AWAITING_APPROVAL")
    request_id = step(task, "validate_refund_request")["results"]["request_id"]
    decision = {
        "approval_id": "apr_manual",
        "request_id": request_id,
        "approved": True,
        "approver": "mgr_ops",
        "approval_path": "manager_review",
        "auto_approved": False,
        "amount_approved": 80_000,
        "approved_at": "2026-01-01T00:00:00+00:00",
    }
    await engine.complete_step(
        task["task_uuid"], "get_manager_approval", decision, reason="approved by phone", by="ops"
    )
    await engine.run_until_idle()
    task = await engine.get_task(task["task_uuid"])
    assert task["status"] == "complete"
    assert step(task, "update_ticket_status")["results"]["new_status"] == "resolved"


async def test_out_of_stock_after_the_charge_blocks_and_a_refund_settles_the_money(engine, gateway):
    """The reference's compensation prompt: inventory fails permanently after payment."""
    context = order("tok_visa")
    context["items"] = [{"sku": "SKU-004", "name": "Lamp", "quantity": 80, "unit_price": 1.0}]
    task = await run(engine, "ecommerce", "order_processing", context)
    inventory = step(task, "update_inventory")
    assert task["status"] == "blocked_by_failures"
    assert (inventory["attempts"], inventory["error"]["error_code"]) == (1, "OUT_OF_STOCK")
    (charge,) = gateway.ledger()  # the card was charged before the shortage was found
    assert charge.amount_cents == 9639  # 80.00 + 6.40 tax + 9.99 shipping
    refund_context = {
        "payment_id": charge.id,
        "refund_amount": charge.amount_cents,
        "customer_email": "jane@example.com",
        "order_ref": "ORD-0",
        "refund_reason": "out of stock",
    }
    refund = await run(engine, "payments", "process_refund", refund_context)
    assert refund["status"] == "complete"
    refunded = step(refund, "process_gateway_refund")["results"]
    assert (refunded["payment_id"], refunded["amount_processed"]) == (charge.id, 9639)
    closed = await engine.give_up(task["task_uuid"], reason="refunded: out of stock", by="ops")
    assert closed["status"] == "error"
    assert len(gateway.ledger()) == 1
