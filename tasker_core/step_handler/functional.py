"""Tasker's functional DSL (``tasker_core.step_handler.functional``)."""

from __future__ import annotations

from engine.handlers.api import api_handler
from engine.handlers.batching import BatchConfig
from engine.handlers.decision import Decision
from engine.handlers.functional import depends_on, inputs, step_handler
from engine.handlers.functional_flow import batch_analyzer, batch_worker, decision_handler

__all__ = [
    "BatchConfig",
    "Decision",
    "api_handler",
    "batch_analyzer",
    "batch_worker",
    "decision_handler",
    "depends_on",
    "inputs",
    "step_handler",
]
