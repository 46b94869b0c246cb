"""Rows as the engine shows them: Tasker's TaskResponse shape, audit rows, ambiguity messages.

Pure: a row is any mapping of column names, so every backend answers in the same shape.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from engine import retry
from engine.ids import short_id
from engine.states import SATISFIES_DEPENDENCIES, StepState
from engine.store.base import AmbiguousPrefix, TaskNotFound
from engine.store.moves import dependencies

Row = Mapping[str, Any]

TASK_LIST_COLUMNS = (  # in the order task_list_view unpacks them
    "task_uuid, name, namespace, version, status, total_steps, completed_steps, failed_steps,"
    " initiator, source_system, reason, created_at, updated_at, completed_at"
)
_LIST_NAMES = tuple(name.strip() for name in TASK_LIST_COLUMNS.split(","))


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def uuid_text(text: str) -> str:
    """What to look a task up by: ``text`` trimmed and lower-cased; TaskNotFound when it cannot
    be the start or end of a uuid."""
    wanted = text.strip().lower()
    if not wanted or any(c not in "0123456789abcdef-" for c in wanted):
        raise TaskNotFound(
            f"'{text}' is not a task uuid, nor its first or last characters (hex digits and -)"
        )
    return wanted


def no_task(task_uuid: str) -> TaskNotFound:
    return TaskNotFound(f"no task {task_uuid}; list tasks with 'tasker task list'")


def the_one(text: str, found: Iterable[str]) -> str:
    """The one uuid ``text`` matched; TaskNotFound or AmbiguousPrefix when it is not one."""
    matches = sorted(set(found))
    if not matches:
        raise TaskNotFound(
            f"no task matches '{text}' (start or end of a uuid); list tasks with 'tasker task list'"
        )
    if len(matches) > 1:
        raise AmbiguousPrefix(ambiguity(text, matches))
    return matches[0]


def ambiguity(text: str, found: list[str]) -> str:
    """One line naming the matches by their tails, which tell them apart."""
    count = str(len(found)) if len(found) <= 5 else "more than 5"
    tails = ", ".join(f"…{short_id(uuid)}" for uuid in found[:5])
    return f"'{text}' matches {count} tasks ({tails}); give one of these tails or more characters"


@functools.lru_cache(maxsize=1024)
def _policy(text: str) -> retry.RetryPolicy:
    """A stored retry policy, parsed once per distinct text: a template's steps share a few."""
    return retry.RetryPolicy.from_json(json.loads(text))


def step_view(row: Row) -> dict[str, Any]:
    policy = _policy(row["retry_policy"])
    attempts = row["attempts"]
    return {
        "step_uuid": row["step_uuid"],
        "name": row["name"],
        "current_state": row["state"],
        "attempts": attempts,
        "max_attempts": row["max_attempts"],
        "attempt": row["run_count"],  # the latest attempt's number: runs ever, as audited
        "retryable": bool(row["retryable"]),
        "retry_eligible": retry.retry_eligible(policy, attempts),
        "next_retry_at": row["next_retry_at"]
        if row["state"] == StepState.WAITING_FOR_RETRY
        else None,
        "last_attempted_at": row["last_attempted_at"],
        "started_at": row["started_at"],
        "finished_at": row["finished_at"],
        "dependencies": list(dependencies(row["dependencies"])),
        "handler": row["handler_callable"],
        "results": loads(row["results"]),
        "error": loads(row["error"]),
        "backoff_ms": row["backoff_ms"],
        "backoff_rule": row["backoff_rule"],
        "retry": policy.to_json(),
        "timeout_seconds": row["timeout_ms"] / 1000,
        "cancel_requested": bool(row["cancel_requested"]),
        "template_step": row["template_step"] or row["name"],
        "inputs": loads(row["inputs"]),
        "checkpoint": loads(row["checkpoint"]),
    }


def task_view(row: Row) -> dict[str, Any]:
    """A task row (any mapping holding the list columns) as Tasker's TaskResponse shows it."""
    return task_list_view([row[name] for name in _LIST_NAMES])


def task_list_view(values: Sequence[Any]) -> dict[str, Any]:
    """``task_view`` of a row selected as TASK_LIST_COLUMNS, read by position: a list of 10,000
    tasks builds this many, and unpacking costs a third of looking up fourteen names."""
    (task_uuid, name, namespace, version, status, total, done, failed,
     initiator, source_system, reason, created_at, updated_at, completed_at) = values  # fmt: skip
    return {
        "task_uuid": task_uuid,
        "name": name,
        "namespace": namespace,
        "version": version,
        "status": status,
        "total_steps": total,
        "completed_steps": done,
        "failed_steps": failed,
        "completion_percentage": round(done / total * 100, 2) if total else 100.0,
        "initiator": initiator,
        "source_system": source_system,
        "reason": reason,
        "created_at": created_at,
        "updated_at": updated_at,
        "completed_at": completed_at,
    }


def execution_status(steps: list[dict[str, Any]], now_ready: bool) -> str:
    states = [s["current_state"] for s in steps]
    if StepState.ERROR in states:
        return "blocked_by_failures"
    if now_ready:
        return "has_ready_steps"
    if StepState.IN_PROGRESS in states:
        return "processing"
    if steps and all(s in SATISFIES_DEPENDENCIES for s in states):
        return "all_complete"
    return "waiting_for_dependencies"


def task_detail(row: Row, step_rows: Sequence[Row]) -> dict[str, Any]:
    """``task get``: the task row and its step rows (in position order) as one view."""
    steps = [step_view(r) for r in step_rows]
    ready = any(r["ready_at"] is not None and r["state"] == StepState.PENDING for r in step_rows)
    view = task_view(row)
    view.update(
        execution_status=execution_status(steps, ready),
        context=json.loads(row["context"]),
        identity_hash=row["identity_hash"],
        idempotency_key=row["idempotency_key"],
        template_id=row["template_id"],
        steps=steps,
    )
    return view


def audit_row(row: Row) -> dict[str, Any]:
    view = {k: row[k] for k in ("from_state", "to_state", "at", "by", "reason")}
    view["metadata"] = loads(row["metadata"])
    return view


def step_audit_row(row: Row) -> dict[str, Any]:
    return {**audit_row(row), "step_name": row["step_name"], "attempt": row["attempt"]}
