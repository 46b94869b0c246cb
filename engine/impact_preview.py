"""The impact preview of an action on a stored task, with what the handlers loaded here say
of the results their steps read (``engine.impact`` is the pure part)."""

from __future__ import annotations

from typing import Any, Protocol, cast

from engine.handlers.registry import HandlerRegistry
from engine.impact import Impact, impact_of
from engine.impact_needs import task_needs
from engine.masking import secret_values
from engine.templates import TemplateCatalog


def resolvers_of(catalog: TemplateCatalog, task: dict[str, Any]) -> dict[str, str | None]:
    """Each template step's ``handler.resolver`` (none known when the template is not loaded:
    the registered names are looked up as they are)."""
    try:
        template = catalog.get(task["namespace"], task["name"], task["version"])
    except Exception:  # a template no longer loaded: its handlers may still be registered
        return {}
    return {s.name: s.handler.resolver for s in template.steps}


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
    registry, catalog = engine.registry, engine.catalog
    needs = task_needs(registry, task.get("steps", []), resolvers_of(catalog, task))
    return impact_of(action, task, step, needs=needs, results=results, secrets=secret_values(task))


class ImpactFacade:
    """The Engine facade's ``impact`` (``engine.api.Engine`` inherits it)."""

    async def impact(
        self, task: str, action: str, step: str | None = None, results: Any = None
    ) -> Impact:
        """What ``action`` would do to the task, before it is done (``engine.impact``)."""
        return await preview(cast(PreviewingEngine, self), task, action, step, results)
