"""Claiming ready steps on PostgreSQL: one statement locks the oldest ready steps (of tasks no
one else is changing) and reads what their handlers need with them, each task's context and
the claimed steps' ancestors (names, dependencies, results), never whole tasks.

The statement may be sent before the rows of an earlier one are read (``send``, then ``take``),
so storing results and claiming the next steps share a round trip.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncCursor

from engine.states import StepState as S
from engine.states import TaskState as T
from engine.store import moves
from engine.store.base import ClaimedStep
from engine.store.postgres.tx import Tx, move_steps, move_tasks, reevaluate

# Three kinds of rows: a claimed step (its whole row, with its task's status, as JSON); a
# claimed step's task (template id as name, context as results); an ancestor of a claimed step.
# A task or step another transaction is changing is skipped, not waited for; locking the step
# too makes the rows read the latest committed ones. Each ancestor is looked up through the
# (task_uuid, name) index by the row that names it (LIMIT 1 keeps the planner from joining
# every step instead), and dependency names are unnested from an array, which the planner takes
# for a few names (a set-returning JSON function it takes for a hundred, and the recursion
# multiplies that into hash tables of a million rows built, empty, on every claim; what
# is left of the guess, a few hundred thousand, is held to 1 MB by the writes' work_mem).
_CLAIM = (
    "WITH RECURSIVE claim AS (SELECT s.*, t.status AS task_status FROM steps s"
    " JOIN tasks t ON t.task_uuid = s.task_uuid"
    " WHERE s.ready_at IS NOT NULL AND s.ready_at <= %(now)s ORDER BY s.ready_at"
    " LIMIT %(limit)s FOR UPDATE OF t, s SKIP LOCKED),"
    " wanted(task_uuid, name) AS ("
    " SELECT c.task_uuid, d.name FROM claim c CROSS JOIN LATERAL"
    " unnest(ARRAY(SELECT json_array_elements_text(c.dependencies::json))) AS d(name)"
    " UNION SELECT w.task_uuid, d.name FROM wanted w CROSS JOIN LATERAL"
    " (SELECT s.dependencies FROM steps s WHERE s.task_uuid = w.task_uuid AND s.name = w.name"
    " LIMIT 1) AS p CROSS JOIN LATERAL"
    " unnest(ARRAY(SELECT json_array_elements_text(p.dependencies::json))) AS d(name))"
    " SELECT 'claimed' AS kind, c.task_uuid, NULL AS name, NULL AS dependencies,"
    " NULL AS results, row_to_json(c) AS claimed FROM claim c"
    " UNION ALL SELECT 'task', t.task_uuid, t.template_id, NULL, x.context, NULL FROM tasks t"
    " JOIN task_contexts x ON x.task_uuid = t.task_uuid"
    " WHERE t.task_uuid IN (SELECT task_uuid FROM claim)"
    " UNION ALL SELECT 'ancestor', w.task_uuid, w.name, a.dependencies, a.results, NULL"
    " FROM wanted w CROSS JOIN LATERAL (SELECT s.dependencies, s.results FROM steps s"
    " WHERE s.task_uuid = w.task_uuid AND s.name = w.name LIMIT 1) AS a"
)


async def send(tx: Tx, now: int, limit: int) -> AsyncCursor[Any] | None:
    """Queue the claim of up to ``limit`` ready steps, oldest first (None: nothing to claim)."""
    if limit <= 0:
        return None
    return await tx.send(_CLAIM, {"now": now, "limit": limit})


async def take(
    tx: Tx,
    sent: AsyncCursor[Any] | None,
    worker_id: str,
    now: int,
    lease_ms: int,
    evaluated: dict[str, T] | None = None,
) -> list[ClaimedStep]:
    """Move the steps ``send`` locked to in progress (their tasks started or stamped) and
    return what their handlers need.

    ``evaluated``: tasks re-evaluated in this transaction and the state they got, which is
    their state now, even if the claim was sent before that state was written.
    """
    if sent is None:
        return []
    claimed: list[dict[str, Any]] = []
    tasks: dict[str, dict[str, Any]] = {}
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for r in await tx.rows(sent):
        if r["kind"] == "claimed":
            claimed.append(r["claimed"])
        elif r["kind"] == "task":
            tasks[r["task_uuid"]] = {"template_id": r["name"], "context": r["results"]}
        else:
            found.setdefault(r["task_uuid"], {})[r["name"]] = r
    if not claimed:
        return []
    claimed.sort(key=lambda row: row["ready_at"])  # oldest first, as they were chosen
    moving = [
        (row, moves.Move(S.IN_PROGRESS, moves.CLAIM_REASON,
                         moves.claim_columns(row, worker_id, now, lease_ms)))
        for row in claimed
    ]  # fmt: skip
    await move_steps(tx, moving, now, worker_id, rows_locked=True)
    evaluated = evaluated or {}
    stamped: list[str] = []
    started: list[tuple[str, T, T, str]] = []
    for task_uuid, task_status in {r["task_uuid"]: r["task_status"] for r in claimed}.items():
        status = evaluated.get(task_uuid) or T(task_status)
        if task_uuid in evaluated and status is T.STEPS_IN_PROCESS:
            continue  # re-evaluated and stamped in this transaction already
        if status is T.STEPS_IN_PROCESS:
            stamped.append(task_uuid)  # a start changes no state: stamp
        elif status in moves.STARTED_BY_A_CLAIM:  # counters and readiness stay as they are
            started.append((task_uuid, status, T.STEPS_IN_PROCESS, moves.START_REASON))
        else:
            await reevaluate(tx, task_uuid, now, worker_id, moves.START_REASON)
    await move_tasks(tx, started, now, worker_id, updated_at=[now] * len(started))
    for task_uuid in stamped:
        tx.stamp(task_uuid, updated_at=now)
    return [
        moves.claimed_step(row, tasks[row["task_uuid"]], found.get(row["task_uuid"], {}))
        for row in claimed
    ]


async def claim_ready(
    tx: Tx, worker_id: str, now: int, limit: int, lease_ms: int
) -> list[ClaimedStep]:
    """Claim up to ``limit`` ready steps, oldest first, of tasks no one else is changing."""
    return await take(tx, await send(tx, now, limit), worker_id, now, lease_ms)
