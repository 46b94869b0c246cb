"""Tasker's data models (``tasker_core.models``): records, worker shapes, payload wrappers."""

from __future__ import annotations

from tasker_core.models.records import (
    DomainEventMetadata,
    FfiDispatchMetrics,
    FfiStepEvent,
    InProcessDomainEvent,
    ResultStatus,
    StarvationWarning,
    StepError,
    StepExecutionResult,
)
from tasker_core.models.worker import (
    BootstrapConfig,
    BootstrapResult,
    ComponentHealth,
    HealthCheck,
    LogContext,
    StepHandlerCallResult,
    WorkerConfig,
    WorkerMetrics,
    WorkerState,
    WorkerStatus,
)
from tasker_core.models.wrappers import (
    DependencyResultsWrapper,
    HandlerWrapper,
    StepDefinitionWrapper,
    TaskSequenceStepWrapper,
    TaskWrapper,
    WorkflowStepWrapper,
)

__all__ = [
    "BootstrapConfig",
    "BootstrapResult",
    "ComponentHealth",
    "DependencyResultsWrapper",
    "DomainEventMetadata",
    "FfiDispatchMetrics",
    "FfiStepEvent",
    "HandlerWrapper",
    "HealthCheck",
    "InProcessDomainEvent",
    "LogContext",
    "ResultStatus",
    "StarvationWarning",
    "StepDefinitionWrapper",
    "StepError",
    "StepExecutionResult",
    "StepHandlerCallResult",
    "TaskSequenceStepWrapper",
    "TaskWrapper",
    "WorkerConfig",
    "WorkerMetrics",
    "WorkerState",
    "WorkerStatus",
    "WorkflowStepWrapper",
]
