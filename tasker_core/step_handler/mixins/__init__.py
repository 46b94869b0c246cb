"""Tasker's handler mixins (``tasker_core.step_handler.mixins``): HTTP calls and decisions."""

from __future__ import annotations

from engine.handlers.api import APIMixin
from engine.handlers.decision import DecisionMixin

__all__ = ["APIMixin", "DecisionMixin"]
