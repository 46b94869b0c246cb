"""Tasker's handler-facing types (``tasker_core.types``)."""

from __future__ import annotations

from engine.handlers.context import StepContext
from engine.handlers.results import ErrorType, StepHandlerResult

__all__ = ["ErrorType", "StepContext", "StepHandlerResult"]
