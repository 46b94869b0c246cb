"""The SQLite store's writes for steps created while a task runs, and for batch checkpoints.

Every function runs inside the write transaction that finished (or resolved, or completed)
the creator, so the branch or the batch appears in the same commit as the step that made it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from engine import dynamic
from engine.store import expansion_rows
from engine.store.expansion_rows import AUDIT_INSERT_COLUMNS, STEP_INSERT_COLUMNS
from engine.store.moves import dumps
from engine.store.sqlite.tx import touch_task
from engine.templates.models import TaskTemplate

_INSERT_STEP = (
    f"INSERT INTO steps ({', '.join(STEP_INSERT_COLUMNS)})"
    f" VALUES ({', '.join(':' + c for c in STEP_INSERT_COLUMNS)})"
)
_INSERT_AUDIT = (
    f"INSERT INTO step_transitions ({', '.join(AUDIT_INSERT_COLUMNS)})"
    f" VALUES ({', '.join(':' + c for c in AUDIT_INSERT_COLUMNS)})"
)


def task_template(cx: sqlite3.Connection, task_uuid: str) -> TaskTemplate | None:
    row = cx.execute(
        "SELECT templates.template_id, templates.definition FROM tasks"
        " JOIN templates USING (template_id) WHERE tasks.task_uuid = ?",
        (task_uuid,),
    ).fetchone()
    return dynamic.template_or_none(row[0], row[1])


def close_creators(
    cx: sqlite3.Connection,
    task_uuid: str,
    finished: Sequence[tuple[str, dict[str, Any] | None]],
    now: int,
    by: str,
    *,
    strict: bool = False,
) -> None:
    """Create what each finished creator ``(name, results)`` of one task asks for and re-wire
    the task's pending steps. ``strict``: an unusable outcome raises InvalidOutcome (operator
    input); otherwise it creates nothing (the runner already refused it) and only re-wires."""
    template = task_template(cx, task_uuid)
    if template is None:
        return
    for name, results in finished:
        current = cx.execute(
            f"SELECT {expansion_rows.COLUMNS} FROM steps WHERE task_uuid = ? ORDER BY position",
            (task_uuid,),
        ).fetchall()
        writes = expansion_rows.writes_after(
            template, task_uuid, current, name, results, now, by, strict=strict
        )
        if not writes.empty:
            _apply(cx, task_uuid, writes, now)


def _apply(
    cx: sqlite3.Connection, task_uuid: str, writes: expansion_rows.ExpansionRows, now: int
) -> None:
    cx.executemany(_INSERT_STEP, writes.steps)
    cx.executemany(_INSERT_AUDIT, writes.audits)
    for change in writes.rewired:
        cx.execute(
            "UPDATE steps SET dependencies = ?, updated_at = ? WHERE step_uuid = ?",
            (change["dependencies"], now, change["step_uuid"]),
        )
        cx.execute("DELETE FROM step_edges WHERE to_step = ?", (change["step_uuid"],))
    cx.executemany(
        "INSERT OR IGNORE INTO step_edges (task_uuid, from_step, to_step) VALUES (?,?,?)",
        [(task_uuid, e["from_step"], e["to_step"]) for e in writes.edges],
    )
    if writes.steps:
        cx.execute(
            "UPDATE tasks SET total_steps = total_steps + ? WHERE task_uuid = ?",
            (len(writes.steps), task_uuid),
        )


def save_checkpoint(
    cx: sqlite3.Connection, step_uuid: str, run_count: int, checkpoint: dict[str, Any], now: int
) -> bool:
    row = cx.execute(
        "UPDATE steps SET checkpoint = ?, updated_at = ? WHERE step_uuid = ?"
        " AND state = 'in_progress' AND run_count = ? RETURNING task_uuid",
        (dumps(checkpoint), now, step_uuid, run_count),
    ).fetchone()
    if row is None:
        return False
    touch_task(cx, row[0], now)
    return True
