"""Run one attempt of a resolved handler and turn whatever happened into an ``Outcome``."""

from __future__ import annotations

import asyncio
import inspect
import json
from typing import Any, cast

from engine.deadlines import TimeLimit
from engine.handlers.classify import result_from_exception, result_from_value
from engine.handlers.context import StepContext
from engine.handlers.errors import HandlerNotFound
from engine.handlers.registry import ResolvedHandler
from engine.handlers.results import StepHandlerResult
from engine.handlers.threads import HandlerThreads
from engine.json_limits import MAX_RESULT_BYTES, NotStorable, TooLarge, stored_text
from engine.outcomes import ErrorType, Outcome, StepError

_STORED_ERROR_TYPES = {member.value for member in ErrorType}


async def call_handler(
    resolved: ResolvedHandler,
    ctx: StepContext,
    threads: HandlerThreads | None = None,
    limit: TimeLimit | None = None,
) -> Outcome:
    """Call the handler once: sync handlers on ``threads`` (the worker's; without them, on
    asyncio's default executor), async ones on this loop. ``limit``, the call's time limit,
    counts from when a sync handler's body starts on its thread.

    Never raises for anything the handler does, ``BaseException`` included (``SystemExit``,
    ``KeyboardInterrupt``, ``GeneratorExit``, a ``CancelledError`` it raised itself): each
    fails the attempt as an unclassified exception would. Only a real cancellation of this
    task (a time limit, an operator, a worker shutting down) propagates, as CancelledError.
    """
    handler = resolved.handler
    to_result = getattr(handler, "_result_for_value", result_from_value)
    try:
        if resolved.is_async:
            value = await resolved.fn(ctx)
        else:
            if threads is None:
                value = await asyncio.to_thread(resolved.fn, ctx)
            else:
                on_submit = None if limit is None else limit.count_from
                value, raised = await threads.call(resolved.fn, ctx, on_submit)
                if raised is not None:
                    return outcome_from_result(_failure(handler, raised))
            if inspect.isawaitable(value):  # a sync handler may hand back a coroutine
                value = await value
        result = to_result(value)
    except Exception as exc:
        result = _failure(handler, exc)
    except BaseException as exc:
        if isinstance(exc, asyncio.CancelledError) and _cancelled_from_outside():
            raise
        result = _failure(handler, exc)
    return outcome_from_result(result)


def _failure(handler: Any, exc: BaseException) -> StepHandlerResult:
    """A failed call's result: through the handler's own classification for an Exception
    (an API handler reads HTTP errors), the common one for anything else."""
    if isinstance(exc, Exception):
        to_failure = getattr(handler, "_result_for_exception", result_from_exception)
        return cast(StepHandlerResult, to_failure(exc))
    return result_from_exception(exc)


def _cancelled_from_outside() -> bool:
    """A CancelledError is this task's real cancellation when someone cancelled the task; one
    a handler raised of its own accord comes with no cancellation requested."""
    task = asyncio.current_task()
    return task is None or task.cancelling() > 0


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
