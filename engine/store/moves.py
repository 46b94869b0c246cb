"""What a store writes when a step moves, whatever the database: the columns of a claim, of an
attempt's decision, of an operator's action, and what the audit row keeps.

Pure: a row is any mapping of column names (``sqlite3.Row``, a psycopg dict row), so every
backend applies exactly the same changes.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from engine import lifecycle, readiness, retry
from engine.ancestor_results import AncestorResults
from engine.error_limits import error_json
from engine.outcomes import ErrorType, Outcome, StepError
from engine.states import IllegalTransition, TaskState
from engine.states import StepState as S
from engine.store.base import ClaimedStep, TaskPlan


class Row(Protocol):
    """A row read by column name: a ``sqlite3.Row``, a psycopg dict row, a dict."""

    def __getitem__(self, key: str, /) -> Any: ...


CLAIM_REASON = "claimed by worker"
START_REASON = "a step started"
# A claim starts a task in these states: with a step of it in progress it is steps_in_process,
# its counters and its other steps' readiness unchanged (what readiness.evaluate decides of the
# rows after the claim), so no re-evaluation is needed. Any other state is re-evaluated.
STARTED_BY_A_CLAIM = frozenset({TaskState.PENDING, TaskState.WAITING_FOR_RETRY})


_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))  # what json.dumps builds per call


def dumps(value: Any) -> str | None:
    return None if value is None else _COMPACT_JSON.encode(value)


def compact_json(value: Any) -> str:
    """``value`` as stored: compact JSON text."""
    return _COMPACT_JSON.encode(value)


@functools.lru_cache(maxsize=4096)
def dependencies(text: str) -> tuple[str, ...]:
    """A stored dependency list (JSON text), parsed once per distinct list: the tasks of one
    template repeat the same few."""
    return tuple(json.loads(text))


@functools.lru_cache(maxsize=1024)
def _retry_policy(text: str) -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(text))


_STATES = {state.value: state for state in S}  # a dict lookup: S(text) costs ten times more


def step_state(text: str) -> S:
    """The stored state text as a StepState (KeyError for text that is not one)."""
    return _STATES[text]


def step_row(row: Row) -> readiness.StepRow:
    """What readiness needs of a stored step (a row with the columns by name)."""
    return readiness_row(
        row["step_uuid"],
        row["name"],
        row["state"],
        row["dependencies"],
        row["ready_at"],
        row["next_retry_at"],
        row["failure_strategy"],
        row["template_step"],
        row["inputs"],
        row["unmet_dependencies"],
    )


def created_readiness(plan: TaskPlan, now_ms: int) -> readiness.Evaluation:
    """A new task's first re-evaluation, from its plan: every step pending, none ready yet."""
    rows = [readiness.StepRow(s.step_uuid, s.name, S.PENDING, s.dependencies, None, None)
            for s in plan.steps]  # fmt: skip
    return readiness.evaluate(TaskState.PENDING, rows, now_ms)


def readiness_row(
    step_uuid: str,
    name: str,
    state: str,
    dependencies_text: str,
    ready_at: int | None,
    next_retry_at: int | None,
    failure_strategy: str | None,
    batch: str | None,
    inputs: str | None,
    unmet: int | None = None,
) -> readiness.StepRow:
    """What readiness needs of a stored step, from its column values as stored."""
    return readiness.StepRow(
        step_uuid,
        name,
        step_state(state),
        dependencies(dependencies_text),
        ready_at,
        next_retry_at,
        failure_strategy == "isolate",
        batch,
        None if batch is None else parallelism(inputs),
        unmet,
    )


def maybe_capped(template_step: str | None, inputs: str | None) -> bool:
    """A clone whose inputs name a parallelism: the step the re-evaluation statements leave
    off the ready list (``parallelism`` decides in Python), the one thing they cannot tell."""
    return template_step is not None and inputs is not None and "parallelism" in inputs


@functools.lru_cache(maxsize=8192)
def parallelism(inputs: str | None) -> int | None:
    """A clone's batch parallelism from its inputs (None: not capped, as before it was kept)."""
    value = json.loads(inputs).get("parallelism") if inputs else None
    return value if isinstance(value, int) and value > 0 else None


@dataclass(frozen=True)
class Move:
    """One step's next state, the reason for its audit row, and the columns that change."""

    to_state: S
    reason: str
    columns: dict[str, Any]
    metadata: dict[str, Any] | None = None


def task_completed_at(to_state: TaskState, now: int) -> int | None:
    """A task moving to ``to_state`` is stamped completed at ``now`` when it finished well
    (complete, or resolved by hand); None leaves its ``completed_at`` as it is."""
    return now if to_state in (TaskState.COMPLETE, TaskState.RESOLVED_MANUALLY) else None


def had_error(row: Row) -> bool:
    """Whether a step row read before a move carried an error: its ``has_error`` flag or its
    ``error`` column, whichever was read (True when neither was)."""
    try:
        return bool(row["has_error"])
    except (KeyError, IndexError):
        pass
    try:
        return row["error"] is not None
    except (KeyError, IndexError):
        return True


def claim_columns(row: Row, worker_id: str, now: int, lease_ms: int) -> dict[str, Any]:
    """A claim counts an attempt, takes the lease and takes the step off the ready list."""
    return {
        "attempts": row["attempts"] + 1,
        "run_count": row["run_count"] + 1,
        "ready_at": None,
        "claimed_by": worker_id,
        "lease_expires_at": now + lease_ms,
        "last_attempted_at": now,
        "started_at": now,
        "cancel_requested": 0,
    }


