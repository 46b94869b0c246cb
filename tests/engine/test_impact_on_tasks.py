"""The impact preview and the context edit on real checkouts, run by the shipped handlers,
on each backend (the ``db`` fixture)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.api import Engine, open_engine
from engine.clock import FakeClock
from engine.context_edit import ContextRejected
from tests.engine.support import step

DECLINED = {
    "customer_email": "bo@example.com",
    "payment_token": "tok_test_declined",
    "items": [{"sku": "GADGET-002", "name": "Gadget", "quantity": 1, "unit_price": 149.99}],
}


@pytest.fixture
async def shipped(
    db: str | Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Engine]:
    """An engine with the shipped workflows and their real handlers (payments in process)."""
    monkeypatch.delenv("TASKER_DEMO_GATEWAY_URL", raising=False)
    monkeypatch.setenv("TASKER_DEMO_OUTBOX", str(tmp_path / "outbox.db"))
    async with open_engine(db, clock=FakeClock()) as engine:
        yield engine


async def declined_checkout(engine: Engine) -> str:
    made = await engine.create_task("order_processing", "ecommerce", DECLINED)
    await engine.run_until_idle(1)
    task = await engine.get_task(made.task_uuid)
    assert task["status"] == "blocked_by_failures"
    return made.task_uuid


async def test_resolving_the_payment_names_the_step_that_needs_its_results(
    shipped: Engine,
) -> None:
    uuid = await declined_checkout(shipped)
    found = await shipped.impact(uuid, "resolve_step", "process_payment")
    assert found.then_runs == ("update_inventory", "create_order", "send_confirmation")
    assert found.will_fail == (
        "create_order: @depends_on(payment=process_payment, ProcessPaymentResult) expects "
        "results; a resolved step has none",
    )
    assert found.unknown == ()  # every checkout handler is a functional one, seen here
    assert found.not_undone[0].startswith("validate_cart completed: subtotal 149.99, total 161.99")


async def test_completing_the_payment_checks_the_results_given(shipped: Engine) -> None:
    uuid = await declined_checkout(shipped)
    wrong = await shipped.impact(uuid, "complete_step", "process_payment", {"paid": True})
    assert wrong.will_fail[0].startswith(
        "process_payment: its result_schema: $: missing required property 'payment_id'"
    ), "the step's own declared results first"
    assert "payment_id: Field required" in wrong.will_fail[1], "then the dependent's model"
    before = await shipped.impact(uuid, "complete_step", "process_payment")
    assert before.expects[0].startswith("process_payment: its result_schema requires payment_id")
    assert before.expects[1].startswith(
        "create_order: @depends_on(payment=process_payment, ProcessPaymentResult) needs "
        "payment_id, transaction_id"
    )


async def test_editing_the_context_retries_the_failed_step_and_audits_the_diff(
    shipped: Engine,
) -> None:
    uuid = await declined_checkout(shipped)
    new = {**DECLINED, "payment_token": "tok_visa_4242"}
    edit = await shipped.edit_context(uuid, new, "customer gave another card", "alice")
    assert edit.retried == ["process_payment"]
    assert edit.diff == ['~ $.payment_token: "••••" → "••••"']  # tokens never show
    task = await shipped.get_task(uuid)
    assert task["context"]["payment_token"] == "tok_visa_4242"
    assert step(task, "process_payment")["current_state"] == "pending"
    audit = await shipped.task_audit(uuid)
    edited = next(row for row in audit if row["metadata"] and "context_diff" in row["metadata"])
    assert (edited["by"], edited["reason"]) == ("alice", "customer gave another card")
    assert edited["from_state"] == edited["to_state"] == "blocked_by_failures"
    assert edited["metadata"]["context_diff"] == edit.diff
    await shipped.run_until_idle(1)
    done = await shipped.get_task(uuid)
    assert done["status"] == "complete", "the new card is charged and the order completes"


@pytest.mark.parametrize(
    ("context", "message"),
    [
        (DECLINED, "the context is unchanged"),
        ([1, 2], "the context must be a JSON object, not list"),
        ({**DECLINED, "items": "none"}, "input_schema: $.items: expected array"),
        ({"items": [], "payment_token": "tok_visa_4242"}, "$: missing required"),
    ],
)
async def test_a_bad_context_is_refused_in_one_line_and_nothing_is_written(
    shipped: Engine, context: object, message: str
) -> None:
    uuid = await declined_checkout(shipped)
    before = await shipped.task_audit(uuid)
    with pytest.raises(ContextRejected, match=message.replace("$", r"\$")) as refused:
        await shipped.edit_context(uuid, context, "try", "alice")
    assert "\n" not in str(refused.value)
    assert await shipped.task_audit(uuid) == before
    task = await shipped.get_task(uuid)
    assert task["context"] == DECLINED
    assert step(task, "process_payment")["current_state"] == "error"


async def test_a_finished_task_s_context_cannot_be_edited(shipped: Engine) -> None:
    uuid = await declined_checkout(shipped)
    await shipped.give_up(uuid, "customer left", "alice")
    with pytest.raises(ContextRejected, match="is error; only an unfinished task"):
        await shipped.edit_context(uuid, {**DECLINED, "payment_token": "tok_x"}, "r", "alice")
