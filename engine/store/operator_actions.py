"""An operator's step and task actions decided apart from SQL, for both stores: which action a
task or step in which state allows, the one-line error that says why not, and the moves the
action makes. A store reads the rows, asks these, and writes what they answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from engine.decisions import InvalidOutcome
from engine.ids import short_id
from engine.states import TERMINAL_STEP_STATES, TERMINAL_TASK_STATES, IllegalTransition, check_step
from engine.states import StepState as S
from engine.states import TaskState as T
from engine.store import moves
from engine.store.base import IllegalAction, StepNotFound

RowT = TypeVar("RowT", bound=moves.Row)


def check_task_open(task_uuid: str, status: str) -> None:
    """Step actions need an unfinished task: IllegalAction otherwise."""
    if T(status) in TERMINAL_TASK_STATES:
        raise IllegalAction(
            f"task {short_id(task_uuid)} is {status}; step actions need an unfinished task"
        )


@dataclass(frozen=True)
class StepAction:
    """An operator's action on one step, as the Store's ``step_action`` receives it."""

    task_uuid: str
    step_name: str
    action: str  # reset, resolve, complete or retry_now (moves.STEP_ACTIONS)
    now: int
    by: str
    reason: str
    results: dict[str, Any] | None  # complete's results (a creator's outcome among them)

    @property
    def closes_creator(self) -> bool:
        """Resolving or completing a decision or batchable step by hand closes it as a
        creator, as finishing an attempt does."""
        return self.action in ("resolve", "complete")

    @property
    def reevaluation_reason(self) -> str:
        return f"{self.action} {self.step_name}: {self.reason}"


def no_step(act: StepAction, names: Iterable[str]) -> StepNotFound:
    """The error for a step name the task does not have, listing the ones it has."""
    return StepNotFound(
        f"task {short_id(act.task_uuid)} has no step '{act.step_name}'; "
        f"its steps: {', '.join(names)}"
    )


def step_move(row: moves.Row, act: StepAction) -> moves.Move:
    """The move the action makes of the step ``row``, checked against the transition table:
    IllegalAction, saying what the action needs, when the step's state does not allow it."""
    try:
        move = moves.step_action_move(row, act.action, act.now, act.by, act.reason, act.results)
        check_step(row["name"], moves.step_state(row["state"]), move.to_state)
    except IllegalTransition:
        needs = moves.STEP_ACTIONS[act.action][1]
        raise IllegalAction(
            f"step '{act.step_name}' of task {short_id(act.task_uuid)} is {row['state']}; {needs}"
        ) from None
    return move


@contextmanager
def outcome_checked() -> Iterator[None]:
    """Around closing a creator by hand: an outcome naming what the step may not create is
    the operator's mistake, an IllegalAction (the transaction writes nothing)."""
    try:
        yield
    except InvalidOutcome as exc:
        raise IllegalAction(str(exc)) from None


def task_target(task_uuid: str, status: str, action: str) -> T:
    """The state a task action moves the task to: ``cancel`` (an unfinished task) or
    ``give_up`` (a task blocked by failures); IllegalAction when its state does not allow it."""
    state = T(status)
    short = short_id(task_uuid)
    if action == "cancel":
        if state in TERMINAL_TASK_STATES:
            raise IllegalAction(f"task {short} is {state}; only unfinished tasks can be cancelled")
        return T.CANCELLED
    if action == "give_up":
        if state is not T.BLOCKED_BY_FAILURES:
            raise IllegalAction(
                f"task {short} is {state}; give-up needs a task that is blocked_by_failures"
            )
        return T.ERROR
    raise ValueError(f"unknown task action {action}")


def steps_to_cancel(rows: Sequence[RowT]) -> list[RowT]:
    """The steps a task's cancel moves to cancelled: the unfinished ones not running (a
    running one is asked to stop, and becomes cancelled when its attempt returns)."""
    return [
        row
        for row in rows
        if row["state"] != S.IN_PROGRESS and S(row["state"]) not in TERMINAL_STEP_STATES
    ]


def failed_after(action: str) -> int | None:
    """The task's failed-step count after the action (None: unchanged). Cancelling moves
    failed steps to cancelled: none is left in error to count."""
    return 0 if action == "cancel" else None


# A context edit's audit row: the task stays in its state; the metadata holds the masked diff.
CONTEXT_EDIT_AUDIT = (
    'INSERT INTO task_transitions (task_uuid, from_state, to_state, at, "by", reason, metadata)'
    " VALUES (?,?,?,?,?,?,?)"
)


def context_edit_audit(
    task_uuid: str, status: str, now: int, by: str, reason: str, metadata: dict[str, Any]
) -> tuple[Any, ...]:
    """An edit of a task's context: refused (IllegalAction) once the task has finished; else
    the parameters of its ``CONTEXT_EDIT_AUDIT`` row."""
    if T(status) in TERMINAL_TASK_STATES:
        raise IllegalAction(
            f"task {short_id(task_uuid)} is {status}; only an unfinished task's context can change"
        )
    return (task_uuid, status, status, now, by, reason, moves.dumps(metadata))
