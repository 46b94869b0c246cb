"""The PostgreSQL store's writes for steps created while a task runs, and batch checkpoints.

The same plan and rows as SQLite (``engine.dynamic``, ``engine.store.expansion_rows``), written
inside the transaction that finished the creator, with the task's row already locked.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from engine import dynamic
from engine.store import expansion_rows
from engine.store.expansion_rows import AUDIT_INSERT_COLUMNS, STEP_INSERT_COLUMNS
from engine.store.moves import dumps
from engine.store.postgres.tx import Tx, touch_task
from engine.templates.models import TaskTemplate

_STEP_TYPES = {
    "position": "integer",
    "max_attempts": "integer",
    "retryable": "integer",
    "timeout_ms": "bigint",
    "created_at": "bigint",
    "updated_at": "bigint",
}
_AUDIT_TYPES = {"attempt": "integer", "at": "bigint"}


def _recordset(columns: Sequence[str], types: dict[str, str]) -> str:
    return ", ".join(f'"{c}" {types.get(c, "text")}' for c in columns)


_INSERT_STEPS = (
    f"INSERT INTO steps ({', '.join(STEP_INSERT_COLUMNS)}) SELECT {', '.join(STEP_INSERT_COLUMNS)}"
    f" FROM json_to_recordset(%s::json) AS u({_recordset(STEP_INSERT_COLUMNS, _STEP_TYPES)})"
)
_AUDIT_COLUMNS = ", ".join(f'"{c}"' for c in AUDIT_INSERT_COLUMNS)
_INSERT_AUDITS = (
    f"INSERT INTO step_transitions ({_AUDIT_COLUMNS}) SELECT {_AUDIT_COLUMNS}"
    f" FROM json_to_recordset(%s::json) AS u({_recordset(AUDIT_INSERT_COLUMNS, _AUDIT_TYPES)})"
)


async def task_template(tx: Tx, task_uuid: str) -> TaskTemplate | None:
    row = await tx.one(
        "SELECT t.template_id, t.definition FROM tasks k JOIN templates t"
        " ON t.template_id = k.template_id WHERE k.task_uuid = %s",
        (task_uuid,),
    )
    assert row is not None  # the caller holds the task's lock
    return dynamic.template_or_none(row["template_id"], row["definition"])


async def close_creators(
    tx: Tx,
    task_uuid: str,
    finished: Sequence[tuple[str, dict[str, Any] | None]],
    now: int,
    by: str,
    *,
    strict: bool = False,
) -> None:
    """As ``sqlite.dynamic.close_creators``: create what each finished creator asks for and
    re-wire the task's pending steps; ``strict`` raises InvalidOutcome (operator input)."""
    template = await task_template(tx, task_uuid)
    if template is None:
        return
    for name, results in finished:
        current = await tx.all(
            f"SELECT {expansion_rows.COLUMNS} FROM steps WHERE task_uuid = %s ORDER BY position",
            (task_uuid,),
        )
        writes = expansion_rows.writes_after(
            template, task_uuid, current, name, results, now, by, strict=strict
        )
        if not writes.empty:
            await _apply(tx, task_uuid, writes, now)


async def _apply(tx: Tx, task_uuid: str, writes: expansion_rows.ExpansionRows, now: int) -> None:
    if writes.steps:
        await tx.run(_INSERT_STEPS, (json.dumps(writes.steps),))
        await tx.run(_INSERT_AUDITS, (json.dumps(writes.audits),))
        await tx.run(
            "UPDATE tasks SET total_steps = total_steps + %s WHERE task_uuid = %s",
            (len(writes.steps), task_uuid),
        )
    for change in writes.rewired:
        await tx.run(
            "UPDATE steps SET dependencies = %s, updated_at = %s WHERE step_uuid = %s",
            (change["dependencies"], now, change["step_uuid"]),
        )
        await tx.run("DELETE FROM step_edges WHERE to_step = %s", (change["step_uuid"],))
    if writes.edges:
        await tx.run(
            "INSERT INTO step_edges (task_uuid, from_step, to_step) SELECT %s, e.from_step,"
            " e.to_step FROM json_to_recordset(%s::json) AS e(from_step text, to_step text)"
            " ON CONFLICT DO NOTHING",
            (task_uuid, json.dumps(writes.edges)),
        )


async def save_checkpoint(
    tx: Tx, step_uuid: str, run_count: int, checkpoint: dict[str, Any], now: int
) -> bool:
    step = await tx.one("SELECT task_uuid FROM steps WHERE step_uuid = %s", (step_uuid,))
    if step is None or not await tx.lock_tasks([step["task_uuid"]]):
        return False  # a step row changes only under its task's lock
    row = await tx.one(
        "UPDATE steps SET checkpoint = %s, updated_at = %s WHERE step_uuid = %s"
        " AND state = 'in_progress' AND run_count = %s RETURNING task_uuid",
        (dumps(checkpoint), now, step_uuid, run_count),
    )
    if row is None:
        return False
    await touch_task(tx, row["task_uuid"], updated_at=now)
    return True
