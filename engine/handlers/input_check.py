"""What a task context would meet in its handlers' ``@inputs(Model)`` models, checked before
the task exists: a context the input_schema accepts can still fail every step whose handler
validates it with a stricter model, permanently, once the task runs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from engine.handlers.functional import model_fields_of
from engine.handlers.registry import HandlerRegistry


def declared_models(handler: Any) -> list[type[BaseModel]]:
    """The models a ``@step_handler`` function declared with ``@inputs`` (none for others)."""
    fn = getattr(handler, "_function", None) or handler
    return [
        key
        for key in getattr(fn, "_inputs", [])
        if isinstance(key, type) and issubclass(key, BaseModel)
    ]


def model_problems(model: type[BaseModel], context: dict[str, Any]) -> list[str]:
    """``$.date_range.start_date: Input should be a valid date …`` per failed field."""
    try:
        model.model_validate(model_fields_of(model, context))
    except PydanticValidationError as exc:
        return [
            "$"
            + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e["loc"])
            + f": {e['msg']}"
            for e in exc.errors()
        ]
    return []


def input_problems(
    registry: HandlerRegistry, handlers: Iterable[tuple[str, str, str | None]], context: Any
) -> list[str]:
    """Problems the handlers' models find in ``context``, each naming the steps it fails:
    ``handlers`` is (step name, handler.callable, handler.resolver). Handlers the registry
    cannot find (not importable here) are skipped: the schema check still stands."""
    if not isinstance(context, dict):
        return []
    failing: dict[str, list[str]] = {}  # problem -> the steps whose model reports it
    for step, callable_name, resolver in handlers:
        for model in declared_models(registry.find(callable_name, resolver)):
            for problem in model_problems(model, context):
                failing.setdefault(problem, []).append(step)
    return [f"{problem} (@inputs of {', '.join(steps)})" for problem, steps in failing.items()]
