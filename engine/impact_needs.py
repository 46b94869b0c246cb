"""Which ancestors' results each step's handler reads, as ``engine.impact.Need``s: what
``@depends_on`` recorded on a ``@step_handler`` / ``@api_handler`` function
(``fn._depends_on``, kept by ``engine.handlers.functional``).

A class-based handler reads its dependencies in code (``context.get_dependency_result``),
which nothing here can see: its needs are None (unknown), as are those of a handler this
process cannot find or a custom resolver's (``HandlerRegistry.find`` does not run them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine.handlers.registry import HandlerRegistry
from engine.impact import Need


def handler_needs(handler: Any) -> tuple[Need, ...] | None:
    """The ``@depends_on`` needs of a registered handler, or None when they cannot be seen."""
    fn = getattr(handler, "_function", None)
    if fn is None:  # a class-based handler, or nothing found
        return None
    needs: list[Need] = []
    for param, spec in getattr(fn, "_depends_on", {}).items():
        step, model = (spec, None) if isinstance(spec, str) else spec
        needs.append(Need(param, step, model))
    return tuple(needs)


def task_needs(
    registry: HandlerRegistry,
    steps: Iterable[dict[str, Any]],
    resolvers: dict[str, str | None],
) -> dict[str, tuple[Need, ...] | None]:
    """Each step's needs by name. ``steps`` as ``get_task`` gives them (``handler``,
    ``template_step``); ``resolvers``: each template step's ``handler.resolver``."""
    found: dict[str, tuple[Need, ...] | None] = {}
    for step in steps:
        callable_name = str(step.get("handler") or "")
        resolver = resolvers.get(str(step.get("template_step") or step["name"]))
        found[step["name"]] = handler_needs(registry.find(callable_name, resolver))
    return found
