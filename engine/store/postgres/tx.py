"""Building blocks of every PostgreSQL write transaction: locks, compare-and-set moves with
their audit rows, re-evaluation, and the change feed.

Locking rule (no deadlocks): a step row changes only while its task's row is locked; a
transaction waits for task locks in uuid order, or takes them with SKIP LOCKED and never waits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from psycopg import AsyncConnection, AsyncCursor

from engine import readiness
from engine.states import TaskState, check_step, check_task
from engine.store.moves import Move, Row, dumps, had_error, step_row, step_state, task_completed_at
from engine.store.postgres.search import index_errors

# The SQL type of each step column a move may set.
COLUMN_TYPES = {
    "attempts": "integer",
    "run_count": "integer",
    "ready_at": "bigint",
    "claimed_by": "text",
    "lease_expires_at": "bigint",
    "last_attempted_at": "bigint",
    "started_at": "bigint",
    "finished_at": "bigint",
    "cancel_requested": "integer",
    "results": "text",
    "error": "text",
    "next_retry_at": "bigint",
    "backoff_ms": "bigint",
    "backoff_rule": "text",
}


class Tx:
    """One transaction (or one read) on a connection, and the tasks it changed.

    Writes run in pipeline mode: ``run`` only queues a statement, and the queue goes to the
    server with the next statement whose rows are read, so a transaction costs a round trip
    per read, not per statement.
    """

    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self.conn = conn
        self.touched: set[str] = set()
        # Columns of tasks to set with the change-feed numbers, by task (``stamp``).
        self.stamps: dict[str, dict[str, Any]] = {}

    def stamp(self, task_uuid: str, **columns: Any) -> None:
        """Set these columns of a task when its change is numbered, just before COMMIT: the
        same row update, not one more (only ``STAMPED`` columns wait that long; ``write_stamps``
        writes any pending stamp at once)."""
        self.stamps.setdefault(task_uuid, {}).update(columns)
        self.touched.add(task_uuid)

    async def run(self, sql: Any, params: Any = None) -> None:
        """Execute without reading a result (queued in pipeline mode)."""
        await self.conn.execute(sql, params)

    async def one(self, sql: str, params: Any = None) -> dict[str, Any] | None:
        cur = await self.conn.execute(sql, params)
        return await cur.fetchone()

    async def all(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        cur = await self.conn.execute(sql, params)
        return await cur.fetchall()

    async def send(self, sql: str, params: Any = None) -> AsyncCursor[Any]:
        """Queue a statement whose rows are read later with ``rows``: statements sent before
        the first of them is read share its round trip."""
        return await self.conn.execute(sql, params)

    async def rows(self, cursor: AsyncCursor[Any]) -> list[dict[str, Any]]:
        """The rows of a statement queued with ``send`` (a round trip unless they came back
        with an earlier statement's)."""
        return await cursor.fetchall()

    async def lock_tasks(self, task_uuids: Iterable[str], skip_locked: bool = False) -> list[str]:
        """Lock these tasks' rows in uuid order; with ``skip_locked``, only those free now."""
        rows = await self.all(
            "SELECT task_uuid FROM tasks WHERE task_uuid = ANY(%s) ORDER BY task_uuid FOR UPDATE"
            + (" SKIP LOCKED" if skip_locked else ""),
            (sorted(set(task_uuids)),),
        )
        return [r["task_uuid"] for r in rows]


STAMPED = {"updated_at": "bigint", "completed_steps": "integer"}


async def write_stamps(tx: Tx, task_uuids: Iterable[str]) -> None:
    """Write the pending stamps of these tasks now: another write to them follows, and must
    find them (and not be overwritten by them when the changes are numbered)."""
    for task_uuid in [t for t in task_uuids if t in tx.stamps]:
        columns = tx.stamps.pop(task_uuid)
        sets = ", ".join(f"{name} = %({name})s" for name in columns)
        await tx.run(
            f"UPDATE tasks SET {sets} WHERE task_uuid = %(task)s", {**columns, "task": task_uuid}
        )


async def move_steps(
    tx: Tx,
    moving: Sequence[tuple[Row, Move]],
    now_ms: int,
    by: str,
    expect_run_count: bool = False,
    rows_locked: bool = False,
) -> set[str]:
    """Compare-and-set many steps with their audit rows in one statement; the uuids that moved.

    Every move must set the same columns. A step whose state (or, with ``expect_run_count``,
    whose run count) changed since its row was read does not move: another actor won.
    ``rows_locked``: the rows were read FOR UPDATE in this transaction, so no one else can have
    moved them; the statement is only queued (pipeline mode) and every step counts as moved.
    """
    if not moving:
        return set()
    for row, move in moving:
        check_step(row["name"], step_state(row["state"]), move.to_state)
    names = list(moving[0][1].columns)
    if any(list(move.columns) != names for _, move in moving):
        raise ValueError("a batch of step moves must set the same columns")
    records = [
        {
            **move.columns,
            "step_uuid": row["step_uuid"],
            "from_state": row["state"],
            "to_state": move.to_state.value,
            "reason": move.reason,
            "metadata": dumps(move.metadata),
            "attempt": move.columns.get("run_count", row["run_count"]),
            "seen_run": row["run_count"],
        }
        for row, move in moving
    ]
    fields = ["step_uuid", "from_state", "to_state", "reason", "metadata", "attempt", "seen_run"]
    types = ["text", "text", "text", "text", "text", "integer", "integer"]
    types += [COLUMN_TYPES[name] for name in names]
    record = ", ".join(f"{f} {t}" for f, t in zip(fields + names, types, strict=True))
    sets = "".join(f", {name} = u.{name}" for name in names)
    sql = (  # the rows travel as one JSON parameter: far cheaper to send than typed arrays
        f"WITH u AS (SELECT * FROM json_to_recordset(%s::json) AS u({record})),"
        f" moved AS (UPDATE steps s SET state = u.to_state, updated_at = %s{sets} FROM u"
        " WHERE s.step_uuid = u.step_uuid AND s.state = u.from_state"
        + (" AND s.run_count = u.seen_run" if expect_run_count else "")
        + " RETURNING s.task_uuid, s.step_uuid, s.name, u.from_state, u.to_state, u.attempt,"
        " u.reason, u.metadata)"
        " INSERT INTO step_transitions (task_uuid, step_uuid, step_name, from_state, to_state,"
        ' attempt, at, "by", reason, metadata)'
        " SELECT task_uuid, step_uuid, name, from_state, to_state, attempt, %s, %s, reason,"
        " metadata FROM moved RETURNING step_uuid"
    )
    params = (json.dumps(records), now_ms, now_ms, by)
    if rows_locked:
        await tx.run(sql, params)
        moved = {row["step_uuid"] for row, _ in moving}
    else:
        moved = {r["step_uuid"] for r in await tx.all(sql, params)}
    if "error" in names:  # the search index follows the step's error
        await index_errors(tx, [
            (row["task_uuid"], row["step_uuid"], row["name"], move.columns["error"])
            for row, move in moving
            if row["step_uuid"] in moved
            and (move.columns["error"] is not None or had_error(row))
        ])  # fmt: skip
    return moved


async def move_step(
    tx: Tx, row: Row, move: Move, now_ms: int, by: str, expect_run_count: bool = False
) -> bool:
    """Compare-and-set one step with its audit row; False when another actor won."""
    return bool(await move_steps(tx, [(row, move)], now_ms, by, expect_run_count))


async def move_task(
    tx: Tx,
    task_uuid: str,
    from_state: TaskState,
    to_state: TaskState,
    now_ms: int,
    by: str,
    reason: str,
    **columns: Any,
) -> None:
    """Set a task's state (checked against the table) and write its audit row."""
    check_task(task_uuid, from_state, to_state)
    await write_stamps(tx, [task_uuid])
    done = task_completed_at(to_state, now_ms)
    sets = "".join(f", {name} = %({name})s" for name in columns)
    await tx.run(
        "WITH moved AS (UPDATE tasks SET status = %(to)s,"
        f" completed_at = COALESCE(%(done)s, completed_at){sets}"
        " WHERE task_uuid = %(task)s AND status = %(from)s RETURNING task_uuid)"
        ' INSERT INTO task_transitions (task_uuid, from_state, to_state, at, "by", reason)'
        " SELECT task_uuid, %(from)s, %(to)s, %(now)s, %(by)s, %(reason)s FROM moved",
        {
            **columns,
            "to": to_state.value,
            "from": from_state.value,
            "done": done,
            "task": task_uuid,
            "now": now_ms,
            "by": by,
            "reason": reason,
        },
    )
    tx.touched.add(task_uuid)


TaskMove = tuple[str, TaskState, TaskState, str]  # a task, its state, the next one, why
TASK_COLUMN_TYPES = {
    "updated_at": "bigint",
    "completed_steps": "integer",
    "failed_steps": "integer",
}


async def move_tasks(
    tx: Tx, moving: Sequence[TaskMove], now_ms: int, by: str, **columns: list[Any]
) -> None:
    """``move_task`` for many tasks in one statement: each set to its next state (checked
    against the table) with its audit row; ``columns``: a value per task, in order."""
    if not moving:
        return
    for task_uuid, from_state, to_state, _ in moving:
        check_task(task_uuid, from_state, to_state)
    await write_stamps(tx, [m[0] for m in moving])
    records = [
        {
            "task_uuid": task_uuid,
            "from_state": from_state.value,
            "to_state": to_state.value,
            "reason": reason,
            "done": task_completed_at(to_state, now_ms),
            **{name: values[n] for name, values in columns.items()},
        }
        for n, (task_uuid, from_state, to_state, reason) in enumerate(moving)
    ]
    typed = "".join(f", {name} {TASK_COLUMN_TYPES[name]}" for name in columns)
    sets = "".join(f", {name} = u.{name}" for name in columns)
    await tx.run(
        "WITH u AS (SELECT * FROM json_to_recordset(%s::json) AS u(task_uuid text,"
        f" from_state text, to_state text, reason text, done bigint{typed})),"
        " moved AS (UPDATE tasks t SET status = u.to_state,"
        f" completed_at = COALESCE(u.done, t.completed_at){sets} FROM u"
        " WHERE t.task_uuid = u.task_uuid AND t.status = u.from_state"
        " AND t.task_uuid = ANY(%s) RETURNING t.task_uuid, u.from_state, u.to_state, u.reason)"
        ' INSERT INTO task_transitions (task_uuid, from_state, to_state, at, "by", reason)'
        " SELECT task_uuid, from_state, to_state, %s, %s, reason FROM moved",
        (json.dumps(records), [m[0] for m in moving], now_ms, by),
    )
    tx.touched.update(m[0] for m in moving)


async def reevaluate(tx: Tx, task_uuid: str, now_ms: int, by: str, reason: str) -> TaskState:
    """Recompute readiness, counters and the task's state after one of its steps moved."""
    return (await reevaluate_all(tx, {task_uuid: reason}, now_ms, by))[task_uuid]


async def reevaluate_all(
    tx: Tx, reasons: dict[str, str], now_ms: int, by: str
) -> dict[str, TaskState]:
    """``reevaluate`` for many tasks (``reasons``: task_uuid -> why): their rows read (and
    locked, in uuid order) in one query, their ready-list and counter changes written with one
    statement each, so a batch costs one round trip to the server, not one per task."""
    if not reasons:
        return {}
    rows = await tx.all(
        TASK_STEPS
        + " WHERE t.task_uuid = ANY(%s) ORDER BY t.task_uuid, s.position FOR UPDATE OF t",
        (sorted(reasons),),
    )
    return await evaluate_tasks(tx, reasons, by_task(rows), now_ms, by)


# What re-evaluating a task reads: its state and each step's (a task without steps: one row
# of NULL step columns). Followed by the tasks chosen, and ordered by task and position.
TASK_STEPS = (
    "SELECT t.task_uuid AS of_task, t.status AS task_status, s.step_uuid, s.name, s.state,"
    " s.dependencies, s.ready_at, s.next_retry_at, s.failure_strategy, s.template_step,"
    " s.inputs, s.unmet_dependencies FROM tasks t LEFT JOIN steps s ON s.task_uuid = t.task_uuid"
)


def by_task(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        found.setdefault(r["of_task"], []).append(r)
    return found


async def evaluate_tasks(
    tx: Tx,
    reasons: dict[str, str],
    found: dict[str, list[dict[str, Any]]],
    now_ms: int,
    by: str,
) -> dict[str, TaskState]:
    """``reevaluate_all`` on rows read already (``found``: task_uuid -> ``TASK_STEPS`` rows,
    current in this transaction, the tasks locked)."""
    ready: dict[str, int | None] = {}
    unmet: dict[str, int] = {}
    counted: list[tuple[str, int, int]] = []
    states: dict[str, TaskState] = {}
    await write_stamps(tx, reasons)
    for task_uuid, reason in reasons.items():
        rows = found[task_uuid]
        task_state = TaskState(rows[0]["task_status"])
        steps = [step_row(r) for r in rows if r["step_uuid"] is not None]
        result = readiness.evaluate(task_state, steps, now_ms)
        ready.update(result.ready_at)
        unmet.update(result.unmet)
        if result.task_state is not task_state:
            await move_task(
                tx, task_uuid, task_state, result.task_state, now_ms, by, reason,
                updated_at=now_ms, completed_steps=result.completed_steps,
                failed_steps=result.failed_steps,
            )  # fmt: skip
        else:
            counted.append((task_uuid, result.completed_steps, result.failed_steps))
        tx.touched.add(task_uuid)
        states[task_uuid] = result.task_state
    await _set_ready_at(tx, ready)
    await set_unmet(tx, unmet)
    if counted:
        uuids, completed, failed = (list(column) for column in zip(*counted, strict=True))
        await tx.run(
            "UPDATE tasks t SET updated_at = %s, completed_steps = u.completed,"
            " failed_steps = u.failed FROM unnest(%s::text[], %s::integer[], %s::integer[])"
            " AS u(task_uuid, completed, failed) WHERE t.task_uuid = u.task_uuid",
            (now_ms, uuids, completed, failed),
        )
    return states


async def _set_ready_at(tx: Tx, ready_at: dict[str, int | None]) -> None:
    if ready_at:
        await tx.run(
            "UPDATE steps s SET ready_at = u.ready_at"
            " FROM unnest(%s::text[], %s::bigint[]) AS u(step_uuid, ready_at)"
            " WHERE s.step_uuid = u.step_uuid",
            (list(ready_at), list(ready_at.values())),
        )


async def set_unmet(tx: Tx, unmet: dict[str, int]) -> None:
    """Write steps' counts of unmet dependencies (step_uuid -> count), one statement."""
    if unmet:
        await tx.run(
            "UPDATE steps s SET unmet_dependencies = u.unmet"
            " FROM unnest(%s::text[], %s::integer[]) AS u(step_uuid, unmet)"
            " WHERE s.step_uuid = u.step_uuid",
            (list(unmet), list(unmet.values())),
        )


async def touch_task(tx: Tx, task_uuid: str, **columns: Any) -> None:
    """Set columns of a task (updated_at at least) and mark it changed for the change feed."""
    tx.stamp(task_uuid, **columns)  # with a stamp pending, one update sets both
    await write_stamps(tx, [task_uuid])


async def publish(tx: Tx, feed_lock: int, channel: str) -> None:
    """Number the changed tasks in commit order and wake the listeners, just before COMMIT.

    The advisory lock is held until COMMIT, so a change numbered later is never visible before
    one numbered earlier: a reader that has seen number N has seen everything up to N.
    """
    if not tx.touched:
        return
    # One statement: each row's number is drawn after the join with the lock's one row, that
    # is after the lock is held (a subquery with a volatile function is never flattened). The
    # tasks' stamps are set in the same row update.
    stamps = [
        {"task_uuid": task, **{name: tx.stamps.get(task, {}).get(name) for name in STAMPED}}
        for task in sorted(tx.touched)
    ]
    typed = "".join(f", {name} {kind}" for name, kind in STAMPED.items())
    sets = "".join(f", {name} = COALESCE(u.{name}, t.{name})" for name in STAMPED)
    await tx.run(
        "WITH numbered AS (UPDATE tasks t SET change_seq = nextval('task_change_seq')"
        f"{sets} FROM (SELECT pg_advisory_xact_lock(%s)) AS feed_lock,"
        f" json_to_recordset(%s::json) AS u(task_uuid text{typed})"
        " WHERE t.task_uuid = u.task_uuid AND t.task_uuid = ANY(%s) RETURNING 1)"
        " SELECT pg_notify(%s, '')",
        (feed_lock, json.dumps(stamps), [r["task_uuid"] for r in stamps], channel),
    )
    tx.stamps.clear()
