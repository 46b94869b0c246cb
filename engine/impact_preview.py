"""The impact preview of an action on a stored task, with what the handlers loaded here say
of the results their steps read (``engine.impact`` is the pure part)."""

from __future__ import annotations

from typing import Any, Protocol, cast

from engine.handlers.registry import HandlerRegistry
from engine.impact import Impact, impact_of
from engine.impact_needs import task_needs
from engine.masking import secret_values
from engine.templates import TaskTemplate, TemplateCatalog


def template_of(catalog: TemplateCatalog, task: dict[str, Any]) -> TaskTemplate | None:
    """The task's template, or None when it is no longer loaded (its handlers may still be
    registered: their names are looked up as they are)."""
    try:
        return catalog.get(task["namespace"], task["name"], task["version"])
    except Exception:
        return None


def result_schema_of(template: TaskTemplate | None, task: dict[str, Any], step: str | None) -> Any:
    """The template's ``result_schema`` of the task's step ``step`` (a clone: its template's)."""
    found = next((s for s in task.get("steps", []) if s["name"] == step), None)
    name = (found or {}).get("template_step") or step
    declared = next((s for s in template.steps if s.name == name), None) if template else None
    return declared.result_schema if declared else None


class PreviewingEngine(Protocol):
    """What the preview needs of ``engine.api.Engine``."""

    registry: HandlerRegistry
    catalog: TemplateCatalog

    def load_handlers(self) -> None: ...
    async def get_task(self, uuid_or_prefix: str, /) -> dict[str, Any]: ...


async def preview(
    engine: PreviewingEngine,
    task_uuid: str,
    action: str,
    step: str | None,
    results: Any = None,
) -> Impact:
    """``impact_of`` the task as stored, with the dependents' ``@depends_on`` needs as the
    handlers loaded here declare them, and the task's secrets masked."""
    engine.load_handlers()
    task = await engine.get_task(task_uuid)
    template = template_of(engine.catalog, task)
    resolvers = {s.name: s.handler.resolver for s in template.steps} if template else {}
    needs = task_needs(engine.registry, task.get("steps", []), resolvers)
    declared = result_schema_of(template, task, step) if action == "complete_step" else None
    return impact_of(
        action,
        task,
        step,
        needs=needs,
        results=results,
        secrets=secret_values(task),
        result_schema=declared,
    )


class ImpactFacade:
    """The Engine facade's ``impact`` (``engine.api.Engine`` inherits it)."""

    async def impact(
        self, task: str, action: str, step: str | None = None, results: Any = None
    ) -> Impact:
        """What ``action`` would do to the task, before it is done (``engine.impact``)."""
        return await preview(cast(PreviewingEngine, self), task, action, step, results)
