"""Re-evaluating a task after any of its steps moved: which steps may run, and the task's state.

Pure: the store feeds it the task's step rows inside the transaction that changed one of them
and writes back what it returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import NamedTuple

from engine.lifecycle import StepView, derive_task_state
from engine.states import SATISFIES_DEPENDENCIES, TERMINAL_TASK_STATES, StepState, TaskState


class StepRow(NamedTuple):  # a tuple, not a dataclass: built for every step of every re-evaluation
    """The columns of a step that readiness depends on."""

    step_uuid: str
    name: str
    state: StepState
    dependencies: tuple[str, ...]
    ready_at_ms: int | None
    next_retry_at_ms: int | None
    isolated: bool = False  # a batch worker (failure_strategy isolate): its error blocks only
    # its dependents while the rest of the task can still move
    batch: str | None = None  # a batch worker clone: its worker template
    parallelism: int | None = None  # how many clones of its batch may be out at once
    unmet: int | None = None  # its stored count of unmet dependencies (None: not stored yet)


class Evaluation(NamedTuple):  # a tuple: one is built per re-evaluation
    """What a task re-evaluation decided."""

    task_state: TaskState
    ready_at: dict[str, int | None]  # step_uuid -> new ready_at
    completed_steps: int = 0
    failed_steps: int = 0
    unmet: Mapping[str, int] = MappingProxyType({})  # step_uuid -> its count of unmet
    # dependencies, where it is not the count stored


def evaluate(task_state: TaskState, steps: Sequence[StepRow], now_ms: int) -> Evaluation:
    """New task state, progress counters and the steps whose ``ready_at`` must change.

    A step is runnable (``ready_at`` set) when it is pending with every dependency complete or
    resolved, or waiting for retry (``ready_at`` = its ``next_retry_at``). Steps of a blocked or
    finished task are parked (``ready_at`` NULL) so no worker picks them up.
    """
    satisfied = {s.name for s in steps if s.state in SATISFIES_DEPENDENCIES}
    views = [StepView(s.state, satisfied.issuperset(s.dependencies)) for s in steps]
    if task_state in TERMINAL_TASK_STATES:
        new_state = task_state
    else:
        new_state = derive_task_state(views)
        if new_state is TaskState.BLOCKED_BY_FAILURES:
            new_state = _around_isolated_failures(steps, views)
        if task_state is TaskState.PENDING and new_state is TaskState.STEPS_IN_PROCESS:
            # Nothing has been claimed yet: the task stays pending until a worker starts it.
            if not any(s.state is StepState.IN_PROGRESS for s in steps):
                new_state = TaskState.PENDING
    parked = new_state in TERMINAL_TASK_STATES or new_state is TaskState.BLOCKED_BY_FAILURES
    changes: dict[str, int | None] = {}
    out = _clones_out(steps)
    for step, view in zip(steps, views, strict=True):
        state = step.state
        if parked:
            wanted = None
        elif state is StepState.PENDING and view.dependencies_met:
            wanted = step.ready_at_ms
            if wanted is None and _may_release(step, out):
                wanted = now_ms
        elif state is StepState.WAITING_FOR_RETRY:
            wanted = step.next_retry_at_ms if step.next_retry_at_ms is not None else now_ms
        else:
            wanted = None
        if wanted != step.ready_at_ms:
            changes[step.step_uuid] = wanted
    failed = sum(1 for s in steps if s.state is StepState.ERROR)
    return Evaluation(new_state, changes, len(satisfied), failed, unmet_changes(steps, satisfied))


def unmet_changes(steps: Sequence[StepRow], satisfied: set[str]) -> dict[str, int]:
    """The steps whose stored count of unmet dependencies is not what their rows say now: the
    counts a re-evaluation of the whole task writes back (``engine.incremental`` keeps them
    up to date between such re-evaluations)."""
    changes = {}
    for step in steps:
        count = _unmet(step, satisfied) if step.dependencies else 0
        if count != step.unmet:
            changes[step.step_uuid] = count
    return changes


def _unmet(step: StepRow, satisfied: set[str]) -> int:
    return sum(1 for d in step.dependencies if d not in satisfied)


def _clones_out(steps: Sequence[StepRow]) -> dict[str, int]:
    """Per batch: clones running, waiting for a retry, or already released to the workers."""
    out: dict[str, int] = {}
    for s in steps:
        if s.batch is not None and (
            s.state in (StepState.IN_PROGRESS, StepState.WAITING_FOR_RETRY)
            or (s.state is StepState.PENDING and s.ready_at_ms is not None)
        ):
            out[s.batch] = out.get(s.batch, 0) + 1
    return out


def _may_release(step: StepRow, out: dict[str, int]) -> bool:
    """A pending step whose dependencies are met becomes claimable, unless it is a clone of a
    batch that already has ``parallelism`` clones out (it waits for one of them to finish)."""
    if step.batch is None or step.parallelism is None:
        return True
    if out.get(step.batch, 0) >= step.parallelism:
        return False
    out[step.batch] = out.get(step.batch, 0) + 1
    return True


def _around_isolated_failures(steps: Sequence[StepRow], views: list[StepView]) -> TaskState:
    """Blocked, unless every step in error is an isolated batch worker and other steps can
    still run (or wait for a retry): then the task goes on and blocks when they are done."""
    if any(s.state is StepState.ERROR and not s.isolated for s in steps):
        return TaskState.BLOCKED_BY_FAILURES
    others = derive_task_state(v for v in views if v.state is not StepState.ERROR)
    if others in (TaskState.STEPS_IN_PROCESS, TaskState.WAITING_FOR_RETRY):
        return others
    return TaskState.BLOCKED_BY_FAILURES
