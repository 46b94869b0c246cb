"""What ``TaskerClient`` returns: Tasker's typed, frozen response records.

Each has ``from_dict`` (missing optional fields get defaults); ``TaskResponse`` keeps the
whole dict it was made from (``to_dict()``, ``response["key"]``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls) if f.init}
    return {key: value for key, value in data.items() if key in names}


@dataclass(frozen=True)
class TaskResponse:
    """A task as ``tasker task get --json`` shows it (Tasker's TaskResponse)."""

    task_uuid: str = ""
    name: str = ""
    namespace: str = ""
    version: str = ""
    status: str = ""
    execution_status: str | None = None
    completion_percentage: float = 0.0
    total_steps: int = 0
    pending_steps: int | None = None
    in_progress_steps: int | None = None
    completed_steps: int = 0
    failed_steps: int = 0
    ready_steps: int | None = None
    recommended_action: str | None = None
    health_status: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    initiator: str | None = None
    source_system: str | None = None
    reason: str | None = None
    correlation_id: str | None = None
    tags: list[str] | None = None
    created_at: Any = None
    updated_at: Any = None
    completed_at: Any = None
    steps: list[dict[str, Any]] = field(default_factory=list)
    created: bool | None = None  # set by create_task: False when an identical task existed
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskResponse:
        values = _known(cls, data)
        values.pop("raw", None)
        return cls(**values, raw=dict(data))

    @classmethod
    def from_engine(cls, data: dict[str, Any], created: bool | None = None) -> TaskResponse:
        return cls.from_dict({**data, "created": created})

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.raw)
        if self.created is None:
            data.pop("created", None)
        return data

    def __getitem__(self, key: str) -> Any:
        """``task["task_uuid"]`` works too, as with Tasker's hash-returning clients."""
        return self.to_dict()[key]


@dataclass(frozen=True)
class PaginationInfo:
    page: int = 1
    per_page: int = 0
    total_count: int = 0
    total_pages: int = 0
    has_next: bool = False
    has_previous: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PaginationInfo:
        return cls(**_known(cls, data or {}))


@dataclass(frozen=True)
class TaskListResponse:
    """A page of tasks, newest first; iterable like a list."""

    tasks: list[TaskResponse]
    pagination: PaginationInfo = field(default_factory=PaginationInfo)
    limit: int = 50
    offset: int = 0

    @classmethod
    def from_dict(cls, data: dict[str, Any], limit: int = 50, offset: int = 0) -> TaskListResponse:
        tasks = [TaskResponse.from_dict(t) for t in data.get("tasks") or []]
        return cls(tasks, PaginationInfo.from_dict(data.get("pagination") or {}), limit, offset)

    def __iter__(self) -> Iterator[TaskResponse]:
        return iter(self.tasks)

    def __len__(self) -> int:
        return len(self.tasks)


@dataclass(frozen=True)
class StepResponse:
    """One step of a task and where it stands."""

    step_uuid: str = ""
    task_uuid: str = ""
    name: str = ""
    current_state: str = ""
    dependencies_satisfied: bool = False
    retry_eligible: bool = False
    ready_for_execution: bool = False
    total_parents: int = 0
    completed_parents: int = 0
    attempts: int = 0
    max_attempts: int = 0
    created_at: Any = None
    updated_at: Any = None
    last_failure_at: Any = None
    next_retry_at: Any = None
    last_attempted_at: Any = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepResponse:
        return cls(**_known(cls, data))


@dataclass(frozen=True)
class StepAuditResponse:
    """One recorded change of a step."""

    audit_uuid: str = ""
    workflow_step_uuid: str = ""
    transition_uuid: str = ""
    task_uuid: str = ""
    recorded_at: Any = None
    success: bool = False
    step_name: str = ""
    from_state: str | None = None
    to_state: str | None = None
    worker_uuid: str | None = None
    correlation_id: str | None = None
    execution_time_ms: int | None = None
    result: Any = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepAuditResponse:
        return cls(**_known(cls, data))


@dataclass(frozen=True)
class HealthResponse:
    healthy: bool = False
    status: str = ""
    timestamp: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HealthResponse:
        return cls(**_known(cls, data))
