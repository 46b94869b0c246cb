"""Property tests of the state machines on a real store: whatever happens to a task, in any
order (attempts that succeed or fail, workers that die mid-step and wake up late, the clock
moving on, operators acting, legally or not), no step or task reaches a state its transition
table does not allow, no audit row is lost or rewritten, and the task's state and counters
follow its steps."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import lifecycle, retry
from engine.api import Engine, EngineError, open_engine
from engine.clock import FakeClock
from engine.outcomes import ErrorType, Outcome, StepError
from engine.states import (
    SATISFIES_DEPENDENCIES,
    TERMINAL_STEP_STATES,
    TERMINAL_TASK_STATES,
    IllegalTransition,
    StepState,
    TaskState,
)
from engine.store import ClaimedStep, StoreError
from engine.store.base import AttemptResult
from tests.reliability.support import DATA, illegal_paths, rows

DIAMOND = DATA / "diamond"
DEPENDENCIES = {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]}
OUTCOMES = {
    "ok": Outcome.success({"value": 1}),
    "retry": Outcome.failure(StepError(ErrorType.RETRYABLE_ERROR, "timeout", retryable=True)),
    "permanent": Outcome.failure(StepError(ErrorType.PERMANENT_ERROR, "declined", retryable=False)),
}
LEASE_MS = 1_000
STEP = st.sampled_from(sorted(DEPENDENCIES))
EVENT = st.one_of(
    st.tuples(st.just("attempt"), st.sampled_from(sorted(OUTCOMES))),
    st.tuples(st.just("crash")),  # a worker claims a step and dies
    st.tuples(st.just("zombie"), st.sampled_from(sorted(OUTCOMES))),  # ...and finishes late
    st.tuples(st.just("tick"), st.sampled_from([0, 150, 2_000, 60_000])),
    st.tuples(st.sampled_from(["reset", "resolve", "complete"]), STEP),
    st.tuples(st.sampled_from(["cancel", "give_up"])),
)


@dataclass
class World:
    engine: Engine
    clock: FakeClock
    db: Path
    task: str
    ghosts: list[ClaimedStep] = field(default_factory=list)
    audit: dict[str, dict[int, tuple[Any, ...]]] = field(default_factory=dict)
    closed: dict[str, str] | None = None  # the steps when the task reached a final state


async def finish(world: World, claimed: ClaimedStep, outcome: str, by: str) -> bool:
    """Store one attempt's outcome as a worker does; False when the attempt lost its step."""
    return await finish_on(world.engine, world.clock, claimed, outcome, by)


async def finish_on(
    engine: Engine, clock: FakeClock, claimed: ClaimedStep, outcome: str, by: str
) -> bool:
    now = clock.now_ms()
    policy = retry.RetryPolicy.from_json(claimed.retry_policy)
    decision = lifecycle.decide(claimed.attempts, OUTCOMES[outcome], policy, now)
    stored, _, _ = await engine.store.finish_attempts(
        [AttemptResult(claimed.step_uuid, claimed.run_count, decision)], now, by
    )
    return stored[0]


async def play(world: World, event: tuple[Any, ...]) -> None:
    store, kind = world.engine.store, event[0]
    if kind in ("attempt", "crash"):
        worker = "worker" if kind == "attempt" else "doomed-worker"
        for claimed in await store.claim_ready(worker, world.clock.now_ms(), 1, LEASE_MS):
            if kind == "attempt":
                assert await finish(world, claimed, event[1], worker)
            else:
                world.ghosts.append(claimed)
    elif kind == "zombie" and world.ghosts:
        claimed = world.ghosts.pop(0)
        before = step_states(world)
        if not await finish(world, claimed, event[1], "doomed-worker"):
            assert step_states(world) == before, "a discarded late result changed a step"
    elif kind == "tick":
        world.clock.advance(event[1])
        await store.recover_expired(world.clock.now_ms(), "rescuer")
    elif kind in ("reset", "resolve", "complete"):
        try:
            if kind == "complete":
                await world.engine.complete_step(world.task, event[1], {"by": "hand"}, "fixed")
            else:
                action = world.engine.reset_step if kind == "reset" else world.engine.resolve_step
                await action(world.task, event[1], "operator says so")
        except (StoreError, EngineError, IllegalTransition):
            pass  # illegal in this state: refused, and (checked below) nothing changed
    elif kind in ("cancel", "give_up"):
        close = world.engine.cancel_task if kind == "cancel" else world.engine.give_up
        try:
            await close(world.task, "operator says so")
        except (StoreError, EngineError, IllegalTransition):
            pass


