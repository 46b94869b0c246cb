"""What a class-based handler returns: Tasker's ``StepHandlerResult`` and its ``ErrorType``."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ErrorType(StrEnum):
    """Tasker's error type strings, plus the engine's own two (timeout, not found)."""

    PERMANENT_ERROR = "permanent_error"  # no retry will fix it
    RETRYABLE_ERROR = "retryable_error"  # transient: retry with backoff
    VALIDATION_ERROR = "validation_error"  # the input is wrong: permanent
    TIMEOUT = "timeout"  # an operation the handler called timed out: retryable
    HANDLER_ERROR = "handler_error"  # anything else: retried unless retryable=False
    HANDLER_TIMEOUT = "handler_timeout"  # the step ran past timeout_seconds
    HANDLER_NOT_FOUND = "handler_not_found"  # the callable resolves to nothing

    @classmethod
    def is_standard(cls, error_type: str) -> bool:
        return error_type in {member.value for member in cls}

    @classmethod
    def is_typically_retryable(cls, error_type: str) -> bool:
        return error_type in (cls.RETRYABLE_ERROR.value, cls.TIMEOUT.value)


@dataclass
class StepHandlerResult:
    """Success with ``result`` (a dict dependents can read), or failure with an error.

    ``retry_after`` (seconds) is this project's addition: a failure may ask the backoff to
    wait at least that long, as a raised error's ``retry_after`` does.
    """

    is_success: bool
    result: dict[str, Any] | None = None
    error_message: str | None = None
    error_type: str | None = None
    error_code: str | None = None
    retryable: bool = True
    metadata: dict[str, Any] = field(default_factory=dict)
    retry_after: float | None = None

    @classmethod
    def success(
        cls, result: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None
    ) -> StepHandlerResult:
        return cls(
            is_success=True, result=result if result is not None else {}, metadata=metadata or {}
        )

    @classmethod
    def failure(
        cls,
        message: str,
        error_type: str = ErrorType.HANDLER_ERROR,
        retryable: bool = True,
        metadata: dict[str, Any] | None = None,
        error_code: str | None = None,
        *,
        retry_after: float | None = None,
    ) -> StepHandlerResult:
        return cls(
            is_success=False,
            error_message=message,
            error_type=str(error_type),
            error_code=error_code,
            retryable=retryable,
            metadata=metadata or {},
            retry_after=retry_after,
        )

    def is_success_result(self) -> bool:
        return self.is_success

    def is_failure_result(self) -> bool:
        return not self.is_success

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape Tasker uses (``success`` rather than ``is_success``)."""
        return {
            "success": self.is_success,
            "result": self.result,
            "error_message": self.error_message,
            "error_type": self.error_type,
            "error_code": self.error_code,
            "retryable": self.retryable,
            "metadata": self.metadata,
        }
