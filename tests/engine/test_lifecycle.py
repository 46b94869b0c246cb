from __future__ import annotations

import itertools

from engine.lifecycle import StepView, decide, derive_task_state
from engine.outcomes import ErrorType, Outcome, StepError
from engine.readiness import StepRow, evaluate
from engine.retry import RetryPolicy
from engine.states import (
    STEP_TRANSITIONS,
    TASK_TRANSITIONS,
    TERMINAL_STEP_STATES,
    StepState,
    TaskState,
)

NOW = 1_000_000
POLICY = RetryPolicy(max_attempts=3, base_ms=100)


def failure(retryable: bool, retry_after: float | None = None) -> Outcome:
    kind = ErrorType.RETRYABLE_ERROR if retryable else ErrorType.PERMANENT_ERROR
    return Outcome.failure(StepError(kind, "boom", retryable, retry_after_s=retry_after))


def test_success_completes_with_results() -> None:
    d = decide(1, Outcome.success({"total": 3}), POLICY, NOW)
    assert d.to_state is StepState.COMPLETE and d.results == {"total": 3}


def test_permanent_error_fails_now_even_with_attempts_left() -> None:
    d = decide(1, failure(False), POLICY, NOW)
    assert d.to_state is StepState.ERROR and d.next_retry_at_ms is None


def test_retryable_error_waits_with_the_policy_delay() -> None:
    first = decide(1, failure(True), POLICY, NOW)
    second = decide(2, failure(True), POLICY, NOW)
    assert first.to_state is StepState.WAITING_FOR_RETRY
    assert first.next_retry_at_ms is not None and second.next_retry_at_ms is not None
    assert (first.next_retry_at_ms - NOW, second.next_retry_at_ms - NOW) == (100, 200)
    assert first.backoff_rule == "exponential 100 ms × 2^0"


def test_retries_exhausted_is_an_error() -> None:
    d = decide(3, failure(True), POLICY, NOW)
    assert d.to_state is StepState.ERROR and "retries exhausted (3/3" in d.reason


def test_reasons_number_attempts_as_the_audit_does_after_a_reset() -> None:
    """Two runs before a reset: the reset's first run is attempt 3, of at most 2 + 3."""
    waiting = decide(1, failure(True), POLICY, NOW, earlier_runs=2)
    assert "attempt 4/5 in" in waiting.reason, "the next attempt, after attempt 3 failed"
    exhausted = decide(3, failure(True), POLICY, NOW, earlier_runs=2)
    assert "retries exhausted (5/5 attempts)" in exhausted.reason


def test_not_retryable_policy_stops_after_the_first_run() -> None:
    d = decide(1, failure(True), RetryPolicy(retryable=False, max_attempts=3), NOW)
    assert d.to_state is StepState.ERROR and d.reason == "step is not retryable"


def test_retry_after_is_honoured() -> None:
    d = decide(1, failure(True, retry_after=2), POLICY, NOW)
    assert d.next_retry_at_ms == NOW + 2000
    assert d.backoff_rule is not None and d.backoff_rule.endswith("Retry-After 2 s")


def test_every_state_pair_is_decided_by_the_table() -> None:
    legal = {(a, b) for a, targets in STEP_TRANSITIONS.items() for b in targets}
    for a, b in itertools.product(StepState, StepState):
        assert ((a, b) in legal) == (b in STEP_TRANSITIONS[a])
    assert TERMINAL_STEP_STATES == {
        StepState.COMPLETE,
        StepState.CANCELLED,
        StepState.RESOLVED_MANUALLY,
    }
    assert StepState.PENDING in STEP_TRANSITIONS[StepState.ERROR]  # reset-step
    assert TASK_TRANSITIONS[TaskState.COMPLETE] == frozenset()
    assert TaskState.ERROR in TASK_TRANSITIONS[TaskState.BLOCKED_BY_FAILURES]  # give-up
    assert TaskState.ERROR not in TASK_TRANSITIONS[TaskState.STEPS_IN_PROCESS]


