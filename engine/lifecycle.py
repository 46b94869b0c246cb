"""The one place that chooses a step's next state, and how a task's state follows its steps.

``decide(step, outcome, policy, now_ms)`` is pure: the runner builds the Outcome, the store
applies the returned Decision as compare-and-set with its audit row.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from engine import retry
from engine.outcomes import Outcome, StepError
from engine.states import SATISFIES_DEPENDENCIES, StepState, TaskState


@dataclass(frozen=True)
class Decision:
    """The next state of a step after an attempt, and what to store with it."""

    to_state: StepState
    reason: str
    results: dict[str, Any] | None = None
    error: StepError | None = None
    next_retry_at_ms: int | None = None
    backoff_ms: int | None = None
    backoff_rule: str | None = None
    results_text: str | None = field(default=None, compare=False, repr=False)  # see Outcome


def decide(
    attempts: int,
    outcome: Outcome,
    policy: retry.RetryPolicy,
    now_ms: int,
    rng: random.Random | None = None,
    earlier_runs: int = 0,
) -> Decision:
    """Next state of a step whose ``attempts``-th attempt (counted at claim) produced ``outcome``.

    ``earlier_runs``: the step's runs before its last reset-step, so the reasons number
    attempts as the audit does (``engine.retry.attempt_text``), not from the reset.

    Success → complete. A non-retryable error → error. A retryable error → waiting_for_retry
    while ``attempts < max_attempts`` and the policy is retryable; otherwise error
    ("retries exhausted").
    """
    if outcome.error is None:
        return Decision(
            StepState.COMPLETE,
            "attempt succeeded",
            results=outcome.results or {},
            results_text=outcome.results_text,
        )
    err = outcome.error
    if not err.retryable:
        return Decision(StepState.ERROR, f"{err.error_type}: permanent failure", error=err)
    if not retry.retry_eligible(policy, attempts):
        reason = (
            f"retries exhausted ({attempts + earlier_runs}/"
            f"{policy.max_attempts + earlier_runs} attempts)"
            if policy.retryable
            else "step is not retryable"
        )
        return Decision(StepState.ERROR, reason, error=err)
    delay = retry.next_delay_ms(policy, attempts, err.retry_after_s, rng)
    rule = retry.describe_delay(policy, attempts, err.retry_after_s)
    return Decision(
        StepState.WAITING_FOR_RETRY,
        f"{err.error_type}: attempt {attempts + earlier_runs + 1}/"
        f"{policy.max_attempts + earlier_runs} in {delay} ms",
        error=err,
        next_retry_at_ms=now_ms + delay,
        backoff_ms=delay,
        backoff_rule=rule,
    )


class StepView(NamedTuple):  # a tuple: one is built per step of every re-evaluation
    """What the task-state derivation needs to know of one step."""

    state: StepState
    dependencies_met: bool


def derive_task_state(steps: Iterable[StepView]) -> TaskState:
    """The task's state from its steps' states, in Tasker's priority order.

    blocked_by_failures (a step in error) > steps_in_process (running or runnable) >
    complete (all satisfied) > waiting_for_retry (only backoff timers left) >
    waiting_for_dependencies.
    """
    views = list(steps)
    states = {v.state for v in views}
    if StepState.ERROR in states:
        return TaskState.BLOCKED_BY_FAILURES
    if states <= SATISFIES_DEPENDENCIES:
        return TaskState.COMPLETE
    if StepState.IN_PROGRESS in states or any(
        v.dependencies_met and v.state is StepState.PENDING for v in views
    ):
        return TaskState.STEPS_IN_PROCESS
    if StepState.WAITING_FOR_RETRY in states:
        return TaskState.WAITING_FOR_RETRY
    return TaskState.WAITING_FOR_DEPENDENCIES
