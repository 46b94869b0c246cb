"""Tasker's class-based handler base (``tasker_core.step_handler.base``)."""

from __future__ import annotations

from engine.handlers.base import StepHandler

__all__ = ["StepHandler"]
