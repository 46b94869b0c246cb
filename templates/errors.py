"""Business errors raised by the workflow services, before Tasker sees them.

The services stay importable without the handler API, so they raise these two classes and
the handler layer (``handler_support.classified_errors``) turns them into Tasker's
``PermanentError`` / ``RetryableError`` with the same message, code and retry delay::

    WorkflowError                  code, message, details
    ├── BusinessRuleError          permanent: no retry will fix it (declined card, empty cart)
    └── TransientError             retryable: try again later (gateway 503, timeout), retry_after
"""

from __future__ import annotations

from typing import Any, ClassVar


class WorkflowError(Exception):
    """A classified failure of a workflow step, with a stable upper-snake error code."""

    retryable: ClassVar[bool] = True

    def __init__(
        self,
        message: str,
        *,
        code: str,
        retry_after: float | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retry_after = retry_after
        self.details = dict(details or {})


class BusinessRuleError(WorkflowError):
    """The request breaks a business rule; retrying the same input cannot succeed."""

    retryable: ClassVar[bool] = False


class TransientError(WorkflowError):
    """A dependency is temporarily unavailable; the same input may succeed later."""

    retryable: ClassVar[bool] = True