def decision_move(row: Row, decision: lifecycle.Decision, now: int) -> Move:
    """How a finished attempt moves its step; an operator's cancel request wins."""
    to_state, reason = decision.to_state, decision.reason
    if row["cancel_requested"]:
        to_state, reason = S.CANCELLED, "cancelled by an operator while running"
    columns = {
        "results": _results_text(decision) if to_state is S.COMPLETE else row["results"],
        "error": error_json(decision.error.to_json()) if decision.error else None,
        "next_retry_at": decision.next_retry_at_ms,
        "backoff_ms": decision.backoff_ms,
        "backoff_rule": decision.backoff_rule,
        "claimed_by": None,
        "lease_expires_at": None,
        "finished_at": now,
    }
    return Move(to_state, reason, columns, decision_metadata(decision))


def _results_text(decision: lifecycle.Decision) -> str | None:
    """The results as stored: the text the handler layer checked them as, when it did."""
    if decision.results_text is not None:
        return decision.results_text
    return dumps(decision.results)


def decision_metadata(decision: lifecycle.Decision) -> dict[str, Any] | None:
    """What the audit row keeps of a decision: the error, and the backoff that was chosen."""
    if decision.error is None:
        return None
    meta: dict[str, Any] = {
        "error_type": decision.error.error_type,
        "error_code": decision.error.error_code,
        "message": decision.error.message,
    }
    if decision.next_retry_at_ms is not None:
        meta.update(
            next_retry_at=decision.next_retry_at_ms,
            backoff_ms=decision.backoff_ms,
            backoff_rule=decision.backoff_rule,
        )
    return meta


def lost_worker_decision(row: Row, now: int) -> lifecycle.Decision:
    """The decision for an in_progress step whose lease expired: a retryable failure."""
    lost = StepError(
        error_type=ErrorType.HANDLER_ERROR,
        error_code="worker_lost",
        retryable=True,
        message=f"worker {row['claimed_by']} stopped before finishing (lease expired)",
    )
    policy = retry.RetryPolicy.from_json(json.loads(row["retry_policy"]))
    earlier = row["run_count"] - row["attempts"]
    return lifecycle.decide(
        row["attempts"], Outcome.failure(lost), policy, now, earlier_runs=earlier
    )


STEP_ACTIONS = {
    "reset": (S.PENDING, "reset-step needs a step in error"),
    "resolve": (S.RESOLVED_MANUALLY, "resolve-step needs an unfinished step"),
    "complete": (S.COMPLETE, "complete-step needs an unfinished step"),
    "retry_now": (S.WAITING_FOR_RETRY, "retry-now needs a step waiting for its retry"),
}


def step_action_move(
    row: Row, action: str, now: int, by: str, reason: str, results: dict[str, Any] | None
) -> Move:
    """An operator's reset, resolve or complete of one step (checked later by the table), or
    a retry brought forward to ``now`` (its error and attempts kept: the wait is all it
    changes). Raises IllegalTransition for a retry-now of a step not waiting for its retry."""
    to_state, _ = STEP_ACTIONS[action]
    if action == "retry_now":
        if row["state"] != S.WAITING_FOR_RETRY:
            raise IllegalTransition("step", row["name"], row["state"], to_state)
        due = {"action": action, "was_due_at": row["next_retry_at"]}
        return Move(to_state, reason, {"next_retry_at": now}, due)
    columns: dict[str, Any] = {"claimed_by": None, "lease_expires_at": None}
    metadata: dict[str, Any] = {"action": action}
    # The step's error goes (a finished step shows none); its audit row keeps it.
    columns.update(error=None)
    metadata["previous_error"] = json.loads(row["error"]) if row["error"] else None
    if action == "reset":
        columns.update(attempts=0, next_retry_at=None, backoff_ms=None, backoff_rule=None)
    elif action == "complete":
        columns.update(results=dumps(results or {}), finished_at=now)
        metadata.update(manually_completed=True, completed_by=by)
    if row["state"] == S.IN_PROGRESS:
        columns["cancel_requested"] = 1  # the running attempt is stopped; its result discarded
    return Move(to_state, reason, columns, metadata)


def ancestor_results(parents: Sequence[str], siblings: Mapping[str, Row]) -> AncestorResults:
    """Every ancestor's results (not only the direct parents'), by step name, parsed when the
    step's handler reads them.

    ``siblings`` maps each step name of the task to a row with ``dependencies`` (JSON text)
    and ``results`` (JSON text or None).
    """
    texts = {}
    stack, seen = list(parents), set()
    while stack:
        name = stack.pop()
        if name in seen or name not in siblings:
            continue
        seen.add(name)
        parent = siblings[name]
        stack.extend(dependencies(parent["dependencies"]))
        if parent["results"] is not None:
            texts[name] = parent["results"]
    return AncestorResults(texts)


def claimed_step(row: Row, task: Row, siblings: Mapping[str, Row]) -> ClaimedStep:
    """What the handler of a just-claimed step needs (``row`` as read before the claim)."""
    return ClaimedStep(
        task_uuid=row["task_uuid"],
        step_uuid=row["step_uuid"],
        name=row["name"],
        template_id=task["template_id"],
        attempts=row["attempts"] + 1,
        run_count=row["run_count"] + 1,
        max_attempts=row["max_attempts"],
        retry_policy=dict(_retry_policy(row["retry_policy"])),  # a copy: the parse is shared
        timeout_ms=row["timeout_ms"],
        context=json.loads(task["context"]),
        dependency_results=ancestor_results(dependencies(row["dependencies"]), siblings),
        template_step=row["template_step"],
        inputs=json.loads(row["inputs"]) if row["inputs"] else None,
        checkpoint=json.loads(row["checkpoint"]) if row["checkpoint"] else None,
        failure_strategy=row["failure_strategy"],
    )
