"""Tasker's HTTP API handler (``tasker_core.step_handler.api``), on httpx."""

from __future__ import annotations

from engine.handlers.api import ApiHandler, APIMixin, api_handler, use_http
from engine.handlers.api_response import ApiResponse
from engine.handlers.http_rules import parse_retry_after

__all__ = ["APIMixin", "ApiHandler", "ApiResponse", "api_handler", "parse_retry_after", "use_http"]
