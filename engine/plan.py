"""Turning a template and a context into the rows of a new task (pure)."""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

from engine import dag, expansion, ids, retry
from engine.store.base import StepPlan, TaskPlan
from engine.store.moves import compact_json
from engine.templates import TaskTemplate


def template_definition(template: TaskTemplate) -> tuple[str, str]:
    """The template as stored JSON, and its content hash (the template id)."""
    text = template.model_dump_json()
    return hashlib.sha256(text.encode()).hexdigest(), text


class _Shape(NamedTuple):
    """What every task of one template shares: its stored definition and its steps' rows less
    their uuids (all of it derived from the template alone)."""

    template_id: str
    definition: str
    steps: tuple[
        tuple[str, int, str, tuple[str, ...], int, bool, dict[str, Any], int, str, str], ...
    ]


_SHAPES: dict[int, tuple[TaskTemplate, _Shape]] = {}  # by id(template); the template is kept
# in the value so its id cannot be reused while the entry lives
_MAX_SHAPES = 256


def _shape(template: TaskTemplate) -> _Shape:
    """The template's shape, worked out once per template object (templates are not changed
    after loading: variants are copies)."""
    hit = _SHAPES.get(id(template))
    if hit is not None and hit[0] is template:
        return hit[1]
    template_id, definition = template_definition(template)
    created = dag.initial_step_names(template)
    dependencies = expansion.initial_dependencies(template, created)
    creating = set(created)
    steps = tuple(
        (
            step.name,
            position,
            step.handler.callable,
            tuple(dependencies[step.name]),
            step.retry.max_attempts,
            step.retry.retryable,
            policy,
            step.timeout_ms(),
            compact_json(list(dependencies[step.name])),
            compact_json(policy),
        )
        for position, step in enumerate(template.steps)
        if step.name in creating
        for policy in [retry.RetryPolicy.from_template(step.retry).to_json()]
    )
    if len(_SHAPES) >= _MAX_SHAPES:
        _SHAPES.clear()
    shape = _Shape(template_id, definition, steps)
    _SHAPES[id(template)] = (template, shape)
    return shape


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
    shape = _shape(template)
    steps = [
        StepPlan(
            step_uuid=ids.new_uuid(now_ms),
            name=name,
            position=position,
            handler_callable=handler_callable,
            dependencies=dependencies,
            max_attempts=max_attempts,
            retryable=retryable,
            retry_policy=dict(retry_policy),  # a copy: the shape's is shared
            timeout_ms=timeout_ms,
            dependencies_json=dependencies_json,
            retry_policy_json=retry_policy_json,
        )
        for (
            name,
            position,
            handler_callable,
            dependencies,
            max_attempts,
            retryable,
            retry_policy,
            timeout_ms,
            dependencies_json,
            retry_policy_json,
        ) in shape.steps
    ]
    return TaskPlan(
        task_uuid=ids.new_uuid(now_ms),
        template_id=shape.template_id,
        template_definition=shape.definition,
        source_path=template.source_path,
        namespace=template.namespace_name,
        name=template.name,
        version=template.version,
        context=context,
        context_json=compact_json(context),
        initiator=initiator,
        source_system=source_system,
        reason=reason,
        identity_hash=identity_hash,
        idempotency_key=idempotency_key,
        steps=steps,
    )
