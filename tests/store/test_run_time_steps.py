"""The store's part in steps created at run time, on each backend: checkpoints belong to the
attempt that owns the step and a claim hands the last one back; an outcome in the results of
a step that is not a decision creates nothing (decisions and batches: tests/engine)."""

from __future__ import annotations

from engine import lifecycle
from engine.states import StepState
from engine.store import Store
from engine.store.base import AttemptResult
from tests.store.support import T0, failure, plan, success


async def test_a_checkpoint_is_kept_only_while_its_attempt_owns_the_step(store: Store) -> None:
    made = plan({"work": ()})
    await store.create_task(made, T0)
    [claimed] = await store.claim_ready("w1", T0, 1, 30_000)
    assert claimed.checkpoint is None
    checkpoint = {"cursor": 40, "items_processed": 40, "history": [{"cursor": 40}]}
    assert await store.save_checkpoint(claimed.step_uuid, claimed.run_count, checkpoint, T0 + 1)
    stale_run = claimed.run_count + 1
    assert not await store.save_checkpoint(claimed.step_uuid, stale_run, {"cursor": 0}, T0 + 2)
    # the attempt fails; the retry is handed the checkpoint to resume from
    await store.finish_attempts([failure(claimed, T0 + 3)], T0 + 3, "w1")
    [again] = await store.claim_ready("w2", T0 + 10_000, 1, 30_000)
    assert again.step_uuid == claimed.step_uuid and again.attempts == 2
    assert again.checkpoint == checkpoint
    await store.finish_attempts([success(again)], T0 + 10_001, "w2")
    assert not await store.save_checkpoint(again.step_uuid, again.run_count, {}, T0 + 10_002)
    task = await store.get_task(made.task_uuid)
    assert task["steps"][0]["checkpoint"] == checkpoint


async def test_results_with_an_outcome_create_nothing_for_a_standard_step(store: Store) -> None:
    made = plan({"work": ()})
    await store.create_task(made, T0)
    [claimed] = await store.claim_ready("w1", T0, 1, 30_000)
    results = {"decision_point_outcome": {"type": "create_steps", "step_names": ["work"]}}
    decision = lifecycle.Decision(StepState.COMPLETE, "attempt succeeded", results)
    stored, _, _ = await store.finish_attempts(
        [AttemptResult(claimed.step_uuid, claimed.run_count, decision)], T0 + 1, "w1"
    )
    task = await store.get_task(made.task_uuid)
    assert stored == [True] and task["status"] == "complete" and task["total_steps"] == 1
