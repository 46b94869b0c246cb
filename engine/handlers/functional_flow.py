"""The functional DSL's decision and batch decorators: ``@decision_handler``,
``@batch_analyzer`` and ``@batch_worker`` (tasker-behaviour §7.1).

Like ``@step_handler`` they register the generated class under ``name``; ``@depends_on``,
``@inputs`` and a ``context`` parameter work the same way.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engine.handlers.base import StepHandler
from engine.handlers.batchable import Batchable, cursor_ranges
from engine.handlers.batching import BatchAnalyzerOutcome, BatchConfig, BatchWorkerOutcome
from engine.handlers.decision import DecisionHandler
from engine.handlers.functional import make_handler_class
from engine.handlers.registry import HandlerRegistry
from engine.handlers.results import StepHandlerResult

if TYPE_CHECKING:
    from engine.handlers.context import StepContext

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _register(fn: Callable[..., Any], name: str, handler_class: type[StepHandler]) -> None:
    fn._handler_class = handler_class  # type: ignore[attr-defined]
    HandlerRegistry.instance().register(name, handler_class)


def decision_handler(name: str, version: str = "1.0.0") -> Decorator:
    """The function returns ``Decision.route([...])`` or ``Decision.skip(reason)``."""

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        _register(fn, name, make_handler_class(fn, name, version, base=DecisionHandler))
        return fn

    return decorator


class BatchAnalyzerHandler(Batchable, StepHandler):
    """Turns a returned ``BatchConfig`` (or ``BatchAnalyzerOutcome``) into batches."""

    worker_template_name: str | None = None

    def _result_for_value(self, value: Any) -> StepHandlerResult:
        if isinstance(value, BatchConfig):
            return self.batch_analyzer_success(
                cursor_configs=cursor_ranges(value.total_items, value.batch_size),
                total_items=value.total_items,
                worker_template_name=self.worker_template_name,
                batch_metadata=value.metadata,
            )
        if isinstance(value, BatchAnalyzerOutcome):
            return self.batch_analyzer_success(
                value, worker_template_name=self.worker_template_name
            )
        return super()._result_for_value(value)


def batch_analyzer(
    name: str, worker_template: str | None = None, version: str = "1.0.0"
) -> Decorator:
    """The function returns ``BatchConfig(total_items, batch_size)``; without
    ``worker_template`` the engine clones the analyzer's only batch_worker step."""

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        base = type(
            f"{fn.__name__}_analyzer",
            (BatchAnalyzerHandler,),
            {"worker_template_name": worker_template, "__module__": fn.__module__},
        )
        _register(fn, name, make_handler_class(fn, name, version, base=base))
        return fn

    return decorator


class BatchWorkerHandler(Batchable, StepHandler):
    """A returned ``BatchWorkerOutcome`` becomes the worker's results."""

    def _result_for_value(self, value: Any) -> StepHandlerResult:
        if isinstance(value, BatchWorkerOutcome):
            return self.batch_worker_success(value)
        return super()._result_for_value(value)


def batch_worker(name: str, version: str = "1.0.0") -> Decorator:
    """The function receives ``batch_context`` (a ``BatchWorkerContext``: cursor range,
    checkpoint). The no-op placeholder of a ``no_batches`` outcome succeeds without calling it.
    """

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        params = inspect.signature(fn).parameters
        wants = "batch_context" in params or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()
        )

        def batch_kwargs(self: StepHandler, context: StepContext) -> dict[str, Any]:
            batch = self.get_batch_context(context)  # type: ignore[attr-defined]
            return {"batch_context": batch} if wants else {}

        generated = make_handler_class(
            fn, name, version, base=BatchWorkerHandler, extra_kwargs=batch_kwargs
        )
        _register(fn, name, _skipping_no_op(generated, inspect.iscoroutinefunction(fn)))
        return fn

    return decorator


def _skipping_no_op(generated: type[StepHandler], is_async: bool) -> type[StepHandler]:
    if is_async:

        async def call(self: Any, context: StepContext) -> Any:
            return self.handle_no_op_worker(context) or await generated.call(self, context)

    else:

        def call(self: Any, context: StepContext) -> Any:  # type: ignore[misc]
            return self.handle_no_op_worker(context) or generated.call(self, context)

    namespace = {"call": call, "__module__": generated.__module__, "__doc__": generated.__doc__}
    return type(generated.__name__, (generated,), namespace)
