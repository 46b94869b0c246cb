"""Tasker's handler-facing types (``tasker_core.types``)."""

from __future__ import annotations

from engine.handlers.batching import (
    BatchAggregationScenario,
    BatchAnalyzerOutcome,
    BatchWorkerConfig,
    BatchWorkerContext,
    BatchWorkerOutcome,
    CursorConfig,
    FailureStrategy,
)
from engine.handlers.context import StepContext
from engine.handlers.decision import DecisionPointOutcome, DecisionType
from engine.handlers.results import ErrorType, StepHandlerResult
from tasker_core.models import (
    BootstrapConfig,
    BootstrapResult,
    ComponentHealth,
    DomainEventMetadata,
    FfiDispatchMetrics,
    FfiStepEvent,
    HealthCheck,
    InProcessDomainEvent,
    LogContext,
    ResultStatus,
    StarvationWarning,
    StepError,
    StepExecutionResult,
    StepHandlerCallResult,
    WorkerConfig,
    WorkerMetrics,
    WorkerState,
    WorkerStatus,
)

__all__ = [
    "BatchAggregationScenario",
    "BatchAnalyzerOutcome",
    "BatchWorkerConfig",
    "BatchWorkerContext",
    "BatchWorkerOutcome",
    "BootstrapConfig",
    "BootstrapResult",
    "ComponentHealth",
    "CursorConfig",
    "DecisionPointOutcome",
    "DecisionType",
    "DomainEventMetadata",
    "ErrorType",
    "FailureStrategy",
    "FfiDispatchMetrics",
    "FfiStepEvent",
    "HealthCheck",
    "InProcessDomainEvent",
    "LogContext",
    "ResultStatus",
    "StarvationWarning",
    "StepContext",
    "StepError",
    "StepExecutionResult",
    "StepHandlerCallResult",
    "StepHandlerResult",
    "WorkerConfig",
    "WorkerMetrics",
    "WorkerState",
    "WorkerStatus",
]
