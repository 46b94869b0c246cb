"""End to end through the Engine facade on a real SQLite file, with a fake clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from engine.api import Engine, EngineError
from engine.store import IllegalAction
from tests.engine.support import CART, step


async def create_flaky(engine: Engine, script: dict, **kw) -> str:
    made = await engine.create_task("flaky_chain", "testing", {"script": script}, **kw)
    uuid: str = made.task["task_uuid"]
    return uuid


async def test_seed_checkout_completes_and_passes_results_along(engine: Engine) -> None:
    made = await engine.create_task("ecommerce_order_processing", "ecommerce", CART)
    assert made.created and made.task["status"] == "pending"
    await engine.run_until_idle()
    task = await engine.get_task(made.task["task_uuid"])
    assert task["status"] == "complete" and task["completion_percentage"] == 100.0
    assert [s["current_state"] for s in task["steps"]] == ["complete"] * 5
    assert step(task, "process_payment")["results"]["amount_charged"] == 50.0
    confirmation = step(task, "send_confirmation")["results"]
    assert confirmation["total"] == 50.0  # a grandparent's result reached it
    assert confirmation["order_id"] == step(task, "create_order")["results"]["order_id"]


async def test_retryable_twice_then_success_follows_the_backoff(engine: Engine) -> None:
    uuid = await create_flaky(engine, {"first": ["retry", "retry"]})
    await engine.run_until_idle()
    task = await engine.get_task(uuid)
    first = step(task, "first")
    assert task["status"] == "complete"
    assert (first["current_state"], first["attempts"]) == ("complete", 3)
    audit = await engine.step_audit(uuid, "first")
    waits = [row for row in audit if row["to_state"] == "waiting_for_retry"]
    assert [w["metadata"]["backoff_ms"] for w in waits] == [100, 200]
    assert [w["metadata"]["next_retry_at"] - w["at"] for w in waits] == [100, 200]
    claims = [row["at"] for row in audit if row["to_state"] == "in_progress"]
    assert [claims[1] - waits[0]["at"], claims[2] - waits[1]["at"]] == [100, 200]
    assert waits[0]["metadata"]["error_code"] == "gateway_timeout"


async def test_permanent_error_blocks_until_an_operator_resets(
    engine: Engine, tmp_path: Path
) -> None:
    fix = tmp_path / "configured"
    uuid = await create_flaky(engine, {"second": [f"fixed_by:{fix}"]})
    await engine.run_until_idle()
    task = await engine.get_task(uuid)
    second = step(task, "second")
    assert task["status"] == "blocked_by_failures"
    assert (second["current_state"], second["attempts"]) == ("error", 1)
    assert second["error"]["error_type"] == "permanent_error"
    assert second["error"]["error_code"] == "not_configured"
    assert step(task, "third")["current_state"] == "pending"

    fix.write_text("done")
    task = await engine.reset_step(uuid[:8], "second", "config deployed", by="alice")
    assert step(task, "second")["current_state"] == "pending"
    assert task["status"] == "steps_in_process"
    await engine.run_until_idle()
    task = await engine.get_task(uuid)
    assert task["status"] == "complete"
    audit = await engine.step_audit(uuid, "second")
    reset = next(r for r in audit if r["from_state"] == "error")
    assert (reset["to_state"], reset["by"], reset["reason"]) == (
        "pending",
        "alice",
        "config deployed",
    )
    assert reset["metadata"]["previous_error"]["error_code"] == "not_configured"
    task_audit = await engine.task_audit(uuid)
    assert ("blocked_by_failures", "steps_in_process") in {
        (r["from_state"], r["to_state"]) for r in task_audit
    }


async def test_retries_exhausted_ends_in_error(engine: Engine) -> None:
    uuid = await create_flaky(engine, {"first": ["crash", "crash", "crash"]})
    await engine.run_until_idle()
    first = step(await engine.get_task(uuid), "first")
    assert (first["current_state"], first["attempts"]) == ("error", 3)
    assert first["error"]["error_type"] == "handler_error"
    assert "RuntimeError" in (first["error"]["traceback"] or "")


async def test_duplicate_create_returns_the_same_task(engine: Engine) -> None:
    first = await engine.create_task("flaky_chain", "testing", {"script": {}, "order": 7})
    again = await engine.create_task("flaky_chain", "testing", {"order": 7, "script": {}})
    assert again.created is False and again.task["task_uuid"] == first.task["task_uuid"]
    keyed = await engine.create_task("flaky_chain", "testing", {"a": 1}, idempotency_key="k1")
    keyed2 = await engine.create_task("flaky_chain", "testing", {"a": 2}, idempotency_key="k1")
    assert keyed2.task["task_uuid"] == keyed.task["task_uuid"] and not keyed2.created
    assert len(await engine.list_tasks()) == 2


async def test_timeout_is_a_retryable_handler_timeout(engine: Engine) -> None:
    made = await engine.create_task("slow_step", "testing", {"script": {"first": ["slow"]}})
    await engine.run_until_idle()
    first = step(await engine.get_task(made.task["task_uuid"]), "first")
    assert (first["current_state"], first["attempts"]) == ("complete", 2)
    audit = await engine.step_audit(made.task["task_uuid"], "first")
    assert any(r["metadata"] and r["metadata"]["error_type"] == "handler_timeout" for r in audit)


async def test_complete_step_gives_dependents_results(engine: Engine) -> None:
    uuid = await create_flaky(engine, {"first": ["permanent"]})
    await engine.run_until_idle()
    await engine.complete_step(uuid, "first", {"step": "first", "manual": True}, "done by hand")
    await engine.run_until_idle()
    task = await engine.get_task(uuid)
    assert task["status"] == "complete"
    assert step(task, "first")["results"] == {"step": "first", "manual": True}


async def test_resolve_step_satisfies_dependents(engine: Engine) -> None:
    uuid = await create_flaky(engine, {"first": ["permanent"]})
    await engine.run_until_idle()
    await engine.resolve_step(uuid, "first", "handled outside tasker", by="bob")
    await engine.run_until_idle()
    task = await engine.get_task(uuid)
    assert task["status"] == "complete"
    assert step(task, "first")["current_state"] == "resolved_manually"


async def test_give_up_and_illegal_actions(engine: Engine) -> None:
    uuid = await create_flaky(engine, {"first": ["permanent"]})
    with pytest.raises(IllegalAction, match="give-up needs a task that is blocked_by_failures"):
        await engine.give_up(uuid)
    await engine.run_until_idle()
    with pytest.raises(IllegalAction, match="reset-step needs a step in error"):
        await engine.reset_step(uuid, "second", "why not")
    task = await engine.give_up(uuid, "customer went away", by="carol")
    assert task["status"] == "error"
    with pytest.raises(IllegalAction, match="only unfinished tasks can be cancelled"):
        await engine.cancel_task(uuid)
    with pytest.raises(EngineError, match="has no step 'nope'"):
        await engine.step_audit(uuid, "nope")


async def test_cancel_stops_a_running_async_handler(engine: Engine) -> None:
    uuid = await create_flaky(engine, {"first": ["slow"]})
    worker = engine.worker(concurrency=2)
    runner = asyncio.create_task(worker.run())
    for _ in range(200):
        if step(await engine.get_task(uuid), "first")["current_state"] == "in_progress":
            break
        await asyncio.sleep(0.01)
    task = await engine.cancel_task(uuid, "order withdrawn", by="dave")
    assert task["status"] == "cancelled"
    for _ in range(200):
        if step(await engine.get_task(uuid), "first")["current_state"] == "cancelled":
            break
        await asyncio.sleep(0.01)
    worker.stop()
    await runner
    task = await engine.get_task(uuid)
    assert [s["current_state"] for s in task["steps"]] == ["cancelled"] * 3
    assert worker.running_count == 0
