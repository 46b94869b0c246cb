"""Warnings about a template's shape: valid for Tasker, but probably not what the author meant."""

from __future__ import annotations

from typing import Any

from engine import dag
from engine.templates.findings import Finding, step_label
from engine.templates.models import ALL_STEPS, StepType, TaskTemplate

BATCH_TYPES = (StepType.BATCHABLE, StepType.BATCH_WORKER)
EVENT_CONDITIONS = ("success", "failure", "retryable_failure", "permanent_failure", "always")
DELIVERY_MODES = ("durable", "fast", "broadcast")


def shape_warnings(template: TaskTemplate) -> list[Finding]:
    found: list[Finding] = []
    if not template.steps:
        found.append(
            Finding(
                ("steps",), "the template has no steps, so its tasks complete at once; add steps"
            )
        )
    elif not dag.initial_step_names(template):
        found.append(
            Finding(
                ("steps",),
                "no step runs when a task starts: every step is a batch_worker, a "
                "deferred_convergence or after a decision; add a standard first step",
            )
        )
    found += _early_step_warnings(template)
    found += _schema_warning(("input_schema",), "input_schema", template.input_schema)
    for i in range(len(template.steps)):
        found += _step_warnings(template, i)
    found += _override_warnings(template)
    return found


def _step_warnings(template: TaskTemplate, index: int) -> list[Finding]:
    step = template.steps[index]
    where, label = ("steps", index), step_label(step.name, index)
    found = _schema_warning((*where, "result_schema"), f"{label} result_schema", step.result_schema)
    if step.type is StepType.DEFERRED_CONVERGENCE and not step.dependencies:
        found.append(
            Finding(
                where,
                f"deferred_convergence {label} has no dependencies, so it is never created; "
                "list the steps it joins",
            )
        )
    batch = step.batch_config
    if batch is not None and step.type not in BATCH_TYPES:
        found.append(
            Finding(
                (*where, "batch_config"),
                f"{label} has batch_config but is a {step.type} step; batch_config is read "
                "only on batchable and batch_worker steps",
            )
        )
    if batch is not None:
        target = next((s for s in template.steps if s.name == batch.worker_template), None)
        if target is not None and target.type is not StepType.BATCH_WORKER:
            found.append(
                Finding(
                    (*where, "batch_config", "worker_template"),
                    f"{label} batch_config.worker_template '{target.name}' is a {target.type} "
                    "step; it should name a batch_worker step",
                )
            )
    for j, event in enumerate(step.publishes_events):
        found += _event_warnings((*where, "publishes_events", j), label, event)
    return found


def _early_step_warnings(template: TaskTemplate) -> list[Finding]:
    """A step created with the task that waits for a step only an outcome creates later."""
    initial = set(dag.initial_step_names(template))
    later = {s.name for s in template.steps} - initial
    found = []
    for i, step in enumerate(template.steps):
        waits_for = [d for d in step.dependencies if d in later]
        if step.name in initial and waits_for:
            found.append(
                Finding(
                    ("steps", i),
                    f"{step_label(step.name, i)} is created with the task but waits for "
                    f"'{waits_for[0]}', which is created later by an outcome; make it a "
                    "deferred_convergence step",
                )
            )
    return found


def _event_warnings(where: tuple[Any, ...], label: str, event: dict[str, Any]) -> list[Finding]:
    found = []
    for key, allowed in (("condition", EVENT_CONDITIONS), ("delivery_mode", DELIVERY_MODES)):
        value = event.get(key)
        if value is not None and value not in allowed:
            found.append(
                Finding(
                    (*where, key),
                    f"{label} event '{event.get('name')}' has {key} '{value}'; "
                    f"use one of {', '.join(allowed)}",
                )
            )
    return found


def _schema_warning(
    where: tuple[Any, ...], label: str, schema: dict[str, Any] | None
) -> list[Finding]:
    kind = (schema or {}).get("type")
    if kind is None or kind == "object":
        return []
    return [Finding((*where, "type"), f"{label} has type '{kind}'; it should describe an object")]


def _override_warnings(template: TaskTemplate) -> list[Finding]:
    names = [s.name for s in template.steps]
    found = []
    for env, override in template.environments.items():
        for j, change in enumerate(override.steps):
            if change.name != ALL_STEPS and change.name not in names:
                found.append(
                    Finding(
                        ("environments", env, "steps", j, "name"),
                        f"environments.{env} overrides '{change.name}', which is not a step of "
                        f"this template, so it is ignored; use a step name or ALL "
                        f"(steps: {', '.join(names)})",
                    )
                )
    return found
