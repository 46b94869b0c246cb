"""Hand-built step contexts and a one-call way to run a handler as the engine does."""

from __future__ import annotations

from typing import Any

from engine.handlers.context import StepContext
from engine.handlers.invoke import call_handler
from engine.handlers.registry import HandlerRegistry
from engine.outcomes import Outcome


def envelope(result: dict[str, Any]) -> dict[str, Any]:
    """A completed ancestor's stored result, as the engine passes it to dependents."""
    return {"success": True, "result": result, "metadata": {}}


def make_context(**fields: Any) -> StepContext:
    values: dict[str, Any] = {
        "task_uuid": "01937a6e-0000-7000-8000-000000000001",
        "step_uuid": "01937a6e-0000-7000-8000-0000000000aa",
        "step_name": "a_step",
        "handler_name": "a_handler",
        "input_data": {},
        "dependency_results": {},
        "step_config": {},
        "step_inputs": {},
        "retry_count": 0,
        "max_retries": 3,
    }
    values.update(fields)
    return StepContext(**values)


async def run_handler(handler: Any, ctx: StepContext | None = None, **resolve: Any) -> Outcome:
    """Register ``handler`` in a fresh registry, resolve it and call it once."""
    registry = HandlerRegistry()
    registry.register("under_test", handler)
    resolved = registry.resolve_step("under_test", **resolve)
    return await call_handler(resolved, ctx or make_context())
