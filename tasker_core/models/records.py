"""Tasker's record types for a step's execution and its dispatch (``tasker_core.models``).

These are the shapes Tasker's Python worker passes around: the event that asks for a step
(``FfiStepEvent``), what comes back (``StepExecutionResult`` with a ``StepError``), and the
dispatch channel's health figures. Here they are plain validated records; the engine runs
steps itself and builds a handler's ``StepContext`` from an ``FfiStepEvent`` in tests.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class ResultStatus(StrEnum):
    """How a step's execution ended, as Tasker reports it."""

    SUCCESS = "completed"
    FAILURE = "error"
    RETRYABLE_ERROR = "retryable_error"
    PERMANENT_ERROR = "permanent_error"


class StepError(BaseModel):
    """Why a step failed: its kind, message, whether a retry may help."""

    error_type: str
    message: str
    stack_trace: str | None = None
    retryable: bool = True
    metadata: dict[str, Any] = Field(default_factory=dict)


class StepExecutionResult(BaseModel):
    """One execution of one step: success with ``result``, or failure with ``error``."""

    step_uuid: UUID
    task_uuid: UUID
    success: bool
    status: str
    execution_time_ms: int = 0
    result: dict[str, Any] | None = None
    error: StepError | None = None
    worker_id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def success_result(
        cls,
        step_uuid: UUID,
        task_uuid: UUID,
        result: dict[str, Any] | None = None,
        execution_time_ms: int = 0,
        worker_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> StepExecutionResult:
        return cls(
            step_uuid=step_uuid,
            task_uuid=task_uuid,
            success=True,
            status=ResultStatus.SUCCESS.value,
            execution_time_ms=execution_time_ms,
            result=result if result is not None else {},
            worker_id=worker_id,
            metadata=metadata or {},
        )

    @classmethod
    def failure_result(
        cls,
        step_uuid: UUID,
        task_uuid: UUID,
        error: StepError,
        execution_time_ms: int = 0,
        worker_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> StepExecutionResult:
        status = ResultStatus.RETRYABLE_ERROR if error.retryable else ResultStatus.PERMANENT_ERROR
        return cls(
            step_uuid=step_uuid,
            task_uuid=task_uuid,
            success=False,
            status=status.value,
            execution_time_ms=execution_time_ms,
            error=error,
            worker_id=worker_id,
            metadata=metadata or {},
        )


class FfiStepEvent(BaseModel):
    """A request to run one step: ids and the step's ``task_sequence_step`` payload.

    ``StepContext.from_ffi_event(event, handler_name)`` turns it into a handler's context.
    """

    model_config = ConfigDict(frozen=True)

    event_id: str
    task_uuid: str
    step_uuid: str
    correlation_id: str
    task_sequence_step: dict[str, Any]
    trace_id: str | None = None
    span_id: str | None = None


class FfiDispatchMetrics(BaseModel):
    """How many step events wait to be dispatched, and for how long."""

    pending_count: int
    oldest_pending_age_ms: int | None = None
    newest_pending_age_ms: int | None = None
    oldest_event_id: str | None = None
    starvation_detected: bool = False
    starving_event_count: int = 0


class StarvationWarning(BaseModel):
    """A step event that waited longer than the threshold."""

    event_id: UUID
    step_uuid: UUID
    pending_duration_ms: int
    threshold_ms: int


class DomainEventMetadata(BaseModel):
    """Where a domain event came from."""

    task_uuid: UUID
    step_uuid: UUID | None = None
    step_name: str | None = None
    namespace: str | None = None
    correlation_id: UUID
    fired_at: str
    fired_by: str


class InProcessDomainEvent(BaseModel):
    """A domain event delivered inside the worker's process."""

    event_id: UUID
    event_name: str
    event_version: str = "1.0"
    metadata: DomainEventMetadata
    payload: dict[str, Any] = Field(default_factory=dict)
