"""In which order a task's steps are listed, and which one an operator looks at first (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

ATTENTION = ("error", "waiting_for_retry", "in_progress")  # what an operator opens a task for


def first_step_needing_attention(steps: list[dict[str, Any]]) -> str | None:
    """The failed step, else the one waiting for a retry, else a running one."""
    for state in ATTENTION:
        for step in steps:
            if step.get("current_state") == state:
                return str(step["name"])
    return None


def steps_in_order(
    created: Sequence[dict[str, Any]], template: Sequence[tuple[str, list[str]]]
) -> list[dict[str, Any]]:
    """The task's steps in template order, with template steps not created (yet) as
    ``{name, dependencies}``; a batch's clones right after their worker template, so
    before the step that joins them."""
    by_name = {s["name"]: s for s in created}
    if not template:
        return list(by_name.values())
    names = {name for name, _ in template}
    clones: dict[str, list[dict[str, Any]]] = {}
    for name, step in by_name.items():
        if name not in names:
            clones.setdefault(str(step.get("template_step") or ""), []).append(step)
    steps: list[dict[str, Any]] = []
    for name, deps in template:
        steps.append(by_name.get(name) or {"name": name, "dependencies": deps})
        steps += clones.pop(name, [])
    return steps + [step for rest in clones.values() for step in rest]
