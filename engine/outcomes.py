"""What one attempt of a step produced: results, or an error with its classification.

The handler layer turns whatever a handler returned or raised into an ``Outcome``; the
pure ``lifecycle.decide()`` turns an ``Outcome`` into the step's next state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from engine.error_limits import capped_parts


class ErrorType(StrEnum):
    """How a failed attempt is classified; the stored ``error.error_type`` string."""

    PERMANENT_ERROR = "permanent_error"  # a PermanentError: no retry will fix it
    RETRYABLE_ERROR = "retryable_error"  # a RetryableError: retry with backoff
    HANDLER_ERROR = "handler_error"  # any other exception: retried, shown as unclassified
    HANDLER_TIMEOUT = "handler_timeout"  # the step ran past timeout_seconds: retried
    HANDLER_NOT_FOUND = "handler_not_found"  # the callable resolves to nothing: permanent
    VALIDATION_ERROR = "validation_error"  # inputs failed their model: permanent


# The console's error class column: what an operator needs to know at a glance.
ERROR_CLASS = {
    ErrorType.PERMANENT_ERROR: "PERMANENT",
    ErrorType.HANDLER_NOT_FOUND: "PERMANENT",
    ErrorType.VALIDATION_ERROR: "PERMANENT",
    ErrorType.RETRYABLE_ERROR: "RETRYABLE",
    ErrorType.HANDLER_ERROR: "UNCLASSIFIED",
    ErrorType.HANDLER_TIMEOUT: "TIMEOUT",
}


@dataclass(frozen=True)
class StepError:
    """A failed attempt: what went wrong and whether a retry may help."""

    error_type: str
    message: str
    retryable: bool
    error_code: str | None = None
    retry_after_s: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    traceback: str | None = None

    def __post_init__(self) -> None:
        """Keep at most what ``error_limits`` allows of each part (a handler's error can be
        any size), as strict JSON."""
        message, code, traceback, metadata = capped_parts(
            self.message, self.error_code, self.traceback, self.metadata
        )
        for name, value in (
            ("message", message),
            ("error_code", code),
            ("traceback", traceback),
            ("metadata", metadata),
        ):
            if value is not getattr(self, name):
                object.__setattr__(self, name, value)

    def to_json(self) -> dict[str, Any]:
        """The ``error`` object of DESIGN §4 (plus metadata and traceback for the detail view)."""
        return {
            "error_type": self.error_type,
            "message": self.message,
            "error_code": self.error_code,
            "retryable": self.retryable,
            "retry_after": self.retry_after_s,
            "metadata": self.metadata,
            "traceback": self.traceback,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepError:
        return cls(
            error_type=data["error_type"],
            message=data["message"],
            retryable=bool(data["retryable"]),
            error_code=data.get("error_code"),
            retry_after_s=data.get("retry_after"),
            metadata=data.get("metadata") or {},
            traceback=data.get("traceback"),
        )


@dataclass(frozen=True)
class Outcome:
    """The result of one attempt: ``results`` on success, ``error`` on failure."""

    results: dict[str, Any] | None = None
    error: StepError | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    # ``results`` as the store keeps them, when the handler layer already serialised them to
    # check them (json_limits.stored_text): the store writes this text instead of again.
    results_text: str | None = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None

    @classmethod
    def success(
        cls,
        results: dict[str, Any],
        metadata: dict[str, Any] | None = None,
        results_text: str | None = None,
    ) -> Outcome:
        return cls(results=results, metadata=metadata or {}, results_text=results_text)

    @classmethod
    def failure(cls, error: StepError) -> Outcome:
        return cls(error=error)
