"""Checks of a parsed template that pydantic alone cannot make: graph errors and range warnings."""

from __future__ import annotations

from collections.abc import Callable

from engine import dag
from engine.templates.models import StepDefinition, StepType, TaskTemplate

# (path in the YAML, message) — the loader turns paths into line numbers.
Finding = tuple[tuple[object, ...], str]
NAMESPACE_MAX = 29  # Tasker's queue names are namespace + suffix, at most 47 characters


def graph_errors(template: TaskTemplate, raw_steps: list[dict] | None = None) -> list[Finding]:
    """Duplicate names, empty callables, missing or self dependencies, cycles, bad decisions."""
    found: list[Finding] = []
    names = [s.name for s in template.steps]
    seen: set[str] = set()
    for i, step in enumerate(template.steps):
        where = ("steps", i)
        if step.name in seen:
            found.append(
                (
                    (*where, "name"),
                    f"step name '{step.name}' is used twice; give every step a unique name",
                )
            )
        seen.add(step.name)
        if not step.handler.callable.strip():
            found.append(
                (
                    (*where, "handler", "callable"),
                    f"step '{step.name}' has an empty handler.callable; name the "
                    "registered handler (e.g. ecommerce_validate_cart)",
                )
            )
        for j, dep in enumerate(step.dependencies):
            dep_path = (*where, _deps_key(raw_steps, i), j)
            if dep == step.name:
                found.append(
                    (
                        dep_path,
                        f"step '{step.name}' depends on itself; remove it "
                        "from its own dependencies",
                    )
                )
            elif dep not in names:
                found.append(
                    (
                        dep_path,
                        f"step '{step.name}' depends on '{dep}', which is not "
                        f"a step of this template; fix the name or add the step "
                        f"(steps: {', '.join(names)})",
                    )
                )
        if step.type is StepType.DECISION and not step.dependencies:
            found.append((where, f"decision step '{step.name}' needs at least one dependency"))
    if not found:
        cycle = dag.find_cycle(template.dependency_map())
        if cycle:
            first = names.index(cycle[0])
            found.append(
                (
                    ("steps", first),
                    "dependency cycle " + " → ".join(cycle) + "; remove one of these dependencies",
                )
            )
    return found


def _deps_key(raw_steps: list[dict] | None, index: int) -> str:
    """Which key the YAML used for the dependency list (for its line number)."""
    raw = raw_steps[index] if raw_steps and index < len(raw_steps) else {}
    return "depends_on" if isinstance(raw, dict) and "depends_on" in raw else "dependencies"


def _range(value: int | None, low: int, high: int) -> bool:
    return value is None or low <= value <= high


StepCheck = Callable[[StepDefinition], str | None]
STEP_RANGES: list[tuple[tuple[str, ...], StepCheck]] = [
    (
        ("retry", "max_attempts"),
        lambda s: (
            None
            if _range(s.retry.max_attempts, 1, 100)
            else f"retry.max_attempts {s.retry.max_attempts} is outside Tasker's 1–100"
            + ("; 0 still allows the first run" if s.retry.max_attempts == 0 else "")
        ),
    ),
    (
        ("retry", "backoff_base_ms"),
        lambda s: (
            None
            if _range(s.retry.backoff_base_ms, 100, 3_600_000)
            else f"retry.backoff_base_ms {s.retry.backoff_base_ms} is outside 100–3600000"
        ),
    ),
    (
        ("retry", "max_backoff_ms"),
        lambda s: (
            None
            if _range(s.retry.max_backoff_ms, 1000, 3_600_000)
            else f"retry.max_backoff_ms {s.retry.max_backoff_ms} is outside 1000–3600000"
        ),
    ),
    (
        ("timeout_seconds",),
        lambda s: (
            None
            if _range(s.timeout_seconds, 1, 3600)
            else f"timeout_seconds {s.timeout_seconds} is outside Tasker's 1–3600"
        ),
    ),
]


def range_warnings(template: TaskTemplate) -> list[Finding]:
    found: list[Finding] = []
    if len(template.namespace_name) > NAMESPACE_MAX:
        found.append(
            (
                ("namespace_name",),
                f"namespace_name '{template.namespace_name}' is "
                f"longer than Tasker's {NAMESPACE_MAX} characters",
            )
        )
    if not template.namespace_name.replace("_", "").isalnum():
        found.append(
            (
                ("namespace_name",),
                f"namespace_name '{template.namespace_name}' has "
                "characters other than letters, digits and _",
            )
        )
    if not template.steps:
        found.append((("steps",), "the template has no steps; a task of it completes at once"))
    for i, step in enumerate(template.steps):
        for path, check in STEP_RANGES:
            message = check(step)
            if message:
                found.append((("steps", i, *path), f"step '{step.name}': {message}"))
    return found
