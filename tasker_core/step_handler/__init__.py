"""Tasker's step handler package (``tasker_core.step_handler``)."""

from __future__ import annotations

from engine.handlers.api import ApiHandler, api_handler
from engine.handlers.base import StepHandler
from engine.handlers.functional import depends_on, inputs, step_handler

__all__ = ["ApiHandler", "StepHandler", "api_handler", "depends_on", "inputs", "step_handler"]
