"""Tasker's step handler package (``tasker_core.step_handler``)."""

from __future__ import annotations

from engine.handlers.api import ApiHandler, api_handler
from engine.handlers.api_response import ApiResponse
from engine.handlers.base import StepHandler
from engine.handlers.batching import BatchConfig
from engine.handlers.decision import Decision, DecisionHandler
from engine.handlers.functional import depends_on, inputs, step_handler
from engine.handlers.functional_flow import batch_analyzer, batch_worker, decision_handler

__all__ = [
    "ApiHandler",
    "ApiResponse",
    "BatchConfig",
    "Decision",
    "DecisionHandler",
    "StepHandler",
    "api_handler",
    "batch_analyzer",
    "batch_worker",
    "decision_handler",
    "depends_on",
    "inputs",
    "step_handler",
]
