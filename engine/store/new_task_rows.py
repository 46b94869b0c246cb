"""The rows a task's creation writes, whatever the database: the task row's values, its first
audit row, and the dependency edges between its steps. Pure; each backend puts them in its own
SQL (placeholders, change numbering, statements batched its own way)."""

from __future__ import annotations

from typing import Any

from engine.states import TaskState as T
from engine.store.base import TaskPlan


def created_by(plan: TaskPlan) -> str:
    """Who the creation's audit rows name."""
    return plan.initiator or "tasker"


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
    """The values of the task's first ``task_transitions`` row (task_uuid, from_state,
    to_state, at, by, reason)."""
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
