"""The client calls behind ``tasker_core.client.TaskerClient``, by the names Tasker gives them.

In Tasker these are functions of its Rust extension (``tasker_core._tasker_core``) that talk
to the orchestration server; here each is a plain function over this project's engine and
database, taking and returning the same plain dicts. The database is the one of the
``TaskerClient`` making the call (``bound``), else ``$TASKER_DB`` (a client made on first use).
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from engine.client import TaskerClient as EngineClient

_current: contextvars.ContextVar[EngineClient | None] = contextvars.ContextVar(
    "tasker_client", default=None
)
_default: EngineClient | None = None
_default_lock = threading.Lock()


@contextmanager
def bound(client: EngineClient) -> Iterator[None]:
    """Route the calls made inside the block to ``client``'s database."""
    token = _current.set(client)
    try:
        yield
    finally:
        _current.reset(token)


def _client() -> EngineClient:
    global _default
    found = _current.get()
    if found is not None:
        return found
    with _default_lock:
        if _default is None:
            _default = EngineClient()
        return _default


def client_create_task(request: dict[str, Any]) -> dict[str, Any]:
    """Create the task a Tasker TaskRequest describes; the task, with ``created``."""
    fields = dict(request)
    name, namespace = fields.pop("name"), fields.pop("namespace", "default")
    task, created = _client().create_record(name, namespace=namespace, **fields)
    return task | {"created": created}


def client_get_task(task_uuid: str) -> dict[str, Any]:
    return dict(_client().run(lambda engine: engine.get_task(task_uuid)))


def client_list_tasks(
    limit: int, offset: int, namespace: str | None, status: str | None
) -> dict[str, Any]:
    """A page of tasks and Tasker's pagination block."""
    rows = _client().run(lambda engine: engine.list_tasks(namespace, status, limit, offset))
    page = offset // limit + 1 if limit else 1
    return {
        "tasks": rows,
        "pagination": {
            "page": page,
            "per_page": limit,
            "total_count": offset + len(rows),
            "total_pages": page,
            "has_next": len(rows) == limit,
            "has_previous": offset > 0,
        },
    }


def client_cancel_task(
    task_uuid: str, reason: str | None = None, by: str | None = None
) -> dict[str, Any]:
    """Cancel the task; the task as it is then, with ``cancelled``."""
    client = _client()
    task = client.run(lambda engine: engine.cancel_task(task_uuid, reason, by or client.initiator))
    return dict(task) | {"cancelled": task.get("status") == "cancelled"}


def client_list_task_steps(task_uuid: str) -> list[dict[str, Any]]:
    task = client_get_task(task_uuid)
    return [{**step, "task_uuid": task["task_uuid"]} for step in task.get("steps") or []]


def client_get_step(task_uuid: str, step_uuid: str) -> dict[str, Any]:
    """One step of a task, by its uuid or its name."""
    steps = client_list_task_steps(task_uuid)
    for step in steps:
        if step_uuid in (step.get("step_uuid"), step.get("name")):
            return step
    names = ", ".join(str(s.get("name")) for s in steps)
    raise LookupError(f"task {task_uuid} has no step {step_uuid!r}; its steps: {names}")


def client_get_step_audit_history(task_uuid: str, step_uuid: str) -> list[dict[str, Any]]:
    step = client_get_step(task_uuid, step_uuid)
    entries = _client().run(lambda engine: engine.step_audit(task_uuid, step["name"]))
    return [
        {
            "workflow_step_uuid": step.get("step_uuid", ""),
            "task_uuid": step.get("task_uuid", ""),
            "step_name": step["name"],
            "recorded_at": _iso(entry.get("at")),
            "success": entry.get("to_state") == "complete",
            **entry,
        }
        for entry in entries
    ]


def _iso(ms: Any) -> str | None:
    if not isinstance(ms, int):
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def client_health_check() -> dict[str, Any]:
    """Healthy when the database answers."""
    _client().run(lambda engine: engine.task_counts())
    return {"healthy": True, "status": "ok", "timestamp": datetime.now(UTC).isoformat()}
