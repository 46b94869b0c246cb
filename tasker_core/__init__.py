"""Tasker's Python handler and client API, running on this project's local engine.

Handlers written for Tasker's Python worker import from here unchanged::

    from tasker_core import PermanentError, RetryableError, StepHandler, StepContext
    from tasker_core.step_handler.functional import step_handler, inputs, depends_on
    from tasker_core.client import TaskerClient

Everything is re-exported from ``engine.handlers`` (and ``engine.api`` for the client).
"""

from __future__ import annotations

from typing import Any

from engine.handlers.api import ApiHandler
from engine.handlers.base import StepHandler
from engine.handlers.context import StepContext
from engine.handlers.errors import (
    AuthenticationError,
    AuthorizationError,
    BusinessLogicError,
    ConfigurationError,
    NetworkError,
    NotFoundError,
    PermanentError,
    RateLimitError,
    ResourceContentionError,
    RetryableError,
    ServiceUnavailableError,
    TaskerError,
    TimeoutError,
    ValidationError,
)
from engine.handlers.registry import HandlerRegistry
from engine.handlers.results import ErrorType, StepHandlerResult

# Tasker's own top-level aliases for the two names that shadow builtins.
StepTimeoutError = TimeoutError
StepValidationError = ValidationError

__all__ = [
    "ApiHandler",
    "AuthenticationError",
    "AuthorizationError",
    "BusinessLogicError",
    "ConfigurationError",
    "ErrorType",
    "HandlerRegistry",
    "NetworkError",
    "NotFoundError",
    "PermanentError",
    "RateLimitError",
    "ResourceContentionError",
    "RetryableError",
    "ServiceUnavailableError",
    "StepContext",
    "StepHandler",
    "StepHandlerResult",
    "StepTimeoutError",
    "StepValidationError",
    "TaskerClient",
    "TaskerError",
]


def __getattr__(name: str) -> Any:
    # The client pulls in the engine's store; handler-only imports should not pay for it.
    if name == "TaskerClient":
        from tasker_core.client import TaskerClient

        return TaskerClient
    raise AttributeError(f"module 'tasker_core' has no attribute {name!r}")
