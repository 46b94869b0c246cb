"""The failed steps the failures view groups: one SQL text for both backends, and its rows.

``OUTSTANDING_SQL`` reads the steps that carry an error (``steps.error`` is kept while a step is
in error, waiting for its retry or running that retry, and cleared when it completes or an
operator resets or resolves it) in the tasks still open that have started. It starts from
``tasks_by_status``: those tasks are few beside the finished and the new ones, so it stays
cheap at 100k tasks.

``LATEST_FAILURE_SQL`` adds the steps whose error has since been handled: each step's latest
audit row into ``error`` or ``waiting_for_retry`` (its metadata keeps the error), whatever the
step and its task are now: the ``--all`` view's. It reads the audit rows of failures alone,
through ``FAILURES_INDEX`` (schema version 8, both backends), not the whole audit trail.

The placeholder is the only difference between the backends; neither text takes parameters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from engine.states import TERMINAL_TASK_STATES, StepState, TaskState

# A task still open, past ``pending`` (no step of a pending task has been claimed yet, so none
# has failed): a backlog of new tasks costs the read nothing.
OPEN_TASK_STATES = tuple(
    sorted(s.value for s in TaskState if s not in TERMINAL_TASK_STATES | {TaskState.PENDING})
)
FAILED_STEP_STATES = (StepState.ERROR.value, StepState.WAITING_FOR_RETRY.value)

_COLUMNS = (
    "t.task_uuid, t.namespace, t.name AS template, t.version, t.status AS task_status,"
    " t.created_at AS task_created_at, s.name AS step_name, s.state AS step_state,"
    " s.attempts, s.max_attempts, s.error"
)
_OPEN = ", ".join(f"'{state}'" for state in OPEN_TASK_STATES)
_FAILED = ", ".join(f"'{state}'" for state in FAILED_STEP_STATES)

OUTSTANDING_SQL = (
    f"SELECT {_COLUMNS}, s.finished_at AS failed_at, NULL AS audit_error"
    " FROM tasks t JOIN steps s ON s.task_uuid = t.task_uuid"
    f" WHERE t.status IN ({_OPEN}) AND s.error IS NOT NULL"
)
# SQLite's planner, from ANALYZE's few distinct statuses, would scan every task instead.
SQLITE_OUTSTANDING_SQL = OUTSTANDING_SQL.replace(
    "FROM tasks t", "FROM tasks t INDEXED BY tasks_by_status"
)

# Schema version 8: the audit rows of failures, by step (a partial index: the transitions into
# any other state, nearly all of them, cost it nothing).
FAILURES_INDEX = (
    "CREATE INDEX step_transitions_failures ON step_transitions(step_uuid, id)"
    f" WHERE to_state IN ({_FAILED});"
)

LATEST_FAILURE_SQL = (
    "WITH latest AS (SELECT step_uuid, MAX(id) AS id FROM step_transitions"
    f" WHERE to_state IN ({_FAILED}) GROUP BY step_uuid)"
    f" SELECT {_COLUMNS}, a.at AS failed_at, a.metadata AS audit_error"
    " FROM latest JOIN step_transitions a ON a.id = latest.id"
    " JOIN steps s ON s.step_uuid = latest.step_uuid"
    " JOIN tasks t ON t.task_uuid = s.task_uuid"
)


def _json(text: Any) -> Any:
    if text is None or isinstance(text, dict):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return None


def failed_step_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """One failed step as ``Store.failed_steps`` returns it: ``error`` is the step's current
    error, else the one its latest failure's audit row recorded."""
    error = _json(row["error"]) or _json(row["audit_error"]) or {}
    return {
        "task_uuid": row["task_uuid"],
        "namespace": row["namespace"],
        "template": row["template"],
        "version": row["version"],
        "task_status": row["task_status"],
        "task_created_at": row["task_created_at"],
        "step_name": row["step_name"],
        "step_state": row["step_state"],
        "attempts": row["attempts"],
        "max_attempts": row["max_attempts"],
        "has_error": row["error"] is not None,
        "error": {
            "error_type": error.get("error_type"),
            "error_code": error.get("error_code"),
            "message": error.get("message"),
            "retryable": error.get("retryable"),
        },
        "failed_at": row["failed_at"],
    }