def step_states(world: World) -> dict[str, str]:
    return dict(rows(world.db, "SELECT name, state FROM steps"))


def check(world: World) -> None:
    # Every state is one of the machine's, reached by a legal path that ends where it is.
    steps = step_states(world)
    [(status, completed, failed)] = rows(
        world.db, "SELECT status, completed_steps, failed_steps FROM tasks"
    )
    assert set(steps.values()) <= set(StepState) and status in set(TaskState)
    assert illegal_paths(world.db) == []
    # The audit trail only grows: no row lost, none rewritten.
    for table in ("step_transitions", "task_transitions"):
        now = {row[0]: row for row in rows(world.db, f"SELECT * FROM {table}")}
        before = world.audit.get(table, {})
        assert {i: now.get(i) for i in before} == before, f"{table} lost or changed a row"
        world.audit[table] = now
    # The task follows its steps.
    assert completed == sum(s in SATISFIES_DEPENDENCIES for s in steps.values())
    assert failed == sum(s == StepState.ERROR for s in steps.values())
    if status == TaskState.COMPLETE:
        assert set(steps.values()) <= SATISFIES_DEPENDENCIES
    if StepState.ERROR in steps.values() and status not in (TaskState.CANCELLED, TaskState.ERROR):
        assert status == TaskState.BLOCKED_BY_FAILURES
    if status == TaskState.CANCELLED:
        unfinished = {n for n, s in steps.items() if s not in TERMINAL_STEP_STATES}
        assert unfinished <= {n for n, s in steps.items() if s == StepState.IN_PROGRESS}
    # Once the task is closed, only an attempt already running may still move a step.
    if status in TERMINAL_TASK_STATES:
        world.closed = world.closed or steps
        moved = {n for n, s in steps.items() if s != world.closed[n]}
        assert moved <= {n for n, s in world.closed.items() if s == StepState.IN_PROGRESS}


async def run_story(events: list[tuple[Any, ...]], folder: Path) -> None:
    clock = FakeClock()
    db = folder / "tasker.db"
    async with open_engine(db, templates=[DIAMOND], clock=clock) as engine:
        made = await engine.create_task("diamond", "reliability", {"story": len(events)})
        world = World(engine, clock, db, made.task["task_uuid"])
        check(world)
        for event in events:
            await play(world, event)
            check(world)


def check_stories(events: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run_story(events, Path(folder)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EVENT, max_size=30))
def test_no_event_sequence_breaks_the_state_machines_or_the_audit_trail(
    events: list[tuple[Any, ...]],
) -> None:
    check_stories(events)


@pytest.mark.slow
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EVENT, max_size=50))
def test_five_hundred_longer_event_sequences_keep_the_machines_and_the_audit_trail(
    events: list[tuple[Any, ...]],
) -> None:
    check_stories(events)


async def test_cancelling_a_blocked_task_counts_no_failed_step(db: str | Path) -> None:
    """On either backend: the failed step becomes cancelled, and the counter follows it."""
    clock = FakeClock()
    async with open_engine(db, templates=[DIAMOND], clock=clock) as engine:
        made = await engine.create_task("diamond", "reliability", {})
        [claimed] = await engine.store.claim_ready("worker", clock.now_ms(), 1, LEASE_MS)
        assert await finish_on(engine, clock, claimed, "permanent", "worker")
        blocked = await engine.get_task(made.task["task_uuid"])
        assert (blocked["status"], blocked["failed_steps"]) == ("blocked_by_failures", 1)
        cancelled = await engine.cancel_task(made.task["task_uuid"], "customer withdrew")
    assert (cancelled["status"], cancelled["failed_steps"]) == ("cancelled", 0)
    assert {s["current_state"] for s in cancelled["steps"]} == {"cancelled"}
