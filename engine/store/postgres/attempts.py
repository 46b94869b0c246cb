"""The PostgreSQL store's hot path: claiming ready steps and storing attempt results.

Every function runs inside one transaction (``PostgresStore._write``), or a read before one.
Finishing a batch of attempts re-evaluates its tasks in one query and claims the steps they
made ready in the same transaction, as ``sqlite_attempts`` does for SQLite.
"""

from __future__ import annotations

from typing import Any

from engine.states import StepState as S
from engine.states import TaskState as T
from engine.store import moves
from engine.store.base import AttemptResult, ClaimedStep, Finished
from engine.store.expansion_rows import closes_creator
from engine.store.postgres import events as postgres_events
from engine.store.postgres.dynamic import close_creators
from engine.store.postgres.tx import (
    TASK_STEPS,
    Tx,
    by_task,
    evaluate_tasks,
    move_steps,
    move_task,
    reevaluate,
    reevaluate_all,
    touch_task,
)

# The oldest ready steps of tasks no one else is changing (a task or step another transaction
# holds is skipped, not waited for; locking the step too makes the rows read the latest
# committed ones), each with what its handler needs: its task's context and template, and its
# task's steps' names, dependencies and results (for the ancestors' results). A step found
# ready here was ready in this statement's snapshot, so the results that made it ready are in
# that snapshot too.
CLAIM_WITH_HANDLER_DATA = (
    "SELECT s.*, t.status AS task_status, t.template_id AS task_template_id,"
    " (SELECT c.context FROM task_contexts c WHERE c.task_uuid = s.task_uuid) AS task_context,"
    " (SELECT json_agg(json_build_object('name', x.name, 'dependencies', x.dependencies,"
    " 'results', x.results)) FROM steps x WHERE x.task_uuid = s.task_uuid) AS task_steps"
    " FROM steps s JOIN tasks t ON t.task_uuid = s.task_uuid"
    " WHERE s.ready_at IS NOT NULL AND s.ready_at <= %s ORDER BY s.ready_at LIMIT %s"
    " FOR UPDATE OF t, s SKIP LOCKED"
)


async def any_ready(tx: Tx, now: int) -> bool:
    return bool(
        await tx.one(
            "SELECT 1 AS ready FROM steps WHERE ready_at IS NOT NULL AND ready_at <= %s LIMIT 1",
            (now,),
        )
    )


async def claim_ready(
    tx: Tx,
    worker_id: str,
    now: int,
    limit: int,
    lease_ms: int,
    evaluated: dict[str, T] | None = None,
) -> list[ClaimedStep]:
    """Claim up to ``limit`` ready steps, oldest first, of tasks no one else is changing.

    ``evaluated``: tasks already re-evaluated in this transaction and the state they got.
    """
    if limit <= 0:
        return []
    rows = await tx.all(CLAIM_WITH_HANDLER_DATA, (now, limit))
    moving = [
        (
            row,
            moves.Move(
                S.IN_PROGRESS,
                moves.CLAIM_REASON,
                moves.claim_columns(row, worker_id, now, lease_ms),
            ),
        )
        for row in rows
    ]
    moved = await move_steps(tx, moving, now, worker_id, rows_locked=True)
    claimed = [row for row in rows if row["step_uuid"] in moved]
    evaluated = evaluated or {}
    for task_uuid, task_status in {r["task_uuid"]: r["task_status"] for r in claimed}.items():
        if evaluated.get(task_uuid) is T.STEPS_IN_PROCESS:
            continue  # re-evaluated and stamped in this transaction already
        status = T(task_status)
        if status is T.STEPS_IN_PROCESS:
            await touch_task(tx, task_uuid, updated_at=now)  # a start changes no state: stamp
        elif status in moves.STARTED_BY_A_CLAIM:  # counters and readiness stay as they are
            await move_task(tx, task_uuid, status, T.STEPS_IN_PROCESS, now, worker_id,
                            moves.START_REASON, updated_at=now)  # fmt: skip
        else:
            await reevaluate(tx, task_uuid, now, worker_id, moves.START_REASON)
    return [claimed_step(row) for row in claimed]


