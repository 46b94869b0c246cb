"""Tasker's handler-facing types (``tasker_core.types``)."""

from __future__ import annotations

from engine.handlers.batching import (
    BatchAnalyzerOutcome,
    BatchWorkerContext,
    BatchWorkerOutcome,
    CursorConfig,
    FailureStrategy,
)
from engine.handlers.context import StepContext
from engine.handlers.decision import DecisionPointOutcome, DecisionType
from engine.handlers.results import ErrorType, StepHandlerResult

__all__ = [
    "BatchAnalyzerOutcome",
    "BatchWorkerContext",
    "BatchWorkerOutcome",
    "CursorConfig",
    "DecisionPointOutcome",
    "DecisionType",
    "ErrorType",
    "FailureStrategy",
    "StepContext",
    "StepHandlerResult",
]
