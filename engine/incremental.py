"""Re-evaluating a task from what changed, not from all of its steps (pure).

A running task whose steps finished (completed, or failed into a retry) need not be read whole:
only the dependents of a completed step can become runnable (each step keeps a count of its
unmet dependencies, decremented as they complete), the task's counters move by what finished,
and its state needs three yes/no questions the store answers from an index. Anything else (a
step in error, a cancel, an operator's action, steps created by an outcome, a batch clone held
back by its batch's parallelism when no clone of it finished) is re-evaluated whole by ``engine.readiness``, which also
writes the counts back, so the two ways always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from engine.states import StepState, TaskState

# What a step moved to for its task to be re-evaluated from the change alone.
INCREMENTAL_MOVES = frozenset({StepState.COMPLETE, StepState.WAITING_FOR_RETRY})


class Question:
    """What ``task_state_after`` may ask the store about a task's other steps."""

    IN_PROGRESS = "in_progress"  # is a step of it running?
    READY = "ready"  # is a step of it pending and on the ready list?
    HELD = "held"  # is a step of it pending with every dependency met but held back (a clone
    # waiting for a free place in its batch's parallelism)?
    WAITING_FOR_RETRY = "waiting_for_retry"  # is a step of it waiting for a retry?


def qualifies(task_state: TaskState, failed_steps: int, moved_to: Iterable[StepState]) -> bool:
    """May this task's moves be re-evaluated from the change alone? Only a running task with
    no step in error, whose steps completed or failed into a retry."""
    return (
        task_state is TaskState.STEPS_IN_PROCESS
        and failed_steps == 0
        and all(state in INCREMENTAL_MOVES for state in moved_to)
    )


def task_state_after(
    total_steps: int, completed_steps: int, has: Callable[[str], bool]
) -> TaskState:
    """The state of a running task with no step in error, as ``lifecycle.derive_task_state``
    decides it, from its counters and ``has(question)`` (asked only as far as needed)."""
    if completed_steps >= total_steps:
        return TaskState.COMPLETE
    if has(Question.READY) or has(Question.IN_PROGRESS) or has(Question.HELD):
        return TaskState.STEPS_IN_PROCESS
    if has(Question.WAITING_FOR_RETRY):
        return TaskState.WAITING_FOR_RETRY
    return TaskState.WAITING_FOR_DEPENDENCIES


def released(state: str, unmet: int, ready_at: int | None) -> bool:
    """Does a dependent whose count just went down become runnable now?"""
    return state == StepState.PENDING and unmet == 0 and ready_at is None


def places(parallelism: int, out: int) -> int:
    """How many held clones of a batch a finished clone lets go: its free places."""
    return max(parallelism - out, 0)
