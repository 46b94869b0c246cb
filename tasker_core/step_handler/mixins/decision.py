"""Tasker's ``DecisionMixin`` (``tasker_core.step_handler.mixins.decision``)."""

from __future__ import annotations

from engine.handlers.decision import DecisionMixin

__all__ = ["DecisionMixin"]
