"""Tasker's REST API components as the engine's views: pure conversions, no requests.

``console.remote`` (the requests) and ``console.remote_views`` (the views the console adds to
the API's routes) turn each response through these.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


class RemoteError(Exception):
    """A request the server refused or could not get; ``str()`` is one line."""


def ms(text: str | None) -> int | None:
    """An ISO 8601 time from the API as epoch milliseconds."""
    if not text:
        return None
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def list_row(task: dict[str, Any]) -> dict[str, Any]:
    """A TaskResponse as the engine's list row (``engine.store.views.task_view``)."""
    keys = ("task_uuid", "name", "namespace", "version", "status", "total_steps")
    row = {k: task[k] for k in keys}
    row.update(
        completed_steps=task["completed_steps"],
        failed_steps=task["failed_steps"],
        completion_percentage=task["completion_percentage"],
        initiator=task.get("initiator"),
        source_system=task.get("source_system"),
        reason=task.get("reason"),
        created_at=ms(task["created_at"]),
        updated_at=ms(task["updated_at"]),
        completed_at=ms(task.get("completed_at")),
    )
    return row


def step_view(step: dict[str, Any]) -> dict[str, Any]:
    """A StepResponse as the engine's step view; what the API lacks is None."""
    finished = step.get("completed_at") or step.get("last_failure_at")
    return {
        "step_uuid": step["step_uuid"],
        "name": step["name"],
        "current_state": step["current_state"],
        "attempts": step["attempts"],
        "max_attempts": step["max_attempts"],
        "retryable": step.get("retryable"),
        "retry_eligible": step["retry_eligible"],
        "next_retry_at": ms(step.get("next_retry_at")),
        "last_attempted_at": ms(step.get("last_attempted_at")),
        "started_at": ms(step.get("last_attempted_at")),
        "finished_at": ms(finished),
        "dependencies": list(step.get("dependencies") or []),
        "handler": None,
        "results": step.get("results"),
        "error": step.get("error"),
        "backoff_ms": None,
        "backoff_rule": None,
        "retry": None,
        "timeout_seconds": None,
        "cancel_requested": False,
        "template_step": step["name"],
        "inputs": None,
        "checkpoint": None,
    }


def audit_row(record: dict[str, Any]) -> dict[str, Any]:
    """A StepAuditResponse as the engine's audit row."""
    return {
        "from_state": record.get("from_state"),
        "to_state": record["to_state"],
        "at": ms(record["recorded_at"]),
        "by": record.get("by") or record.get("worker_uuid") or "",
        "reason": record.get("reason"),
        "metadata": record.get("result"),
        "step_name": record["step_name"],
        "attempt": record.get("attempt"),
    }


def fingerprint(task: dict[str, Any]) -> tuple[Any, ...]:
    return (
        task["status"],
        task["updated_at"],
        tuple((s["name"], s["current_state"], s["attempts"]) for s in task.get("steps", [])),
    )


def grid_step(step: dict[str, Any]) -> dict[str, Any]:
    """A step of a TaskResponse or a StepResponse as a grid cell's step (the API does not say
    which template step a clone came from: each step is its own column)."""
    error = step.get("error") or {}
    return {
        "name": step["name"], "template_step": step["name"],
        "current_state": step["current_state"], "attempts": step.get("attempts") or 0,
        "error_code": error.get("error_code"), "error_type": error.get("error_type"),
    }  # fmt: skip
