"""The handler layer: Tasker's handler API, resolution of ``handler.callable``, invocation.

``tasker_core`` re-exports this package under Tasker's module names; the runner uses
``HandlerRegistry.resolve`` and ``call_handler``.
"""

from __future__ import annotations

from engine.handlers.api import ApiHandler, api_handler, use_http
from engine.handlers.base import StepHandler
from engine.handlers.batchable import Batchable
from engine.handlers.batching import BatchConfig, BatchWorkerContext
from engine.handlers.context import StepContext
from engine.handlers.decision import Decision, DecisionHandler, DecisionMixin
from engine.handlers.errors import (
    AuthenticationError,
    AuthorizationError,
    BusinessLogicError,
    ConfigurationError,
    HandlerModuleError,
    HandlerNotFound,
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
from engine.handlers.functional import depends_on, inputs, step_handler
from engine.handlers.functional_flow import batch_analyzer, batch_worker, decision_handler
from engine.handlers.http_rules import parse_retry_after
from engine.handlers.invoke import call_handler, handler_not_found_outcome
from engine.handlers.loading import import_handler_modules
from engine.handlers.registry import HandlerRegistry, ResolvedHandler
from engine.handlers.results import ErrorType, StepHandlerResult

__all__ = [
    "ApiHandler",
    "AuthenticationError",
    "AuthorizationError",
    "BatchConfig",
    "BatchWorkerContext",
    "Batchable",
    "BusinessLogicError",
    "ConfigurationError",
    "Decision",
    "DecisionHandler",
    "DecisionMixin",
    "ErrorType",
    "HandlerModuleError",
    "HandlerNotFound",
    "HandlerRegistry",
    "NetworkError",
    "NotFoundError",
    "PermanentError",
    "RateLimitError",
    "ResolvedHandler",
    "ResourceContentionError",
    "RetryableError",
    "ServiceUnavailableError",
    "StepContext",
    "StepHandler",
    "StepHandlerResult",
    "TaskerError",
    "TimeoutError",
    "ValidationError",
    "api_handler",
    "batch_analyzer",
    "batch_worker",
    "call_handler",
    "decision_handler",
    "depends_on",
    "handler_not_found_outcome",
    "import_handler_modules",
    "inputs",
    "parse_retry_after",
    "step_handler",
    "use_http",
]
