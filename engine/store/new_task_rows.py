"""The rows a task's creation writes, whatever the database: its template's row, the task row's
values, its context, its first audit row, and the dependency edges between its steps; with the
statements that are the same on both backends (``?`` placeholders). The task and step inserts
are each backend's own (change numbering, statements batched its own way)."""

from __future__ import annotations

from typing import Any

from engine.states import TaskState as T
from engine.store.base import TaskPlan


def created_by(plan: TaskPlan) -> str:
    """Who the creation's audit rows name."""
    return plan.initiator or "tasker"


TEMPLATE_INSERT = (  # the template a task runs, stored once: later tasks of it insert nothing
    "INSERT INTO templates (template_id, namespace, name, version, definition, source_path,"
    " first_used_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT (template_id) DO NOTHING"
)
CONTEXT_INSERT = "INSERT INTO task_contexts (task_uuid, context) VALUES (?,?)"
CREATED_TRANSITION_INSERT = (
    'INSERT INTO task_transitions (task_uuid, from_state, to_state, at, "by", reason)'
    " VALUES (?,?,?,?,?,?)"
)


def template_row(plan: TaskPlan, now: int) -> tuple[Any, ...]:
    """The values of ``TEMPLATE_INSERT``."""
    return (
        plan.template_id,
        plan.namespace,
        plan.name,
        plan.version,
        plan.template_definition,
        plan.source_path,
        now,
    )


def context_row(plan: TaskPlan) -> tuple[str, str]:
    """The values of ``CONTEXT_INSERT``."""
    return plan.task_uuid, plan.context_json


def task_row(plan: TaskPlan, now: int) -> tuple[Any, ...]:
    """The values of ``INSERT INTO tasks (task_uuid, template_id, namespace, name, version,
    status, initiator, source_system, reason, identity_hash, idempotency_key, total_steps,
    created_at, updated_at)``."""
    return (
        plan.task_uuid,
        plan.template_id,
        plan.namespace,
        plan.name,
        plan.version,
        T.PENDING.value,
        plan.initiator,
        plan.source_system,
        plan.reason,
        plan.identity_hash,
        plan.idempotency_key,
        len(plan.steps),
        now,
        now,
    )


def created_transition(plan: TaskPlan, now: int) -> tuple[Any, ...]:
    """The values of ``CREATED_TRANSITION_INSERT``: the task's first ``task_transitions`` row."""
    return (
        plan.task_uuid,
        None,
        T.PENDING.value,
        now,
        created_by(plan),
        plan.reason or "task created",
    )


def edges(plan: TaskPlan) -> list[tuple[str, str]]:
    """(from_step, to_step) uuids of every dependency between the plan's steps; a dependency on
    a step an outcome makes later has no row, nor edge, yet."""
    uuid_by_name = {s.name: s.step_uuid for s in plan.steps}
    return [
        (uuid_by_name[dependency], step.step_uuid)
        for step in plan.steps
        for dependency in step.dependencies
        if dependency in uuid_by_name
    ]
