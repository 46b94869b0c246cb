"""Decision points and batch processing through the Engine, on each backend: the steps a
decision or an analyzer creates, what they wait for, failure strategies, checkpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.api import Engine, open_engine
from engine.clock import FakeClock
from engine.store import IllegalAction
from tests.backends import rows
from tests.engine.support import step

FLOWS = Path(__file__).parent / "flows_data"
HANDLERS = [str(FLOWS / "flow_handlers.py")]


@pytest.fixture
async def engine(db: str | Path) -> AsyncIterator[Engine]:
    async with open_engine(db, templates=[FLOWS], handlers=HANDLERS, clock=FakeClock()) as eng:
        yield eng


async def run(engine: Engine, name: str, context: dict, concurrency: int = 4) -> dict:
    made = await engine.create_task(name, "flowtest", context)
    await engine.run_until_idle(concurrency)
    return await engine.get_task(made.task["task_uuid"])


def names(task: dict) -> list[str]:
    return [s["name"] for s in task["steps"]]


def states(task: dict) -> dict[str, str]:
    return {s["name"]: s["current_state"] for s in task["steps"]}


async def test_a_task_starts_with_the_steps_before_the_decision(engine: Engine) -> None:
    made = await engine.create_task("routed_approval", "flowtest", {"route": []})
    assert names(made.task) == ["validate", "route"]
    assert made.task["total_steps"] == 2


async def test_a_decision_creates_its_branches_and_the_deferred_finalize(
    engine: Engine, db: str | Path
) -> None:
    task = await run(engine, "routed_approval", {"route": ["manager_approval", "finance_review"]})
    assert task["status"] == "complete"
    assert names(task) == ["validate", "route", "finalize", "manager_approval", "finance_review"]
    assert task["total_steps"] == 5 and task["completed_steps"] == 5
    finalize = step(task, "finalize")
    # declared [auto_approve, manager_approval, finance_review] ∩ created
    assert finalize["dependencies"] == ["manager_approval", "finance_review"]
    assert finalize["results"]["joined"] == [
        "finance_review",
        "manager_approval",
        "route",
        "validate",
    ]
    assert step(task, "route")["results"]["routing_context"] == {"chosen": 2}
    audit = await engine.step_audit(task["task_uuid"], "manager_approval")
    assert audit[0]["reason"] == "created by decision route"
    edges = rows(
        db,
        "SELECT f.name, t.name FROM step_edges e JOIN steps f ON f.step_uuid = e.from_step"
        " JOIN steps t ON t.step_uuid = e.to_step ORDER BY 1, 2",
    )
    assert ("manager_approval", "finalize") in edges and ("route", "finance_review") in edges
    assert not any("auto_approve" in edge for edge in edges)


async def test_one_branch_then_finalize_waits_for_that_branch_only(engine: Engine) -> None:
    task = await run(engine, "routed_approval", {"route": ["auto_approve"]})
    assert task["status"] == "complete"
    assert step(task, "finalize")["dependencies"] == ["auto_approve"]
    assert "manager_approval" not in names(task)


async def test_no_branches_creates_nothing_and_the_task_completes(engine: Engine) -> None:
    task = await run(engine, "routed_approval", {"route": []})
    assert task["status"] == "complete" and names(task) == ["validate", "route"]
    outcome = step(task, "route")["results"]["decision_point_outcome"]
    assert outcome == {"type": "no_branches"}


async def test_a_decision_naming_an_unknown_step_fails_permanently(engine: Engine) -> None:
    task = await run(engine, "routed_approval", {"route": ["auto_approve", "bribe_the_auditor"]})
    route = step(task, "route")
    assert task["status"] == "blocked_by_failures" and names(task) == ["validate", "route"]
    assert (route["current_state"], route["attempts"]) == ("error", 1)
    assert route["error"]["error_type"] == "permanent_error"
    assert route["error"]["error_code"] == "invalid_decision"
    assert (
        "named step 'bribe_the_auditor', which is not a step of template"
        in (route["error"]["message"])
    )


async def test_an_operator_can_complete_a_decision_with_its_outcome(engine: Engine) -> None:
    task = await run(engine, "routed_approval", {"route": ["nowhere"]})
    uuid = task["task_uuid"]
    with pytest.raises(IllegalAction, match="which is not one of its branches"):
        await engine.complete_step(
            uuid,
            "route",
            {"decision_point_outcome": {"type": "create_steps", "step_names": ["validate"]}},
            reason="route by hand",
        )
    assert names(await engine.get_task(uuid)) == ["validate", "route"]  # nothing half-made
    await engine.complete_step(
        uuid,
        "route",
        {"decision_point_outcome": {"type": "create_steps", "step_names": ["auto_approve"]}},
        reason="small amount, approved by hand",
    )
    await engine.run_until_idle()
    task = await engine.get_task(uuid)
    assert task["status"] == "complete"
    assert names(task) == ["validate", "route", "finalize", "auto_approve"]


async def test_nested_decisions_join_what_both_created(engine: Engine) -> None:
    task = await run(
        engine, "nested_decisions", {"route": ["left", "inner"], "inner_route": ["deep_b"]}
    )
    assert task["status"] == "complete"
    assert step(task, "join")["dependencies"] == ["left", "deep_b"]
    assert "deep_a" not in names(task)
    assert step(task, "join")["results"]["joined"] == ["deep_b", "inner", "left", "outer", "start"]


async def test_nested_decision_skipping_leaves_the_join_to_the_outer_branch(
    engine: Engine,
) -> None:
    task = await run(engine, "nested_decisions", {"route": ["left", "inner"], "inner_route": []})
    assert task["status"] == "complete"
    assert step(task, "join")["dependencies"] == ["left"]


BATCH = {"items": 35, "batch_size": 10}


async def test_batches_run_as_clones_and_the_convergence_aggregates(engine: Engine) -> None:
    task = await run(engine, "batch_continue_on_failure", BATCH)
    assert task["status"] == "complete"
    assert names(task) == [
        "analyze",
        "process_001",
        "process_002",
        "process_003",
        "process_004",
        "aggregate",
    ]
    worker = step(task, "process_004")
    assert worker["template_step"] == "process"
    assert worker["inputs"] == {
        "cursor": {"batch_id": "004", "start_cursor": 30, "end_cursor": 35, "batch_size": 5},
        "batch_metadata": {"cursor_field": "row", "failure_strategy": "continue_on_failure"},
        "is_no_op": False,
        "parallelism": 10,
    }
    summary = step(task, "aggregate")["results"]
    assert summary["total_processed"] == 35 and summary["batch_count"] == 4
    assert summary["sum"] == sum(range(35)) and summary["failed_batches"] == []
    assert step(task, "aggregate")["dependencies"] == [f"process_00{i}" for i in range(1, 5)]


async def test_no_batches_makes_no_worker_and_links_convergence_to_the_analyzer(
    engine: Engine,
) -> None:
    task = await run(engine, "batch_continue_on_failure", {"items": 0})
    assert task["status"] == "complete"
    assert names(task) == ["analyze", "aggregate"]
    assert step(task, "aggregate")["dependencies"] == ["analyze"]
    assert step(task, "aggregate")["results"]["total_processed"] == 0


async def test_continue_on_failure_completes_the_failed_batch_and_the_task(
    engine: Engine,
) -> None:
    task = await run(engine, "batch_continue_on_failure", {**BATCH, "fail_batches": ["002"]})
    assert task["status"] == "complete"
    failed = step(task, "process_002")
    assert failed["current_state"] == "complete"
    assert failed["results"]["batch_failed"] is True and failed["results"]["items_failed"] == 10
    assert failed["error"]["error_type"] == "permanent_error"  # the failure stays visible
    summary = step(task, "aggregate")["results"]
    assert summary["failed_batches"] == ["002"] and summary["total_processed"] == 25


async def test_fail_fast_blocks_the_task_and_starts_no_more_batches(engine: Engine) -> None:
    task = await run(engine, "batch_fail_fast", {**BATCH, "fail_batches": ["001"]}, 1)
    assert task["status"] == "blocked_by_failures"
    assert states(task) == {
        "analyze": "complete",
        "process_001": "error",
        "process_002": "pending",
        "process_003": "pending",
        "process_004": "pending",
        "aggregate": "pending",
    }


async def test_isolate_lets_the_other_batches_finish_then_waits_for_an_operator(
    engine: Engine,
) -> None:
    task = await run(engine, "batch_isolate", {**BATCH, "fail_batches": ["001"]}, 1)
    assert task["status"] == "blocked_by_failures"
    assert states(task) == {
        "analyze": "complete",
        "process_001": "error",
        "process_002": "complete",
        "process_003": "complete",
        "process_004": "complete",
        "aggregate": "pending",
    }
    await engine.resolve_step(task["task_uuid"], "process_001", reason="rows fixed by hand")
    await engine.run_until_idle()
    task = await engine.get_task(task["task_uuid"])
    assert task["status"] == "complete"
    assert step(task, "aggregate")["results"]["total_processed"] == 25


async def test_a_retried_worker_resumes_from_its_last_checkpoint(engine: Engine) -> None:
    from tests.engine.flows_data import flow_handlers

    flow_handlers.CALLS.clear()
    context = {"items": 30, "batch_size": 30, "checkpoint_every": 10, "crash_after": 25}
    task = await run(engine, "batch_fail_fast", context)
    worker = step(task, "process_001")
    assert task["status"] == "complete" and worker["attempts"] == 2
    # first attempt: 0, then 10 and 20 after two checkpoints, crash at 25; the retry starts
    # at 20 (the last checkpoint), not at 0, and yields no checkpoint it already had.
    assert [cursor for name, cursor in flow_handlers.CALLS if name == "process_001"] == [
        0,
        10,
        20,
        20,
    ]
    assert worker["results"]["batch_metadata"] == {"sum": sum(range(30))}
    checkpoint = worker["checkpoint"]
    assert (checkpoint["cursor"], checkpoint["items_processed"]) == (20, 20)
    assert [h["cursor"] for h in checkpoint["history"]] == [10, 20]
    audit = await engine.step_audit(task["task_uuid"], "process_001")
    assert [a["to_state"] for a in audit].count("in_progress") == 2  # yields cost no attempt


async def test_no_more_clones_run_at_once_than_the_batch_parallelism(
    engine: Engine, db: str | Path
) -> None:
    task = await run(engine, "batch_parallelism", {"items": 35, "batch_size": 5}, concurrency=8)
    assert task["status"] == "complete"
    assert len([n for n in names(task) if n.startswith("process_")]) == 7
    moves = rows(
        db,
        "SELECT step_name, from_state, to_state FROM step_transitions"
        f" WHERE task_uuid = '{task['task_uuid']}' AND step_name LIKE 'process_%' ORDER BY id",
    )
    running, most = 0, 0
    for _, from_state, to_state in moves:
        running += (to_state == "in_progress") - (from_state == "in_progress")
        most = max(most, running)
    assert most == 2, f"{most} clones ran at once under parallelism 2 (worker concurrency 8)"
