"""Run one attempt of a resolved handler and turn whatever happened into an ``Outcome``."""

from __future__ import annotations

import asyncio
import inspect
import json
from typing import Any, cast

from engine.handlers.classify import result_from_exception, result_from_value
from engine.handlers.context import StepContext
from engine.handlers.errors import HandlerNotFound
from engine.handlers.registry import ResolvedHandler
from engine.handlers.results import StepHandlerResult
from engine.json_limits import MAX_RESULT_BYTES, NotStorable, TooLarge, stored_text
from engine.outcomes import ErrorType, Outcome, StepError

_STORED_ERROR_TYPES = {member.value for member in ErrorType}


async def call_handler(resolved: ResolvedHandler, ctx: StepContext) -> Outcome:
    """Call the handler once: sync handlers on a worker thread, async ones on this loop.

    Never raises for anything the handler does, except ``asyncio.CancelledError``, which
    propagates so the runner can cancel an attempt on timeout or operator request.
    """
    handler = resolved.handler
    to_result = getattr(handler, "_result_for_value", result_from_value)
    to_failure = getattr(handler, "_result_for_exception", result_from_exception)
    try:
        if resolved.is_async:
            value = await resolved.fn(ctx)
        else:
            value = await asyncio.to_thread(resolved.fn, ctx)
            if inspect.isawaitable(value):
                value = await value
        result = to_result(value)
    except Exception as exc:
        result = to_failure(exc)
    return outcome_from_result(result)


def handler_not_found_outcome(exc: HandlerNotFound) -> Outcome:
    """The permanent failure recorded when ``handler.callable`` resolves to nothing."""
    return Outcome.failure(
        StepError(
            error_type=ErrorType.HANDLER_NOT_FOUND,
            message=exc.message,
            retryable=False,
            metadata={"callable": exc.callable_name},
        )
    )


def outcome_from_result(result: StepHandlerResult) -> Outcome:
    """A ``StepHandlerResult`` as the engine stores it."""
    if result.is_success:
        results = result_from_value(result.result).result or {}
        try:
            text = stored_text(results, "the handler's results", MAX_RESULT_BYTES)
        except NotStorable as exc:
            return Outcome.failure(
                StepError(
                    error_type=ErrorType.PERMANENT_ERROR,
                    message=str(exc),
                    retryable=False,
                    error_code=(
                        "result_too_large"
                        if isinstance(exc, TooLarge)
                        else "result_not_serializable"
                    ),
                )
            )
        return Outcome.success(results, _jsonable(result.metadata), text)
    metadata = dict(result.metadata or {})
    traceback = metadata.pop("traceback", None)
    error_type = str(result.error_type or ErrorType.HANDLER_ERROR)
    if error_type not in _STORED_ERROR_TYPES:
        # Keep the handler's own word for it, and store one of the types DESIGN §4 lists.
        metadata["handler_error_type"] = error_type
        error_type = ErrorType.RETRYABLE_ERROR if result.retryable else ErrorType.PERMANENT_ERROR
    return Outcome.failure(
        StepError(
            error_type=error_type,
            message=result.error_message or "the handler reported a failure without a message",
            retryable=bool(result.retryable),
            error_code=result.error_code,
            retry_after_s=_retry_after(result, metadata),
            metadata=_jsonable(metadata),
            traceback=traceback if isinstance(traceback, str) else None,
        )
    )


def _retry_after(result: StepHandlerResult, metadata: dict[str, Any]) -> float | None:
    for value in (
        result.retry_after,
        metadata.get("retry_after_seconds"),
        metadata.get("retry_after"),
    ):
        if value is None:
            continue
        try:
            return max(0.0, float(value))
        except (TypeError, ValueError):
            continue
    return None


def _jsonable(data: dict[str, Any] | None) -> dict[str, Any]:
    """Metadata is for people to read: anything JSON cannot hold is kept as its text."""
    if not data:
        return {}
    try:
        json.dumps(data, allow_nan=False)
        return data
    except (TypeError, ValueError):
        return cast(dict[str, Any], json.loads(json.dumps(data, default=str)))
