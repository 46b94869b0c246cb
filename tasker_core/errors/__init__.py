"""Tasker's error classes (``tasker_core.errors``); see ``engine.handlers.errors`` for the tree.

``tasker_core.errors.error_classifier`` says whether any exception is worth a retry; the
worker-lifecycle errors (``WorkerBootstrapError``…) keep Tasker's names for code that catches
them.
"""

from __future__ import annotations

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
from tasker_core.errors.error_classifier import (
    ErrorClassifier,
    get_classifier,
    is_permanent,
    is_retryable,
)


class WorkerNotInitializedError(TaskerError):
    """A worker call was made before a worker was started."""


class WorkerBootstrapError(TaskerError):
    """A worker could not be started."""


class WorkerAlreadyRunningError(TaskerError):
    """A second worker was started in the same process."""


class FFIError(TaskerError):
    """A call across Tasker's Rust boundary failed (kept for code that catches it)."""


class ConversionError(TaskerError):
    """A value could not be converted between Tasker's representations."""


__all__ = [
    "AuthenticationError",
    "AuthorizationError",
    "BusinessLogicError",
    "ConfigurationError",
    "ConversionError",
    "ErrorClassifier",
    "FFIError",
    "NetworkError",
    "NotFoundError",
    "PermanentError",
    "RateLimitError",
    "ResourceContentionError",
    "RetryableError",
    "ServiceUnavailableError",
    "TaskerError",
    "TimeoutError",
    "ValidationError",
    "WorkerAlreadyRunningError",
    "WorkerBootstrapError",
    "WorkerNotInitializedError",
    "get_classifier",
    "is_permanent",
    "is_retryable",
]