def claimed_step(row: dict[str, Any]) -> ClaimedStep:
    """What the handler of a just-claimed step needs (the context and every ancestor's
    results), from its claim's row: read by the claim itself, no round trip of its own."""
    siblings = {sibling["name"]: sibling for sibling in row["task_steps"]}
    task = {"template_id": row["task_template_id"], "context": row["task_context"]}
    return moves.claimed_step(row, task, siblings)


async def finish_attempts(
    tx: Tx,
    results: list[AttemptResult],
    now: int,
    by: str,
    claim_limit: int,
    lease_ms: int,
) -> Finished:
    """Store a batch of attempt results, then claim up to ``claim_limit`` ready steps.

    A result whose attempt no longer owns its step is discarded: False in its place.
    """
    finishing, task_steps = await _finishing_rows(tx, [r.step_uuid for r in results])
    rows = {r["step_uuid"]: r for r in finishing}
    moving = []
    for result in results:
        row = rows.get(result.step_uuid)
        if (
            row is not None
            and row["state"] == S.IN_PROGRESS
            and row["run_count"] == result.run_count
        ):
            moving.append((row, moves.decision_move(row, result.decision, now)))
    moved = await move_steps(tx, moving, now, by, expect_run_count=True, rows_locked=True)
    reasons: dict[str, list[str]] = {}
    for row, move in moving:
        if row["step_uuid"] in moved:
            reasons.setdefault(row["task_uuid"], []).append(
                f"step {row['name']} {move.to_state.value}"
            )
    creators: dict[str, list[tuple[str, dict[str, Any] | None]]] = {}
    for result in results:
        row = rows.get(result.step_uuid)
        if row is not None and result.step_uuid in moved and closes_creator(result.decision):
            creators.setdefault(row["task_uuid"], []).append((row["name"], result.decision.results))
    for task_uuid, finished in creators.items():  # decision branches and batch workers
        await close_creators(tx, task_uuid, finished, now, by)
    outbox = [
        e for r in results if r.events and r.step_uuid in moved for e in r.events if e.durable
    ]
    if outbox:  # a step that publishes nothing pays no statement for it
        await postgres_events.write_outbox(tx, outbox, by)
    why = {task_uuid: "; ".join(why) for task_uuid, why in reasons.items()}
    if creators:  # steps were added or changed beyond the moves: read the tasks again
        evaluated = await reevaluate_all(tx, why, now, by)
    else:
        evaluated = await evaluate_tasks(tx, why, _after(task_steps, moving), now, by)
    stored = [r.step_uuid in moved for r in results]
    claimed = await claim_ready(tx, by, now, claim_limit, lease_ms, evaluated)
    return Finished(stored, claimed, evaluated)


async def _finishing_rows(
    tx: Tx, step_uuids: list[str]
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """The finishing steps' rows (their tasks locked in uuid order, then the steps: the latest
    rows), and what re-evaluating their tasks reads, as it stands before the results: two
    queries in one round trip, the second run once the first holds the locks."""
    finishing, steps = await tx.all_together(
        (
            "SELECT s.* FROM steps s JOIN tasks t ON t.task_uuid = s.task_uuid"
            " WHERE s.step_uuid = ANY(%s) ORDER BY t.task_uuid FOR UPDATE OF t, s",
            (step_uuids,),
        ),
        (
            TASK_STEPS + " WHERE t.task_uuid IN (SELECT task_uuid FROM steps"
            " WHERE step_uuid = ANY(%s)) ORDER BY t.task_uuid, s.position",
            (step_uuids,),
        ),
    )
    return finishing, by_task(steps)


def _after(
    task_steps: dict[str, list[dict[str, Any]]], moving: list[tuple[dict[str, Any], moves.Move]]
) -> dict[str, list[dict[str, Any]]]:
    """``task_steps`` with the moves made (each moved, as the rows were locked)."""
    moved = {row["step_uuid"]: move for row, move in moving}
    return {
        task_uuid: [
            r if r["step_uuid"] not in moved else _moved(r, moved[r["step_uuid"]]) for r in rows
        ]
        for task_uuid, rows in task_steps.items()
    }


def _moved(row: dict[str, Any], move: moves.Move) -> dict[str, Any]:
    changed = {**row, "state": move.to_state.value}
    changed.update((k, v) for k, v in move.columns.items() if k in row)
    return changed
