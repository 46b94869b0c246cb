"""Run a handler for each step event published on the bridge (``StepExecutionSubscriber``).

Tasker's worker uses it to dispatch the step events its Rust core polls. Here it serves
in-process dispatch: publish an ``FfiStepEvent`` as ``step.execution.received`` and the
handler named by its ``step_definition.handler.callable`` runs; its ``StepExecutionResult``
is published as ``step.completion.sent``. The engine's worker does not go through it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import time
import traceback
from typing import Any
from uuid import UUID

from engine.handlers.classify import result_from_value
from engine.handlers.context import StepContext
from engine.handlers.registry import HandlerRegistry
from engine.handlers.results import ErrorType, StepHandlerResult
from tasker_core.events import EventBridge, EventNames
from tasker_core.models import FfiStepEvent, StepError, StepExecutionResult


class StepExecutionError(Exception):
    """A step could not be executed; carries Tasker's ``error_type`` and ``retryable``."""

    def __init__(
        self, message: str, error_type: str = "step_execution_error", retryable: bool = True
    ) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.retryable = retryable


class StepExecutionSubscriber:
    """Listens for step events on ``bridge`` and runs the handlers ``registry`` resolves."""

    def __init__(self, bridge: EventBridge, registry: HandlerRegistry, worker_id: str) -> None:
        self._bridge = bridge
        self._registry = registry
        self._worker_id = worker_id
        self._active = False

    @property
    def worker_id(self) -> str:
        return self._worker_id

    @property
    def is_active(self) -> bool:
        return self._active

    def start(self) -> None:
        if not self._active:
            self._bridge.subscribe(EventNames.STEP_EXECUTION_RECEIVED, self._handle_execution_event)
            self._active = True

    def stop(self) -> None:
        if self._active:
            self._bridge.unsubscribe(
                EventNames.STEP_EXECUTION_RECEIVED, self._handle_execution_event
            )
            self._active = False

    def _handle_execution_event(self, event: FfiStepEvent) -> None:
        started = time.monotonic()
        name = self._get_handler_name(event)
        handler = self._registry.resolve(name)
        if handler is None:
            result = self._create_handler_not_found_result(name)
        else:
            try:
                result = self._execute_handler(event, handler)
            except Exception as exc:
                self._bridge.publish(EventNames.HANDLER_ERROR, event, exc)
                result = self._create_error_result(exc)
        self._submit_result(event, result, int((time.monotonic() - started) * 1000))

    def _get_handler_name(self, event: FfiStepEvent) -> str:
        payload = event.task_sequence_step or {}
        definition = payload.get("step_definition") or {}
        template = payload.get("step_template") or {}
        row = payload.get("workflow_step") or {}
        handler = definition.get("handler") or {}
        return str(
            handler.get("callable")
            or template.get("handler_class")
            or row.get("template_step_name")
            or "unknown_handler"
        )

    def _execute_handler(self, event: FfiStepEvent, handler: Any) -> StepHandlerResult:
        """Call the handler (awaiting an ``async def`` one); its exceptions propagate."""
        context = StepContext.from_ffi_event(event, self._get_handler_name(event))
        value = handler.call(context)
        if inspect.isawaitable(value):
            value = _run_coroutine(value)
        to_result = getattr(handler, "_result_for_value", result_from_value)
        result: StepHandlerResult = to_result(value)
        return result

    def _create_handler_not_found_result(self, name: str) -> StepHandlerResult:
        return StepHandlerResult.failure(
            f"Handler not found: {name}", ErrorType.HANDLER_NOT_FOUND, retryable=False
        )

    def _create_error_result(self, exc: BaseException) -> StepHandlerResult:
        return StepHandlerResult.failure(
            str(exc),
            type(exc).__name__,
            retryable=bool(getattr(exc, "retryable", True)),
            metadata={"traceback": "".join(traceback.format_exception(exc))},
        )

    def _submit_result(
        self, event: FfiStepEvent, result: StepHandlerResult, execution_time_ms: int
    ) -> None:
        step_uuid, task_uuid = UUID(event.step_uuid), UUID(event.task_uuid)
        if result.is_success:
            done = StepExecutionResult.success_result(
                step_uuid, task_uuid, result.result, execution_time_ms, self._worker_id
            )
        else:
            error = StepError(
                error_type=result.error_type or ErrorType.HANDLER_ERROR,
                message=result.error_message or "",
                retryable=result.retryable,
                metadata=result.metadata,
            )
            done = StepExecutionResult.failure_result(
                step_uuid, task_uuid, error, execution_time_ms, self._worker_id
            )
        self._bridge.publish(EventNames.STEP_COMPLETION_SENT, done)


def _run_coroutine(awaitable: Any) -> Any:
    """Await from synchronous code, also when this thread already runs an event loop."""

    async def wait() -> Any:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(wait())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, wait()).result()
