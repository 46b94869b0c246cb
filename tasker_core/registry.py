"""Tasker's handler registry (``tasker_core.registry``)."""

from __future__ import annotations

from engine.handlers.errors import HandlerNotFound
from engine.handlers.registry import HandlerRegistry, ResolvedHandler

__all__ = ["HandlerNotFound", "HandlerRegistry", "ResolvedHandler"]
