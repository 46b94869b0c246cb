"""A finished step re-evaluates its task from what changed: after every move, on each backend,
the stored ready list, counts of unmet dependencies, counters and task state are exactly what a
re-evaluation of the whole task (``readiness.evaluate``) makes of the stored rows."""

from __future__ import annotations

from pathlib import Path

import psycopg

from engine import readiness
from engine.states import TaskState
from engine.store import Store, moves, unmet_schema
from engine.store.base import AttemptResult, ClaimedStep, TaskPlan
from tests.backends import is_postgres, rows
from tests.store.support import T0, failure, plan, success

WIDE = {"root": (), **{f"p{n}": ("root",) for n in range(12)}}
WIDE["join"] = tuple(f"p{n}" for n in range(12))


def assert_as_evaluated(db: str | Path, task_uuid: str, now: int) -> None:
    """The task's rows hold what a whole re-evaluation would write: nothing left to change."""
    steps = rows(
        db,
        "SELECT step_uuid, name, state, dependencies, ready_at, next_retry_at,"
        " failure_strategy, template_step, inputs, unmet_dependencies FROM steps"
        " WHERE task_uuid = ? ORDER BY position",
        (task_uuid,),
    )
    [(status, completed, failed)] = rows(
        db, "SELECT status, completed_steps, failed_steps FROM tasks WHERE task_uuid = ?",
        (task_uuid,),
    )  # fmt: skip
    evaluated = readiness.evaluate(TaskState(status), [moves.readiness_row(*r) for r in steps], now)
    assert evaluated.ready_at == {}, "ready list differs"
    assert dict(evaluated.unmet) == {}, "unmet counts differ"
    assert evaluated.task_state == status
    assert (evaluated.completed_steps, evaluated.failed_steps) == (completed, failed)


async def claim(store: Store, now: int, limit: int = 50) -> dict[str, ClaimedStep]:
    return {c.name: c for c in await store.claim_ready("w1", now, limit, 60_000)}


async def test_a_wide_task_moves_step_by_step_as_a_whole_evaluation_would(
    db: str | Path, store: Store
) -> None:
    made = plan(WIDE)
    await store.create_task(made, T0)
    assert_as_evaluated(db, made.task_uuid, T0)
    claimed = await claim(store, T0)
    assert list(claimed) == ["root"]
    _, after_root, _ = await store.finish_attempts([success(claimed["root"])], T0 + 1, "w1", 5)
    assert len(after_root) == 5  # the root's dependents are ready at once
    assert_as_evaluated(db, made.task_uuid, T0 + 1)
    running = {c.name: c for c in after_root} | await claim(store, T0 + 1)
    assert set(running) == {f"p{n}" for n in range(12)}
    names = sorted(running)
    for n, name in enumerate(names):  # one at a time: the join waits for the last
        _, next_claims, states = await store.finish_attempts(
            [success(running[name])], T0 + 2 + n, "w1", 5
        )
        assert_as_evaluated(db, made.task_uuid, T0 + 2 + n)
        assert states[made.task_uuid] == TaskState.STEPS_IN_PROCESS
        assert [c.name for c in next_claims] == (["join"] if name == names[-1] else [])
    [join] = next_claims
    assert set(join.dependency_results) == {"root", *names}
    _, _, states = await store.finish_attempts([success(join)], T0 + 20, "w1")
    assert states[made.task_uuid] == TaskState.COMPLETE
    assert_as_evaluated(db, made.task_uuid, T0 + 20)
    task = await store.get_task(made.task_uuid)
    assert (task["status"], task["completed_steps"]) == ("complete", 14)


async def first_attempt_failed(store: Store) -> tuple[TaskPlan, AttemptResult]:
    """A two-step chain whose first step's first attempt failed (retryable), not yet stored."""
    made = plan({"a": (), "b": ("a",)})
    await store.create_task(made, T0)
    [a] = (await claim(store, T0)).values()
    return made, failure(a, T0 + 1)


async def test_a_retry_puts_the_step_back_at_its_time_and_the_task_waits_for_it(
    db: str | Path, store: Store
) -> None:
    made, failed = await first_attempt_failed(store)
    _, _, states = await store.finish_attempts([failed], T0 + 1, "w1")
    assert states[made.task_uuid] == TaskState.WAITING_FOR_RETRY
    assert_as_evaluated(db, made.task_uuid, T0 + 1)
    due = failed.decision.next_retry_at_ms
    assert due is not None and await claim(store, due - 1) == {}
    again = (await claim(store, due))["a"]
    _, [b], states = await store.finish_attempts([success(again)], due + 1, "w1", 5)
    assert b.name == "b" and states[made.task_uuid] == TaskState.STEPS_IN_PROCESS
    assert_as_evaluated(db, made.task_uuid, due + 1)


async def test_a_retry_due_when_its_failure_is_stored_is_claimed_by_that_write(
    db: str | Path, store: Store
) -> None:
    # The failure's write decides the task waits for the retry, and its claim (sent with the
    # re-evaluation on PostgreSQL) starts the retry at once: the task ends up running it.
    made, failed = await first_attempt_failed(store)
    due = failed.decision.next_retry_at_ms
    assert due is not None
    _, [again], states = await store.finish_attempts([failed], due, "w1", 5)
    assert again.name == "a" and again.attempts == 2
    assert states[made.task_uuid] == TaskState.WAITING_FOR_RETRY  # as the write decided it
    task = await store.get_task(made.task_uuid)
    assert task is not None and task["status"] == "steps_in_process"  # and then started it
    assert_as_evaluated(db, made.task_uuid, due)
    _, [b], _ = await store.finish_attempts([success(again)], due + 1, "w1", 5)
    assert b.name == "b" and set(b.dependency_results) == {"a"}


