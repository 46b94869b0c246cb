"""The engine's task, step and audit views as Tasker's response components (pure).

``engine.store.views`` gives Tasker's TaskResponse fields the CLI prints; this module adds what
the API's components require and the engine derives (readiness, counts, recommended action) and
renders times as ISO 8601. Ids Tasker keeps and we do not (a template's step, an audit row) are
derived deterministically (uuid5), so the same step or transition always has the same id.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from engine.masking import masked, secret_values
from engine.states import SATISFIES_DEPENDENCIES, StepState

_IDS = uuid.uuid5(uuid.NAMESPACE_DNS, "tasker-console.serve")
_ACTIVE = frozenset({StepState.IN_PROGRESS})
RECOMMENDED = {
    "blocked_by_failures": "handle_failures",
    "has_ready_steps": "execute_ready_steps",
    "processing": "wait_for_completion",
    "all_complete": "finalize_task",
    "waiting_for_dependencies": "wait_for_dependencies",
}


def derived_id(*parts: str) -> str:
    return str(uuid.uuid5(_IDS, "/".join(parts)))


def iso(ms: int | None) -> str | None:
    """Epoch milliseconds as ISO 8601 UTC (``2026-12-07T14:20:19.321Z``)."""
    if ms is None:
        return None
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def shown(task: dict[str, Any], reveal: bool) -> dict[str, Any]:
    """The task with its secrets masked (also where messages quote them), unless revealed."""
    return task if reveal else masked(task, secret_values(task))


def _readiness(step: dict[str, Any], states: dict[str, str], now_ms: int) -> dict[str, Any]:
    parents = step["dependencies"]
    done = sum(1 for p in parents if states.get(p) in SATISFIES_DEPENDENCIES)
    satisfied = done == len(parents)
    state = step["current_state"]
    due = step["next_retry_at"] is None or step["next_retry_at"] <= now_ms
    ready = satisfied and (
        state == StepState.PENDING or (state == StepState.WAITING_FOR_RETRY and due)
    )
    failed_at = step["finished_at"] if step["error"] else None
    return {
        "dependencies_satisfied": satisfied,
        "retry_eligible": step["retry_eligible"],
        "ready_for_execution": ready,
        "total_parents": len(parents),
        "completed_parents": done,
        "attempts": step["attempts"],
        "max_attempts": step["max_attempts"],
        "last_attempted_at": iso(step["last_attempted_at"]),
        "last_failure_at": iso(failed_at),
        "next_retry_at": iso(step["next_retry_at"]),
    }


def step_readiness(task: dict[str, Any], step: dict[str, Any], now_ms: int) -> dict[str, Any]:
    """A step as Tasker's ``StepReadinessStatus`` (inside a TaskResponse)."""
    states = {s["name"]: s["current_state"] for s in task["steps"]}
    return {
        "workflow_step_uuid": step["step_uuid"],
        "task_uuid": task["task_uuid"],
        "named_step_uuid": derived_id(task["template_id"], step["template_step"]),
        "name": step["name"],
        "current_state": step["current_state"],
        "backoff_request_seconds": None,
        **_readiness(step, states, now_ms),
    }


def task_response(task: dict[str, Any], now_ms: int, reveal: bool = False) -> dict[str, Any]:
    """A task (``Engine.get_task``) as Tasker's ``TaskResponse``."""
    task = shown(task, reveal)
    steps = [step_readiness(task, s, now_ms) for s in task["steps"]]
    states = [s["current_state"] for s in task["steps"]]
    failed = task["failed_steps"]
    health = "blocked" if StepState.ERROR in states else "healthy" if not failed else "recovering"
    return {
        "task_uuid": task["task_uuid"],
        "name": task["name"],
        "namespace": task["namespace"],
        "version": task["version"],
        "status": task["status"],
        "created_at": iso(task["created_at"]),
        "updated_at": iso(task["updated_at"]),
        "completed_at": iso(task["completed_at"]),
        "context": task["context"],
        "initiator": task["initiator"] or "",
        "source_system": task["source_system"] or "",
        "reason": task["reason"] or "",
        # No correlation id is stored: the task's own uuid traces it end to end.
        "correlation_id": task["task_uuid"],
        "parent_correlation_id": None,
        "priority": None,
        "tags": None,
        "total_steps": task["total_steps"],
        "pending_steps": states.count(StepState.PENDING),
        "in_progress_steps": sum(1 for s in states if s in _ACTIVE),
        "completed_steps": task["completed_steps"],
        "failed_steps": failed,
        "ready_steps": sum(1 for s in steps if s["ready_for_execution"]),
        "execution_status": task["execution_status"],
        "recommended_action": RECOMMENDED[task["execution_status"]],
        "completion_percentage": float(task["completion_percentage"]),
        "health_status": health,
        "steps": steps,
        # Beyond Tasker's shape: what an operator needs to act (masked like the rest).
        "idempotency_key": task["idempotency_key"],
    }


def step_response(
    task: dict[str, Any], step: dict[str, Any], audit: list[dict[str, Any]], now_ms: int
) -> dict[str, Any]:
    """A step as Tasker's ``StepResponse``; ``audit`` (its transitions) gives its times.

    ``task`` and ``audit`` are already masked (``shown``, ``masked_audit``)."""
    states = {s["name"]: s["current_state"] for s in task["steps"]}
    terminal = step["current_state"] in SATISFIES_DEPENDENCIES
    return {
        "step_uuid": step["step_uuid"],
        "task_uuid": task["task_uuid"],
        "name": step["name"],
        "created_at": iso(audit[0]["at"] if audit else task["created_at"]),
        "updated_at": iso(audit[-1]["at"] if audit else task["updated_at"]),
        "completed_at": iso(step["finished_at"]) if terminal else None,
        "current_state": step["current_state"],
        "results": step["results"],
        **_readiness(step, states, now_ms),
        # Beyond Tasker's shape: why it failed, and what it waits for.
        "error": step["error"],
        "dependencies": step["dependencies"],
        "retryable": step["retryable"],
    }


def masked_audit(task: dict[str, Any], rows: list[dict[str, Any]], reveal: bool) -> Any:
    """Audit rows with the task's secrets masked wherever a reason or metadata quotes them."""
    return rows if reveal else masked(rows, secret_values(task))


def audit_responses(
    task: dict[str, Any], step: dict[str, Any], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A step's transitions (oldest first, as the engine keeps them) as Tasker's
    ``StepAuditResponse`` list, newest first: one record per transition."""
    out = []
    started: int | None = None
    for n, row in enumerate(rows):
        ran_ms = None
        if row["to_state"] == StepState.IN_PROGRESS:
            started = row["at"]
        elif row["from_state"] == StepState.IN_PROGRESS and started is not None:
            ran_ms = row["at"] - started
        record_id = derived_id(step["step_uuid"], "transition", str(n))
        out.append(
            {
                "audit_uuid": record_id,
                "transition_uuid": record_id,
                "workflow_step_uuid": step["step_uuid"],
                "task_uuid": task["task_uuid"],
                "step_name": step["name"],
                "recorded_at": iso(row["at"]),
                "from_state": row["from_state"],
                "to_state": row["to_state"],
                "success": row["to_state"] in SATISFIES_DEPENDENCIES,
                "execution_time_ms": ran_ms,
                "worker_uuid": row["by"] if row["from_state"] == StepState.IN_PROGRESS else None,
                "correlation_id": task["task_uuid"],
                "result": row["metadata"],
                # Beyond Tasker's shape: who did it, why, and in which attempt.
                "by": row["by"],
                "reason": row["reason"],
                "attempt": row["attempt"],
            }
        )
    return out[::-1]
