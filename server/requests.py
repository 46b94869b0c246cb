"""Request bodies: Tasker's ``TaskRequest`` and ``StepManualAction`` components.

Lenient where Tasker's server fills a value in (``requested_at``, ``correlation_id``, ``tags``,
the initiator); strict about types, so a wrong one is a 400 naming the field.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TaskRequest(_Body):
    name: str = Field(min_length=1)
    namespace: str = Field(min_length=1)
    version: str | None = None  # none: the newest version of the template
    context: dict[str, Any] = Field(default_factory=dict)
    initiator: str | None = None  # none: the caller's name
    source_system: str = "tasker-api"
    reason: str = Field(default="Task requested", max_length=500)
    idempotency_key: str | None = None
    tags: list[str] = Field(default_factory=list)
    requested_at: str | None = None
    correlation_id: str | None = None
    parent_correlation_id: str | None = None
    options: dict[str, Any] | None = None
    priority: int | None = Field(default=None, ge=-100, le=100)


class ManualCompletionData(_Body):
    result: Any
    metadata: Any = None


class ResetForRetry(_Body):
    action_type: Literal["reset_for_retry"]
    reason: str = Field(min_length=1)
    reset_by: str = Field(min_length=1)


class ResolveManually(_Body):
    action_type: Literal["resolve_manually"]
    reason: str = Field(min_length=1)
    resolved_by: str = Field(min_length=1)


class CompleteManually(_Body):
    action_type: Literal["complete_manually"]
    reason: str = Field(min_length=1)
    completed_by: str = Field(min_length=1)
    completion_data: ManualCompletionData


StepManualAction = Annotated[
    ResetForRetry | ResolveManually | CompleteManually, Field(discriminator="action_type")
]


def operator(action: ResetForRetry | ResolveManually | CompleteManually) -> str:
    """Who the body says acts."""
    if isinstance(action, ResetForRetry):
        return action.reset_by
    if isinstance(action, ResolveManually):
        return action.resolved_by
    return action.completed_by


def audited_reason(action: ResetForRetry | ResolveManually | CompleteManually) -> str:
    """The reason as the audit row keeps it; a completion's metadata (which has no column of
    its own) is kept there too rather than dropped."""
    if isinstance(action, CompleteManually) and action.completion_data.metadata is not None:
        metadata = json.dumps(action.completion_data.metadata, ensure_ascii=False)
        return f"{action.reason} (metadata: {metadata})"
    return action.reason
