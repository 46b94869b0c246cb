"""Tasker's ``APIMixin`` (``tasker_core.step_handler.mixins.api``)."""

from __future__ import annotations

from engine.handlers.api import APIMixin
from engine.handlers.api_response import ApiResponse

__all__ = ["APIMixin", "ApiResponse"]
