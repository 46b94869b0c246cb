"""Tasker's task and step states, and the one transition table per machine.

Every change of state goes through ``check_step`` / ``check_task``; the store applies it as a
compare-and-set (``WHERE state = :from``) with its audit row in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class StepState(StrEnum):
    """A workflow step's state; the value is the stored string."""

    PENDING = "pending"  # waiting for its dependencies or for a worker
    IN_PROGRESS = "in_progress"  # claimed: an attempt is running
    WAITING_FOR_RETRY = "waiting_for_retry"  # an attempt failed; the next one is scheduled
    COMPLETE = "complete"  # succeeded (or completed by an operator with results)
    ERROR = "error"  # failed permanently or ran out of attempts; waits for an operator
    CANCELLED = "cancelled"  # the task was cancelled before this step finished
    RESOLVED_MANUALLY = "resolved_manually"  # an operator declared it done without results


class TaskState(StrEnum):
    """A task's state; the value is the stored string."""

    PENDING = "pending"  # created; no step has been claimed yet
    STEPS_IN_PROCESS = "steps_in_process"  # steps are running or ready to run
    WAITING_FOR_DEPENDENCIES = "waiting_for_dependencies"  # nothing runnable until others finish
    WAITING_FOR_RETRY = "waiting_for_retry"  # only backoff timers stand between it and progress
    BLOCKED_BY_FAILURES = "blocked_by_failures"  # a step is in error: waits for an operator
    COMPLETE = "complete"  # every step complete or resolved
    ERROR = "error"  # an operator gave up on a blocked task
    CANCELLED = "cancelled"  # an operator cancelled it
    RESOLVED_MANUALLY = "resolved_manually"  # an operator closed a blocked task by hand


S = StepState
T = TaskState

STEP_TRANSITIONS: Mapping[StepState, frozenset[StepState]] = {
    S.PENDING: frozenset({S.IN_PROGRESS, S.CANCELLED, S.RESOLVED_MANUALLY, S.COMPLETE}),
    S.IN_PROGRESS: frozenset(
        {S.COMPLETE, S.ERROR, S.WAITING_FOR_RETRY, S.CANCELLED, S.RESOLVED_MANUALLY}
    ),
    # waiting_for_retry → waiting_for_retry: an operator's retry-now brings the retry forward.
    S.WAITING_FOR_RETRY: frozenset(
        {S.WAITING_FOR_RETRY, S.IN_PROGRESS, S.CANCELLED, S.RESOLVED_MANUALLY, S.COMPLETE}
    ),
    S.ERROR: frozenset({S.PENDING, S.CANCELLED, S.RESOLVED_MANUALLY, S.COMPLETE}),
    S.COMPLETE: frozenset(),
    S.CANCELLED: frozenset(),
    S.RESOLVED_MANUALLY: frozenset(),
}

_ACTIVE_TASK = frozenset(
    {T.PENDING, T.STEPS_IN_PROCESS, T.WAITING_FOR_DEPENDENCIES, T.WAITING_FOR_RETRY}
)
TASK_TRANSITIONS: Mapping[TaskState, frozenset[TaskState]] = {
    **{
        state: (_ACTIVE_TASK | {T.BLOCKED_BY_FAILURES, T.COMPLETE, T.CANCELLED}) - {state}
        for state in _ACTIVE_TASK
    },
    T.BLOCKED_BY_FAILURES: (_ACTIVE_TASK - {T.PENDING})
    | {T.COMPLETE, T.ERROR, T.CANCELLED, T.RESOLVED_MANUALLY},
    T.COMPLETE: frozenset(),
    T.ERROR: frozenset(),
    T.CANCELLED: frozenset(),
    T.RESOLVED_MANUALLY: frozenset(),
}

TERMINAL_STEP_STATES = frozenset(s for s, nxt in STEP_TRANSITIONS.items() if not nxt)
TERMINAL_TASK_STATES = frozenset(s for s, nxt in TASK_TRANSITIONS.items() if not nxt)
SATISFIES_DEPENDENCIES = frozenset({S.COMPLETE, S.RESOLVED_MANUALLY})


class IllegalTransition(Exception):
    """A state change the transition table does not allow."""

    def __init__(self, machine: str, name: str, from_state: str, to_state: str) -> None:
        super().__init__(f"{machine} {name} is {from_state}; it cannot move to {to_state}")
        self.from_state = from_state
        self.to_state = to_state


def can_step_move(from_state: StepState, to_state: StepState) -> bool:
    return to_state in STEP_TRANSITIONS[from_state]


def can_task_move(from_state: TaskState, to_state: TaskState) -> bool:
    return to_state in TASK_TRANSITIONS[from_state]


def check_step(name: str, from_state: StepState, to_state: StepState) -> None:
    """Raise IllegalTransition unless the step table allows ``from_state → to_state``."""
    if not can_step_move(from_state, to_state):
        raise IllegalTransition("step", name, from_state, to_state)


def check_task(name: str, from_state: TaskState, to_state: TaskState) -> None:
    """Raise IllegalTransition unless the task table allows ``from_state → to_state``."""
    if not can_task_move(from_state, to_state):
        raise IllegalTransition("task", name, from_state, to_state)