async def test_operator_actions_and_errors_keep_the_counts(db: str | Path, store: Store) -> None:
    made = plan({"a": (), "b": (), "c": ("a", "b"), "d": ("c",)})
    await store.create_task(made, T0)
    first = await claim(store, T0)
    await store.finish_attempts([success(first["a"])], T0 + 1, "w1")
    _, _, states = await store.finish_attempts([failure(first["b"], T0 + 1, False)], T0 + 1, "w1")
    assert states[made.task_uuid] == TaskState.BLOCKED_BY_FAILURES
    assert_as_evaluated(db, made.task_uuid, T0 + 1)
    await store.step_action(made.task_uuid, "b", "reset", T0 + 2, "op", "fixed")
    assert_as_evaluated(db, made.task_uuid, T0 + 2)
    b = (await claim(store, T0 + 2))["b"]
    _, [c], _ = await store.finish_attempts([success(b)], T0 + 3, "w1", 5)
    assert_as_evaluated(db, made.task_uuid, T0 + 3)
    _, _, states = await store.finish_attempts([failure(c, T0 + 4, False)], T0 + 4, "w1")
    await store.step_action(made.task_uuid, "c", "resolve", T0 + 5, "op", "done by hand")
    assert_as_evaluated(db, made.task_uuid, T0 + 5)
    await store.step_action(made.task_uuid, "d", "complete", T0 + 6, "op", "done", {"ok": 1})
    assert_as_evaluated(db, made.task_uuid, T0 + 6)
    assert (await store.get_task(made.task_uuid))["status"] == "complete"


async def test_a_cancelled_task_and_a_lost_worker(db: str | Path, store: Store) -> None:
    lost, cancelled = plan(WIDE), plan(WIDE)
    for made in (lost, cancelled):
        await store.create_task(made, T0)
    roots = await store.claim_ready("w1", T0, 5, 1000)  # leases of one second
    assert {r.name for r in roots} == {"root"}
    assert await store.recover_expired(T0 + 1001, "keeper") == 2
    for made in (lost, cancelled):
        assert_as_evaluated(db, made.task_uuid, T0 + 1001)
    retried = await store.claim_ready("w2", T0 + 10_000, 5, 60_000)
    for root in retried:
        await store.finish_attempts([success(root)], T0 + 10_001, "w2")
    await store.task_action(cancelled.task_uuid, "cancel", T0 + 10_002, "op", "not needed")
    for made in (lost, cancelled):
        assert_as_evaluated(db, made.task_uuid, T0 + 10_002)
    after = await store.claim_ready("w2", T0 + 10_003, 50, 60_000)
    assert len(after) == 12 and {c.task_uuid for c in after} == {lost.task_uuid}


async def test_the_upgrade_counts_the_unmet_dependencies_of_existing_steps(
    db: str | Path, store: Store
) -> None:
    made = plan(WIDE)
    await store.create_task(made, T0)
    root = (await claim(store, T0))["root"]
    await store.finish_attempts([success(root)], T0 + 1, "w1")
    _recount(db, "UPDATE steps SET unmet_dependencies = 99")
    _recount(db, unmet_schema.postgres_count() if is_postgres(db) else unmet_schema.sqlite_count())
    assert_as_evaluated(db, made.task_uuid, T0 + 1)
    [(join_unmet,)] = rows(
        db, "SELECT unmet_dependencies FROM steps WHERE task_uuid = ? AND name = 'join'",
        (made.task_uuid,),
    )  # fmt: skip
    assert join_unmet == 12


def _recount(db: str | Path, sql: str) -> None:
    if is_postgres(db):
        with psycopg.connect(str(db)) as conn:
            conn.execute(sql)
        return
    import sqlite3

    cx = sqlite3.connect(db)
    try:
        with cx:
            cx.execute(sql)
    finally:
        cx.close()


async def test_results_of_several_tasks_stored_together_release_each_tasks_dependents(
    db: str | Path, store: Store
) -> None:
    """One write for the results of three tasks: the two parents of a diamond's join (counted
    down by two at once) and two chains' first steps; the claim that follows reads each task's
    ancestors."""
    diamond = plan({"top": (), "left": ("top",), "right": ("top",), "join": ("left", "right")})
    chains = [plan({"a": (), "b": ("a",), "c": ("b",)}) for _ in range(2)]
    for made in (diamond, *chains):
        await store.create_task(made, T0)
    first = await store.claim_ready("w1", T0, 50, 60_000)
    tops = [c for c in first if c.task_uuid == diamond.task_uuid]
    _, sides, _ = await store.finish_attempts([success(tops[0])], T0 + 1, "w1", 2)
    assert sorted(c.name for c in sides) == ["left", "right"]
    chain_heads = [c for c in first if c.task_uuid != diamond.task_uuid]
    stored, claimed, states = await store.finish_attempts(
        [*map(success, sides), *map(success, chain_heads)], T0 + 2, "w1", 10
    )
    assert stored == [True] * 4
    by_task = {(c.task_uuid, c.name): c for c in claimed}
    assert set(by_task) == {(diamond.task_uuid, "join")} | {(m.task_uuid, "b") for m in chains}
    assert set(by_task[diamond.task_uuid, "join"].dependency_results) == {"top", "left", "right"}
    for made in chains:
        assert set(by_task[made.task_uuid, "b"].dependency_results) == {"a"}
    for made in (diamond, *chains):
        assert states[made.task_uuid] == TaskState.STEPS_IN_PROCESS
        assert_as_evaluated(db, made.task_uuid, T0 + 2)
