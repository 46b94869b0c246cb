"""One warning per YAML object that carries keys the model does not know (Tasker ignores them)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from engine.templates.findings import Finding, step_label
from engine.templates.models import TaskTemplate

ENV_ONLY = "environments can change only handler.initialization, timeout_seconds and retry"
# Keys that real Tasker templates carry and Tasker's own model ignores, with what to do about them.
KNOWN_IGNORED: dict[str, dict[str, str]] = {
    "template": {
        "task_handler": "legacy; each step names its own handler",
        "loaded_from": "left by Tasker's migration tool",
    },
    "step": {"lifecycle": "not part of Tasker's step model; lifecycle is set per template"},
    "retry": {
        "limit": "old name of max_attempts, which stays {obj.max_attempts} until you rename it",
        "initial_delay": "legacy seconds; use backoff_base_ms",
        "max_delay": "legacy seconds; use max_backoff_ms",
    },
    "override": {
        "dependencies": ENV_ONLY,
        "depends_on": ENV_ONLY,
        "type": ENV_ONLY,
        "description": ENV_ONLY,
    },
    "override handler": {"callable": ENV_ONLY, "method": ENV_ONLY, "resolver": ENV_ONLY},
}


def unknown_key_warnings(template: TaskTemplate) -> list[Finding]:
    return [
        finding
        for path, kind, label, obj in _objects(template)
        if (finding := _warning(path, kind, label, obj)) is not None
    ]


def _warning(path: tuple[Any, ...], kind: str, label: str, obj: BaseModel) -> Finding | None:
    keys = sorted(str(k) for k in (obj.model_extra or {}))
    if not keys:
        return None
    notes = KNOWN_IGNORED.get(kind, {})
    described = [
        f"{key} ({notes[key].format(obj=obj)})"
        if key in notes
        else f"{key} (unknown; check the spelling)"
        for key in keys
    ]
    first = next(iter(obj.model_extra or {}))
    return Finding((*path, first), f"{label} has keys Tasker ignores: {', '.join(described)}")


def _objects(template: TaskTemplate) -> Iterator[tuple[tuple[Any, ...], str, str, BaseModel]]:
    """Every nested object of the template: (path, kind, label for messages, model)."""
    yield (), "template", "the template", template
    if template.lifecycle is not None:
        yield ("lifecycle",), "lifecycle", "lifecycle", template.lifecycle
    where: tuple[str | int, ...]
    for i, step in enumerate(template.steps):
        where, label = ("steps", i), step_label(step.name, i)
        yield where, "step", label, step
        yield (*where, "handler"), "handler", f"{label} handler", step.handler
        yield (*where, "retry"), "retry", f"{label} retry", step.retry
        if step.batch_config is not None:
            batch = step.batch_config
            yield (*where, "batch_config"), "batch_config", f"{label} batch_config", batch
    for env, override in template.environments.items():
        where, label = ("environments", env), f"environments.{env}"
        yield where, "environment", label, override
        for j, change in enumerate(override.steps):
            sub, sub_label = (*where, "steps", j), f"{label} override of '{change.name}'"
            yield sub, "override", sub_label, change
            if change.handler is not None:
                yield (*sub, "handler"), "override handler", f"{sub_label} handler", change.handler
            if change.retry is not None:
                yield (*sub, "retry"), "retry", f"{sub_label} retry", change.retry
