"""Errors that make a template unusable, beyond what the pydantic schema rejects (§1.10)."""

from __future__ import annotations

from typing import Any

from engine import dag
from engine.templates.findings import Finding, step_label
from engine.templates.models import StepType, TaskTemplate
from engine.templates.yaml_lines import ParsedYaml

# YAML key → the other spelling of the same field (Tasker's serde aliases).
ALIASES = {"depends_on": "dependencies", "step_type": "type"}
EXAMPLES = {"name": "order_processing", "namespace_name": "ecommerce", "version": "1.0.0"}


def document_errors(parsed: ParsedYaml) -> list[Finding]:
    """Problems visible in the raw YAML: repeated keys and a field given under both spellings."""
    found = [
        Finding(
            path,
            f"key '{path[-1]}' appears twice in the same mapping (first on line {first}); "
            "keep one of them",
            line,
        )
        for path, line, first in parsed.duplicates
    ]
    steps = parsed.data.get("steps") if isinstance(parsed.data, dict) else None
    for i, raw in enumerate(steps if isinstance(steps, list) else []):
        if not isinstance(raw, dict):
            continue
        for alias, key in ALIASES.items():
            if alias in raw and key in raw:
                found.append(
                    Finding(
                        ("steps", i, alias),
                        f"{step_label(raw.get('name'), i)} has both '{key}' and '{alias}' "
                        f"(the same field); keep only '{key}'",
                    )
                )
    return found


def template_errors(template: TaskTemplate, raw: dict[str, Any]) -> list[Finding]:
    """Empty names, duplicate steps, empty callables, bad dependencies, cycles, bad decisions."""
    found = _empty_identity(template)
    names = [s.name for s in template.steps]
    known = set(names)
    seen: set[str] = set()
    for i, step in enumerate(template.steps):
        where = ("steps", i)
        label = step_label(step.name, i)
        if not step.name.strip():
            found.append(
                Finding((*where, "name"), f"{label} has an empty name; give every step a name")
            )
        elif step.name in seen:
            found.append(
                Finding(
                    (*where, "name"),
                    f"step name '{step.name}' is used twice; give every step a unique name",
                )
            )
        seen.add(step.name)
        if not step.handler.callable.strip():
            found.append(
                Finding(
                    (*where, "handler", "callable"),
                    f"{label} has an empty handler.callable; name the registered handler "
                    "(e.g. callable: ecommerce.validate_cart)",
                )
            )
        found += _dependency_errors(template, i, raw, known)
        if step.type is StepType.DECISION and not step.dependencies:
            found.append(
                Finding(
                    where,
                    f"decision {label} has no dependencies; a decision step needs at least one "
                    "(add the step it decides after to its dependencies)",
                )
            )
        batch = step.batch_config
        if batch is not None and batch.worker_template not in known:
            found.append(
                Finding(
                    (*where, "batch_config", "worker_template"),
                    f"{label} batch_config.worker_template '{batch.worker_template}' is not a "
                    f"step of this template; name its batch_worker step (steps: {', '.join(names)})",
                )
            )
    if not found:
        found += _cycle_errors(template)
    return found


def _empty_identity(template: TaskTemplate) -> list[Finding]:
    return [
        Finding(
            (field,),
            f"{field} is empty; give the template a {field} (e.g. {field}: {example})",
        )
        for field, example in EXAMPLES.items()
        if not str(getattr(template, field)).strip()
    ]


def _dependency_errors(
    template: TaskTemplate, index: int, raw: dict[str, Any], known: set[str]
) -> list[Finding]:
    """A step's dependencies on itself or on no step (``known``: the template's step names)."""
    step = template.steps[index]
    found = []
    for j, dep in enumerate(step.dependencies):
        if dep == step.name:
            found.append(
                Finding(
                    ("steps", index, _dependency_key(raw, index), j),
                    f"step '{step.name}' depends on itself; remove '{dep}' from its "
                    f"{_dependency_key(raw, index)}",
                )
            )
        elif dep not in known:
            names = [s.name for s in template.steps]  # only for the message
            found.append(
                Finding(
                    ("steps", index, _dependency_key(raw, index), j),
                    f"step '{step.name}' depends on '{dep}', which is not a step of this "
                    f"template; fix the name or add the step (steps: {', '.join(names)})",
                )
            )
    return found


def _dependency_key(raw: dict[str, Any], index: int) -> str:
    """Which spelling the YAML used for the dependency list (for messages and line numbers)."""
    steps = raw.get("steps")
    step = steps[index] if isinstance(steps, list) and index < len(steps) else None
    return "depends_on" if isinstance(step, dict) and "depends_on" in step else "dependencies"


def _cycle_errors(template: TaskTemplate) -> list[Finding]:
    cycle = dag.find_cycle(template.dependency_map())
    if not cycle:
        return []
    first = min(i for i, s in enumerate(template.steps) if s.name in cycle)
    return [
        Finding(
            ("steps", first),
            "dependency cycle " + " → ".join(cycle) + " (each step waits for the one before it); "
            "remove one of these dependencies",
        )
    ]
