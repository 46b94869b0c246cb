"""A new task's view as its creating transaction committed it, worked out from its plan.

Reading the rows back costs a read transaction, two queries and a row-by-row view; this builds
the same view from what the transaction wrote: the plan's rows with their defaults, the first
re-evaluation, and the claims a worker of the creating process made in the same transaction.
Pure, and the same for every backend; tests compare it with the rows read back.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from engine.states import StepState as S
from engine.states import TaskState as T
from engine.store import moves, views
from engine.store.base import StepPlan, TaskPlan


def created_view(
    plan: TaskPlan,
    now_ms: int,
    claimed: Collection[str] = (),
    worker_id: str = "",
    lease_ms: int = 0,
) -> dict[str, Any] | None:
    """``task get`` of the task ``plan`` created at ``now_ms``, with the steps in ``claimed``
    (step uuids) claimed by ``worker_id`` in the same transaction. None where creation moved
    the task on at once (a template without steps): read it back instead."""
    first = moves.created_readiness(plan, now_ms)
    if first.task_state is not T.PENDING:
        return None
    rows = [
        _step_row(plan.task_uuid, s, now_ms, first.ready_at.get(s.step_uuid)) for s in plan.steps
    ]
    started = False
    for row in rows:
        if row["step_uuid"] in claimed:
            row.update(moves.claim_columns(row, worker_id, now_ms, lease_ms))
            row["state"] = S.IN_PROGRESS.value
            started = True
    return views.task_detail(_task_row(plan, now_ms, started), rows)


def _task_row(plan: TaskPlan, now_ms: int, started: bool) -> dict[str, Any]:
    return {
        "task_uuid": plan.task_uuid,
        "name": plan.name,
        "namespace": plan.namespace,
        "version": plan.version,
        "status": (T.STEPS_IN_PROCESS if started else T.PENDING).value,
        "total_steps": len(plan.steps),
        "completed_steps": 0,
        "failed_steps": 0,
        "initiator": plan.initiator,
        "source_system": plan.source_system,
        "reason": plan.reason,
        "created_at": now_ms,
        "updated_at": now_ms,
        "completed_at": None,
        "context": plan.context_json,
        "identity_hash": plan.identity_hash,
        "idempotency_key": plan.idempotency_key,
        "template_id": plan.template_id,
    }


def _step_row(task_uuid: str, step: StepPlan, now_ms: int, ready_at: int | None) -> dict[str, Any]:
    return {
        "step_uuid": step.step_uuid,
        "task_uuid": task_uuid,
        "name": step.name,
        "position": step.position,
        "handler_callable": step.handler_callable,
        "dependencies": step.dependencies_json,
        "state": S.PENDING.value,
        "attempts": 0,
        "run_count": 0,
        "max_attempts": step.max_attempts,
        "retryable": int(step.retryable),
        "retry_policy": step.retry_policy_json,
        "timeout_ms": step.timeout_ms,
        "ready_at": ready_at,
        "next_retry_at": None,
        "backoff_ms": None,
        "backoff_rule": None,
        "claimed_by": None,
        "lease_expires_at": None,
        "cancel_requested": 0,
        "last_attempted_at": None,
        "started_at": None,
        "finished_at": None,
        "results": None,
        "error": None,
        "created_at": now_ms,
        "updated_at": now_ms,
        "template_step": None,
        "inputs": None,
        "checkpoint": None,
        "failure_strategy": None,
    }