def view(state: StepState, met: bool = True) -> StepView:
    return StepView(state, met)


def test_task_state_priority() -> None:
    S, T = StepState, TaskState
    assert derive_task_state([view(S.ERROR), view(S.IN_PROGRESS)]) is T.BLOCKED_BY_FAILURES
    assert derive_task_state([view(S.COMPLETE), view(S.RESOLVED_MANUALLY)]) is T.COMPLETE
    assert derive_task_state([view(S.COMPLETE), view(S.PENDING)]) is T.STEPS_IN_PROCESS
    assert derive_task_state([view(S.WAITING_FOR_RETRY), view(S.PENDING, False)]) is (
        T.WAITING_FOR_RETRY
    )


def row(
    name: str,
    state: StepState,
    deps: tuple[str, ...] = (),
    ready: int | None = None,
    retry_at: int | None = None,
) -> StepRow:
    return StepRow(name, name, state, deps, ready, retry_at)


def test_readiness_follows_dependencies_and_parks_blocked_tasks() -> None:
    S, T = StepState, TaskState
    chain = [row("a", S.COMPLETE), row("b", S.PENDING, ("a",)), row("c", S.PENDING, ("b",))]
    result = evaluate(T.STEPS_IN_PROCESS, chain, NOW)
    assert result.ready_at == {"b": NOW} and result.completed_steps == 1
    blocked = [row("a", S.ERROR), row("x", S.PENDING, (), ready=5)]
    result = evaluate(T.STEPS_IN_PROCESS, blocked, NOW)
    assert result.task_state is T.BLOCKED_BY_FAILURES and result.ready_at == {"x": None}
    waiting = [row("a", S.WAITING_FOR_RETRY, retry_at=NOW + 100)]
    result = evaluate(T.STEPS_IN_PROCESS, waiting, NOW)
    assert result.task_state is T.WAITING_FOR_RETRY and result.ready_at == {"a": NOW + 100}


def test_a_new_task_stays_pending_until_a_step_is_claimed() -> None:
    result = evaluate(TaskState.PENDING, [row("a", StepState.PENDING)], NOW)
    assert result.task_state is TaskState.PENDING and result.ready_at == {"a": NOW}


def clone(name: str, state: StepState, ready: int | None = None, cap: int = 2) -> StepRow:
    return StepRow(name, name, state, ("analyze",), ready, None, False, "process", cap)


def test_a_batch_releases_no_more_clones_than_its_parallelism() -> None:
    S, T = StepState, TaskState
    analyzed = [row("analyze", S.COMPLETE)]
    fresh = [*analyzed, *(clone(f"process_00{n}", S.PENDING) for n in range(1, 6))]
    result = evaluate(T.STEPS_IN_PROCESS, fresh, NOW)
    assert result.ready_at == {"process_001": NOW, "process_002": NOW}

    # one running, one waiting for its retry: both hold a place; nothing more is released
    busy = [
        *analyzed,
        clone("process_001", S.IN_PROGRESS),
        clone("process_002", S.WAITING_FOR_RETRY),
        *(clone(f"process_00{n}", S.PENDING) for n in range(3, 6)),
    ]
    assert evaluate(T.STEPS_IN_PROCESS, busy, NOW).ready_at == {"process_002": NOW}

    # one finished: the next clone in order takes its place, released ones keep their time
    moved = [
        *analyzed,
        clone("process_001", S.COMPLETE),
        clone("process_002", S.PENDING, ready=NOW - 5),
        *(clone(f"process_00{n}", S.PENDING) for n in range(3, 6)),
    ]
    assert evaluate(T.STEPS_IN_PROCESS, moved, NOW).ready_at == {"process_003": NOW}


def test_steps_that_are_not_clones_are_never_held_back() -> None:
    S, T = StepState, TaskState
    steps = [row("a", S.COMPLETE), *(row(f"b{n}", S.PENDING, ("a",)) for n in range(20))]
    assert len(evaluate(T.STEPS_IN_PROCESS, steps, NOW).ready_at) == 20
