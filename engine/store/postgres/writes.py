"""The PostgreSQL store's writes: creation, leases, recovery, operator actions (claims and
attempt results: ``postgres.attempts``).

Each function runs inside one transaction (``PostgresStore._write``); the moves themselves are
the pure ones of ``engine.store.moves``, as in the SQLite store.
"""

from __future__ import annotations

import json
from typing import Any

from engine.states import StepState as S
from engine.states import TaskState as T
from engine.store import moves, new_task_rows, views
from engine.store import operator_actions as actions
from engine.store.base import ClaimedStep, TaskPlan
from engine.store.dialect import POSTGRES
from engine.store.postgres import search
from engine.store.postgres.claims import claim_ready
from engine.store.postgres.dynamic import close_creators
from engine.store.postgres.tx import (
    Tx,
    move_step,
    move_steps,
    move_task,
    reevaluate,
    touch_task,
)

_TEMPLATE_INSERT = POSTGRES.sql(new_task_rows.TEMPLATE_INSERT)
_CONTEXT_INSERT = POSTGRES.sql(new_task_rows.CONTEXT_INSERT)
_CREATED_TRANSITION_INSERT = POSTGRES.sql(new_task_rows.CREATED_TRANSITION_INSERT)


async def create_task(tx: Tx, plan: TaskPlan, now: int) -> tuple[str, bool]:
    await tx.run(_TEMPLATE_INSERT, new_task_rows.template_row(plan, now))
    inserted = await tx.one(
        "INSERT INTO tasks (task_uuid, template_id, namespace, name, version, status,"
        " initiator, source_system, reason, identity_hash, idempotency_key, total_steps,"
        " created_at, updated_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
        " ON CONFLICT (identity_hash) DO NOTHING RETURNING task_uuid",
        new_task_rows.task_row(plan, now),
    )
    if inserted is None:
        row = await tx.one(
            "SELECT task_uuid FROM tasks WHERE identity_hash = %s", (plan.identity_hash,)
        )
        assert row is not None  # the conflicting task committed before ON CONFLICT returned
        return row["task_uuid"], False
    await tx.run(_CONTEXT_INSERT, new_task_rows.context_row(plan))
    await search.index_task(tx, plan.task_uuid, plan.context, plan.initiator)
    by = new_task_rows.created_by(plan)
    await tx.run(_CREATED_TRANSITION_INSERT, new_task_rows.created_transition(plan, now))
    # The first re-evaluation, worked out from the plan: the steps go in ready as it says.
    first = moves.created_readiness(plan, now)
    steps = [
        {
            "step_uuid": s.step_uuid,
            "name": s.name,
            "position": s.position,
            "handler_callable": s.handler_callable,
            "dependencies": s.dependencies_json,
            "max_attempts": s.max_attempts,
            "retryable": int(s.retryable),
            "retry_policy": s.retry_policy_json,
            "timeout_ms": s.timeout_ms,
            "ready_at": first.ready_at.get(s.step_uuid),
            "unmet": first.unmet.get(s.step_uuid, 0),
        }
        for s in plan.steps
    ]
    edges = [{"from_step": parent, "to_step": child} for parent, child in new_task_rows.edges(plan)]
    # Steps, their first audit rows and the dependency edges: one statement (foreign keys are
    # checked at its end), the rows as JSON parameters.
    await tx.run(
        "WITH u AS (SELECT * FROM json_to_recordset(%(steps)s::json) AS u(step_uuid text,"
        " name text, position integer, handler_callable text, dependencies text,"
        " max_attempts integer, retryable integer, retry_policy text, timeout_ms bigint,"
        " ready_at bigint, unmet integer)),"
        " made AS (INSERT INTO steps (step_uuid, task_uuid, name, position, handler_callable,"
        " dependencies, state, max_attempts, retryable, retry_policy, timeout_ms, created_at,"
        " updated_at, ready_at, unmet_dependencies) SELECT step_uuid, %(task)s, name, position,"
        " handler_callable, dependencies, %(state)s, max_attempts, retryable, retry_policy,"
        " timeout_ms, %(now)s, %(now)s, ready_at, unmet FROM u),"
        " audit AS (INSERT INTO step_transitions (task_uuid, step_uuid, step_name, from_state,"
        ' to_state, attempt, at, "by", reason) SELECT %(task)s, step_uuid, name, NULL,'
        " %(state)s, 0, %(now)s, %(by)s, 'step created' FROM u ORDER BY position)"
        " INSERT INTO step_edges (task_uuid, from_step, to_step) SELECT %(task)s, e.from_step,"
        " e.to_step FROM json_to_recordset(%(edges)s::json) AS e(from_step text, to_step text)",
        {
            "steps": json.dumps(steps),
            "edges": json.dumps(edges),
            "task": plan.task_uuid,
            "state": S.PENDING.value,
            "now": now,
            "by": by,
        },
    )
    if first.task_state is not T.PENDING:  # nothing to run (no steps): the task moves on
        await reevaluate(tx, plan.task_uuid, now, by, "task created")
    else:
        tx.touched.add(plan.task_uuid)  # numbered for the change feed before COMMIT
    return plan.task_uuid, True


