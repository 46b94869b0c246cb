"""The errors a handler raises to steer its own retries, and the engine's resolution errors.

Tasker's tree (``tasker_core.errors``), with how each attempt is classified::

    Exception
    └── TaskerError(message, *, retryable, metadata, error_code, retry_after, context)
        │                                   → handler_error, retried if .retryable
        ├── RetryableError                  → retryable_error, retried with backoff
        │   ├── TimeoutError
        │   ├── NetworkError
        │   ├── RateLimitError
        │   ├── ServiceUnavailableError
        │   └── ResourceContentionError
        └── PermanentError                  → permanent_error, never retried
            ├── ValidationError
            ├── NotFoundError
            ├── AuthenticationError
            ├── AuthorizationError
            ├── ConfigurationError
            └── BusinessLogicError

Any other exception is retried as an unclassified ``handler_error``. ``retry_after``
(seconds) raises the next backoff delay to at least that value.

``HandlerNotFound`` and ``HandlerModuleError`` are the engine's own: a template naming a
callable that resolves to nothing, and a ``--handlers`` module that cannot be imported.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthenticationError",
    "AuthorizationError",
    "BusinessLogicError",
    "ConfigurationError",
    "HandlerModuleError",
    "HandlerNotFound",
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
]


class TaskerError(Exception):
    """Base of the errors a handler raises on purpose; ``retryable`` defaults to True."""

    default_retryable: bool = True

    def __init__(
        self,
        message: str,
        *,
        retryable: bool | None = None,
        metadata: dict[str, Any] | None = None,
        error_code: str | None = None,
        retry_after: float | None = None,
        context: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = self.default_retryable if retryable is None else retryable
        self.error_code = error_code
        self.retry_after = retry_after
        self.context = dict(context or {})
        # Tasker copies the code, the delay and the context into metadata; so do we.
        self.metadata: dict[str, Any] = dict(metadata or {})
        if error_code is not None:
            self.metadata.setdefault("error_code", error_code)
        if retry_after is not None:
            self.metadata.setdefault("retry_after", retry_after)
        self.metadata.update(self.context)

    def to_dict(self) -> dict[str, Any]:
        return {
            "error_type": type(self).__name__,
            "message": self.message,
            "retryable": self.retryable,
            "metadata": self.metadata,
        }


class RetryableError(TaskerError):
    """A transient failure: the step waits for retry while attempts remain."""

    default_retryable = True


class PermanentError(TaskerError):
    """A failure no retry will fix: the step goes to ``error`` at once."""

    default_retryable = False


class TimeoutError(RetryableError):  # Tasker's name; shadows the builtin here on purpose
    """An operation the handler called timed out."""


class NetworkError(RetryableError):
    """A connection failed or was reset."""


class RateLimitError(RetryableError):
    """The remote side asked us to slow down (pass ``retry_after``)."""


class ServiceUnavailableError(RetryableError):
    """A dependency is down for now."""


class ResourceContentionError(RetryableError):
    """A lock or resource was busy."""


class ValidationError(PermanentError):
    """The input is wrong and will stay wrong."""


class NotFoundError(PermanentError):
    """Something the step needs does not exist."""


class AuthenticationError(PermanentError):
    """Credentials were missing or rejected."""


class AuthorizationError(PermanentError):
    """The credentials are valid but not allowed to do this."""


class ConfigurationError(PermanentError):
    """The handler or its ``initialization`` is misconfigured."""


class BusinessLogicError(PermanentError):
    """A business rule refused the operation (a declined card, say)."""


class HandlerNotFound(LookupError):
    """``handler.callable`` resolves to nothing that may run; the message says why."""

    def __init__(self, callable_name: str, message: str) -> None:
        super().__init__(message)
        self.callable_name = callable_name
        self.message = message


class HandlerModuleError(ImportError):
    """A ``--handlers`` module or file could not be imported; the message is one line."""
