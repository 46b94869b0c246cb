"""Tasker's Python client (``tasker_core.client``), writing to the local engine's database.

``TaskerClient`` builds Tasker's requests and wraps the answers in Tasker's typed responses;
the calls themselves are the functions of ``tasker_core._tasker_core`` (Tasker's names),
which run against this client's database (``db``, else ``$TASKER_DB``, else ``./tasker.db``).
"""

from __future__ import annotations

from typing import Any

from engine.client import TaskerClient as EngineClient
from engine.client import TaskerClientError
from engine.handlers.client_responses import (
    HealthResponse,
    PaginationInfo,
    StepAuditResponse,
    StepResponse,
    TaskListResponse,
    TaskResponse,
)
from tasker_core import _tasker_core
from tasker_core._tasker_core import bound

DEFAULT_VERSION = "1.0.0"
DEFAULT_REASON = "Task requested"


class TaskerClient(EngineClient):
    """Create, read, list and cancel tasks; synchronous and thread-safe."""

    def create_task(
        self,
        name: str,
        *,
        namespace: str = "default",
        context: dict[str, Any] | None = None,
        version: str | None = DEFAULT_VERSION,
        reason: str | None = DEFAULT_REASON,
        idempotency_key: str | None = None,
        initiator: str | None = None,
        source_system: str | None = None,
        **kwargs: Any,
    ) -> TaskResponse:
        """Create a task; the same identity (or ``idempotency_key``) returns the existing one
        with ``created=False`` instead of a second task."""
        request: dict[str, Any] = {
            "name": name,
            "namespace": namespace,
            "context": context if context is not None else {},
            "version": version,
            "initiator": initiator or self.initiator,
            "source_system": source_system or self.source_system,
            "reason": reason,
            **kwargs,
        }
        if idempotency_key is not None:
            request["idempotency_key"] = idempotency_key
        with bound(self):
            return TaskResponse.from_dict(_tasker_core.client_create_task(request))

    def get_task(self, task_uuid: str) -> TaskResponse:
        """A task by uuid (or any unique prefix), with its steps."""
        with bound(self):
            return TaskResponse.from_dict(_tasker_core.client_get_task(task_uuid))

    def list_tasks(
        self,
        *,
        limit: int = 50,
        offset: int = 0,
        namespace: str | None = None,
        status: str | None = None,
    ) -> TaskListResponse:
        with bound(self):
            page = _tasker_core.client_list_tasks(limit, offset, namespace, status)
        return TaskListResponse.from_dict(page, limit, offset)

    def cancel_task(  # type: ignore[override]
        self, task_uuid: str, reason: str | None = None, by: str | None = None
    ) -> dict[str, Any]:
        """Cancel a task and its unfinished steps (audited with ``by`` and ``reason``); the
        answer as a dict, as Tasker's client gives it (``cancelled``, and the task's fields)."""
        with bound(self):
            if reason is None and by is None:
                return dict(_tasker_core.client_cancel_task(task_uuid))
            return dict(_tasker_core.client_cancel_task(task_uuid, reason, by))

    def list_task_steps(self, task_uuid: str) -> list[StepResponse]:
        with bound(self):
            return [
                StepResponse.from_dict(s) for s in _tasker_core.client_list_task_steps(task_uuid)
            ]

    def get_step(self, task_uuid: str, step_uuid: str) -> StepResponse:
        """One step, by its uuid (or its name)."""
        with bound(self):
            return StepResponse.from_dict(_tasker_core.client_get_step(task_uuid, step_uuid))

    def get_step_audit_history(self, task_uuid: str, step_uuid: str) -> list[StepAuditResponse]:
        with bound(self):
            entries = _tasker_core.client_get_step_audit_history(task_uuid, step_uuid)
        return [StepAuditResponse.from_dict(entry) for entry in entries]

    def health_check(self) -> HealthResponse:
        with bound(self):
            return HealthResponse.from_dict(_tasker_core.client_health_check())


__all__ = [
    "HealthResponse",
    "PaginationInfo",
    "StepAuditResponse",
    "StepResponse",
    "TaskListResponse",
    "TaskResponse",
    "TaskerClient",
    "TaskerClientError",
]
