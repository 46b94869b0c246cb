"""The grid's read (``Store.task_grid``) on every backend: the newest tasks of a template and
their steps' states and error codes, in one read."""

from __future__ import annotations

from engine import lifecycle, retry
from engine.outcomes import ErrorType, Outcome, StepError
from engine.store import Store
from engine.store.base import AttemptResult, ClaimedStep
from tests.store.support import T0, plan, success


def declined(claimed: ClaimedStep, now_ms: int) -> AttemptResult:
    error = StepError(
        ErrorType.PERMANENT_ERROR, "card declined", retryable=False, error_code="PAYMENT_DECLINED"
    )
    policy = retry.RetryPolicy.from_json(claimed.retry_policy)
    decision = lifecycle.decide(claimed.attempts, Outcome.failure(error), policy, now_ms)
    return AttemptResult(claimed.step_uuid, claimed.run_count, decision)


async def test_the_grid_lists_the_newest_tasks_of_a_template_with_their_steps(
    store: Store,
) -> None:
    steps = {"charge": (), "ship": ("charge",)}
    made = [plan(steps, now_ms=T0 + n) for n in range(4)]
    for n, task in enumerate(made):
        await store.create_task(task, T0 + n)
    [first, *_] = await store.claim_ready("w", T0 + 10, 2, 1000)
    claimed = {c.task_uuid: c for c in [first, *_]}
    oldest, second = made[0].task_uuid, made[1].task_uuid
    await store.finish_attempts([declined(claimed[oldest], T0 + 11)], T0 + 11, "w")
    _, [next_claim], _ = await store.finish_attempts([success(claimed[second])], T0 + 12, "w", 1)
    grid = await store.task_grid("testing", "by_hand", 3)
    assert [t["task_uuid"] for t in grid] == [t.task_uuid for t in reversed(made[1:])]
    assert [s["name"] for s in grid[0]["steps"]] == ["charge", "ship"]
    assert grid[-1]["steps"][0]["current_state"] == "complete"
    assert grid[-1]["steps"][1] == {
        "name": "ship", "template_step": "ship", "current_state": "pending",
        "attempts": 0, "error_code": None, "error_type": None,
    }  # fmt: skip
    running = next(t for t in grid if t["task_uuid"] == next_claim.task_uuid)
    assert running["steps"][0]["current_state"] == "in_progress"
    assert running["steps"][0]["attempts"] == 1
    whole = await store.task_grid("testing", "by_hand", 40)
    assert len(whole) == 4 and whole[-1]["status"] == "blocked_by_failures"
    assert whole[-1]["steps"][0]["error_code"] == "PAYMENT_DECLINED"
    assert whole[-1]["steps"][0]["error_type"] == "permanent_error"
    assert await store.task_grid("testing", "elsewhere", 40) == []
    assert await store.task_grid("other", "by_hand", 40) == []