async def create_and_claim(
    tx: Tx, plan: TaskPlan, now: int, worker_id: str, limit: int, lease_ms: int
) -> tuple[str, bool, list[ClaimedStep]]:
    task_uuid, created = await create_task(tx, plan, now)
    return task_uuid, created, await claim_ready(tx, worker_id, now, limit, lease_ms)


async def any_expired(tx: Tx, now: int) -> bool:
    return bool(
        await tx.one(
            "SELECT 1 AS expired FROM steps WHERE state = 'in_progress' AND lease_expires_at < %s"
            " LIMIT 1",
            (now,),
        )
    )


async def renew_leases(tx: Tx, worker_id: str, step_uuids: list[str], until: int) -> set[str]:
    # SKIP LOCKED: a step locked right now is being finished or moved; its next renewal counts.
    await tx.run(
        "UPDATE steps SET lease_expires_at = %s WHERE step_uuid IN (SELECT step_uuid FROM steps"
        " WHERE step_uuid = ANY(%s) AND claimed_by = %s AND state = 'in_progress'"
        " FOR UPDATE SKIP LOCKED)",
        (until, step_uuids, worker_id),
    )
    rows = await tx.all(
        "SELECT step_uuid FROM steps WHERE step_uuid = ANY(%s)"
        " AND (cancel_requested = 1 OR state <> 'in_progress')",
        (step_uuids,),
    )
    return {r["step_uuid"] for r in rows}


async def recover_expired(tx: Tx, now: int, by: str) -> int:
    expired = await tx.all(
        "SELECT DISTINCT task_uuid FROM steps WHERE state = 'in_progress' AND lease_expires_at < %s",
        (now,),
    )
    locked = await tx.lock_tasks((r["task_uuid"] for r in expired), skip_locked=True)
    if not locked:
        return 0
    rows = await tx.all(
        "SELECT * FROM steps WHERE task_uuid = ANY(%s) AND state = 'in_progress'"
        " AND lease_expires_at < %s",
        (locked, now),
    )
    moving = [
        (row, moves.decision_move(row, moves.lost_worker_decision(row, now), now)) for row in rows
    ]
    moved = await move_steps(tx, moving, now, by, expect_run_count=True)
    for row, move in moving:
        if row["step_uuid"] in moved:
            await reevaluate(
                tx, row["task_uuid"], now, by, f"step {row['name']} {move.to_state.value}"
            )
    return len(moved)


async def locked_task(tx: Tx, task_uuid: str) -> dict[str, Any]:
    task = await tx.one("SELECT * FROM tasks WHERE task_uuid = %s FOR UPDATE", (task_uuid,))
    if task is None:
        raise views.no_task(task_uuid)
    return task


async def step_action(tx: Tx, act: actions.StepAction) -> None:
    task_uuid = act.task_uuid
    actions.check_task_open(task_uuid, (await locked_task(tx, task_uuid))["status"])
    row = await tx.one(
        "SELECT * FROM steps WHERE task_uuid = %s AND name = %s", (task_uuid, act.step_name)
    )
    if row is None:
        names = await tx.all(
            "SELECT name FROM steps WHERE task_uuid = %s ORDER BY position", (task_uuid,)
        )
        raise actions.no_step(act, (r["name"] for r in names))
    await move_step(tx, row, actions.step_move(row, act), act.now, act.by)
    if act.closes_creator:
        with actions.outcome_checked():
            await close_creators(
                tx, task_uuid, [(act.step_name, act.results)], act.now, act.by, strict=True
            )
    await reevaluate(tx, task_uuid, act.now, act.by, act.reevaluation_reason)


async def task_action(tx: Tx, task_uuid: str, action: str, now: int, by: str, reason: str) -> None:
    state = T((await locked_task(tx, task_uuid))["status"])
    to_state = actions.task_target(task_uuid, state, action)
    if to_state is T.CANCELLED:
        await tx.run(
            "UPDATE steps SET cancel_requested = 1 WHERE task_uuid = %s AND state = 'in_progress'",
            (task_uuid,),
        )
        steps = await tx.all(
            "SELECT * FROM steps WHERE task_uuid = %s ORDER BY position", (task_uuid,)
        )
        cancel = moves.Move(S.CANCELLED, reason, {"ready_at": None})
        await move_steps(tx, [(row, cancel) for row in actions.steps_to_cancel(steps)], now, by)
    await move_task(tx, task_uuid, state, to_state, now, by, reason)
    await tx.run("UPDATE steps SET ready_at = NULL WHERE task_uuid = %s", (task_uuid,))
    failed = actions.failed_after(action)
    await touch_task(
        tx, task_uuid, updated_at=now, **({} if failed is None else {"failed_steps": failed})
    )
