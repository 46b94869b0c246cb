"""The PostgreSQL store's hot path: claiming ready steps and storing attempt results.

Every function runs inside one transaction (``PostgresStore._write``), or a read before one.
Finishing a batch of attempts re-evaluates its tasks in one statement and claims the steps they
made ready in the same transaction, as ``sqlite_attempts`` does for SQLite: the finished rows
read and locked, then the re-evaluation and the claim in one round trip, then COMMIT.
"""

from __future__ import annotations

from typing import Any

from engine.states import StepState as S
from engine.store import moves
from engine.store.base import AttemptResult, Finished
from engine.store.expansion_rows import closes_creator
from engine.store.postgres import claims
from engine.store.postgres import events as postgres_events
from engine.store.postgres import incremental as postgres_incremental
from engine.store.postgres.dynamic import close_creators
from engine.store.postgres.tx import Tx, move_steps, reevaluate_all

# The earliest time on the ready list, read from its index's first entry. (``WHERE ready_at
# <= now LIMIT 1`` or ``EXISTS`` let the planner guess that many rows match and scan the table
# for one; when none does, as between two tasks, that read every step: 13 ms at 25,000
# finished steps, once per look for work.)
FIRST_READY = "SELECT MIN(ready_at) AS v FROM steps WHERE ready_at IS NOT NULL"


async def any_ready(tx: Tx, now: int) -> bool:
    """Is a step due by ``now``?"""
    row = await tx.one(FIRST_READY)
    return row is not None and row["v"] is not None and row["v"] <= now


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
    sent = await postgres_incremental.send(
        tx, finished, {task_uuid: "; ".join(why) for task_uuid, why in reasons.items()}, now
    )
    # The claim goes with the re-evaluation when nothing read in between can change what it
    # finds: one round trip for both.
    claim = await claims.send(tx, now, claim_limit) if sent.whole else None
    evaluated, left = await postgres_incremental.conclude(tx, sent, by)
    evaluated.update(await reevaluate_all(tx, left, now, by))
    if claim is None or sent.readied_late:
        early = await claims.take(tx, claim, by, now, lease_ms, evaluated)
        claim = await claims.send(tx, now, claim_limit - len(early))
    else:
        early = []
    claimed = early + await claims.take(tx, claim, by, now, lease_ms, evaluated)
    return Finished([r.step_uuid in moved for r in results], claimed, evaluated)
