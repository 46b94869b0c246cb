"""Tasker's decision handlers (``tasker_core.step_handler.decision``)."""

from __future__ import annotations

from engine.handlers.decision import Decision, DecisionHandler, DecisionMixin

__all__ = ["Decision", "DecisionHandler", "DecisionMixin"]
