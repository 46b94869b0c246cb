"""One classification for every handler style: a return value or an exception → a result.

Functional handlers, class-based handlers and API handlers all pass through here, so a
``PermanentError`` means the same thing wherever it is raised (DESIGN §3).
"""

from __future__ import annotations

import traceback
from typing import Any

from pydantic import BaseModel

from engine.handlers.errors import PermanentError, RetryableError, TaskerError
from engine.handlers.results import ErrorType, StepHandlerResult


class InputsInvalid(Exception):
    """The task context (or an ancestor's results) failed the handler's declared model."""

    def __init__(
        self, message: str, errors: list[dict[str, str]], error_code: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors
        self.error_code = error_code


def result_from_value(value: Any) -> StepHandlerResult:
    """Wrap a handler's return value as Tasker does.

    dict → success; ``StepHandlerResult`` → unchanged; pydantic model →
    ``model_dump(mode="json")``; None → ``{}``; anything else → ``{"result": value}``.
    """
    if isinstance(value, StepHandlerResult):
        if value.is_success and not isinstance(value.result, dict):
            return StepHandlerResult.success(_as_dict(value.result), value.metadata)
        return value
    return StepHandlerResult.success(_as_dict(value))


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if value is None:
        return {}
    return {"result": value}


def result_from_exception(exc: BaseException) -> StepHandlerResult:
    """Classify an exception a handler raised (DESIGN §3, tasker-behaviour §4.3)."""
    if isinstance(exc, InputsInvalid):
        return StepHandlerResult.failure(
            message=exc.message,
            error_type=ErrorType.VALIDATION_ERROR,
            retryable=False,
            metadata={"errors": exc.errors},
            error_code=exc.error_code,
        )
    if isinstance(exc, TaskerError):
        if isinstance(exc, PermanentError):
            error_type, retryable = ErrorType.PERMANENT_ERROR, False
        elif isinstance(exc, RetryableError):
            error_type, retryable = ErrorType.RETRYABLE_ERROR, True
        else:
            error_type, retryable = ErrorType.HANDLER_ERROR, bool(exc.retryable)
        metadata = dict(exc.metadata)
        if type(exc) not in (PermanentError, RetryableError, TaskerError):
            metadata.setdefault("exception_type", type(exc).__name__)
        return StepHandlerResult.failure(
            message=exc.message or type(exc).__name__,
            error_type=error_type,
            retryable=retryable,
            metadata=metadata,
            error_code=exc.error_code,
            retry_after=_seconds(exc.retry_after),
        )
    return StepHandlerResult.failure(
        message=str(exc) or type(exc).__name__,
        error_type=ErrorType.HANDLER_ERROR,
        retryable=True,
        metadata={
            "exception_type": type(exc).__name__,
            "traceback": "".join(traceback.format_exception(exc)),
        },
    )


def _seconds(value: Any) -> float | None:
    try:
        return None if value is None else max(0.0, float(value))
    except (TypeError, ValueError):
        return None
