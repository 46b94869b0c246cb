"""Turning a template and a context into the rows of a new task (pure)."""

from __future__ import annotations

import hashlib
from typing import Any

from engine import dag, expansion, ids, retry
from engine.store.base import StepPlan, TaskPlan
from engine.templates import StepDefinition, TaskTemplate

DEFAULT_TIMEOUT_MS = 30_000


def step_timeout_ms(step: StepDefinition) -> int:
    """Tasker's order: handler.initialization.timeout_ms, then timeout_seconds, then 30 s."""
    init_timeout = (step.handler.initialization or {}).get("timeout_ms")
    if isinstance(init_timeout, int | float) and init_timeout > 0:
        return int(init_timeout)
    if step.timeout_seconds:
        return int(step.timeout_seconds * 1000)
    return DEFAULT_TIMEOUT_MS


def template_definition(template: TaskTemplate) -> tuple[str, str]:
    """The template as stored JSON, and its content hash (the template id)."""
    text = template.model_dump_json()
    return hashlib.sha256(text.encode()).hexdigest(), text


def task_plan(
    template: TaskTemplate,
    context: dict[str, Any],
    identity_hash: str,
    *,
    now_ms: int,
    initiator: str | None = None,
    source_system: str | None = None,
    reason: str | None = None,
    idempotency_key: str | None = None,
) -> TaskPlan:
    template_id, definition = template_definition(template)
    created = dag.initial_step_names(template)
    dependencies = expansion.initial_dependencies(template, created)
    steps = [
        StepPlan(
            step_uuid=ids.new_uuid(now_ms),
            name=step.name,
            position=position,
            handler_callable=step.handler.callable,
            dependencies=dependencies[step.name],
            max_attempts=step.retry.max_attempts,
            retryable=step.retry.retryable,
            retry_policy=retry.RetryPolicy.from_template(step.retry).to_json(),
            timeout_ms=step_timeout_ms(step),
        )
        for position, step in enumerate(template.steps)
        if step.name in created
    ]
    return TaskPlan(
        task_uuid=ids.new_uuid(now_ms),
        template_id=template_id,
        template_definition=definition,
        source_path=template.source_path,
        namespace=template.namespace_name,
        name=template.name,
        version=template.version,
        context=context,
        initiator=initiator,
        source_system=source_system,
        reason=reason,
        identity_hash=identity_hash,
        idempotency_key=idempotency_key,
        steps=steps,
    )
