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
from engine.store.postgres import incremental as postgres_incremental
from engine.store.postgres.dynamic import close_creators
from engine.store.postgres.tx import (
    Tx,
    move_steps,
    move_task,
    reevaluate,
    reevaluate_all,
    touch_task,
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
    # Oldest first; a task (or step) another transaction is changing is skipped, not waited
    # for. Locking the step too makes the rows read the latest committed ones.
    rows = await tx.all(
        "SELECT s.*, t.status AS task_status FROM steps s JOIN tasks t ON t.task_uuid = s.task_uuid"
        " WHERE s.ready_at IS NOT NULL AND s.ready_at <= %s ORDER BY s.ready_at LIMIT %s"
        " FOR UPDATE OF t, s SKIP LOCKED",
        (now, limit),
    )
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
    return await claimed_steps(tx, claimed)


async def claimed_steps(tx: Tx, claimed: list[dict[str, Any]]) -> list[ClaimedStep]:
    """What the handlers of just-claimed steps need: the context and every ancestor's results."""
    if not claimed:
        return []
    tasks, siblings = await postgres_incremental.ancestors(tx, claimed)
    parsed: dict[str, dict[str, Any]] = {task: {} for task in tasks}  # one parse per task
    return [
        moves.claimed_step(
            row, tasks[row["task_uuid"]], siblings[row["task_uuid"]], parsed[row["task_uuid"]]
        )
        for row in claimed
    ]


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
    uuids = [r.step_uuid for r in results]
    rows = {  # the tasks locked in uuid order, then their steps: the latest rows
        r["step_uuid"]: r
        for r in await tx.all(
            "SELECT s.*, t.status AS task_status, t.total_steps AS task_total_steps,"
            " t.completed_steps AS task_completed_steps, t.failed_steps AS task_failed_steps"
            " FROM steps s JOIN tasks t ON t.task_uuid = s.task_uuid"
            " WHERE s.step_uuid = ANY(%s) ORDER BY t.task_uuid FOR UPDATE OF t, s",
            (uuids,),
        )
    }
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
    finished: dict[str, list[postgres_incremental.Finish]] = {}
    for row, move in moving:
        if row["step_uuid"] in moved:
            reasons.setdefault(row["task_uuid"], []).append(
                f"step {row['name']} {move.to_state.value}"
            )
            retry_at = move.columns.get("next_retry_at")
            finished.setdefault(row["task_uuid"], []).append((row, move.to_state, retry_at))
    creators: dict[str, list[tuple[str, dict[str, Any] | None]]] = {}
    for result in results:
        row = rows.get(result.step_uuid)
        if (
            row is not None
            and result.step_uuid in moved
            and row["template_step"] is None  # a batch's clone creates nothing
            and closes_creator(result.decision)
        ):
            creators.setdefault(row["task_uuid"], []).append((row["name"], result.decision.results))
    for task_uuid, closed in creators.items():  # decision branches and batches
        await close_creators(tx, task_uuid, closed, now, by)
        finished.pop(task_uuid)  # its steps changed: re-evaluated whole
    outbox = [
        e for r in results if r.events and r.step_uuid in moved for e in r.events if e.durable
    ]
    if outbox:  # a step that publishes nothing pays no statement for it
        await postgres_events.write_outbox(tx, outbox, by)
    evaluated, left = await postgres_incremental.reevaluate_finished(
        tx, finished, {task_uuid: "; ".join(why) for task_uuid, why in reasons.items()}, now, by
    )
    evaluated.update(await reevaluate_all(tx, left, now, by))
    stored = [r.step_uuid in moved for r in results]
    claimed = await claim_ready(tx, by, now, claim_limit, lease_ms, evaluated)
    return Finished(stored, claimed, evaluated)
