"""The bench's same-writes floor writes what our engine writes for a 5-step chain, row for row."""

from __future__ import annotations

import sqlite3
from itertools import count
from pathlib import Path

from bench import floor_same_writes
from engine.api import open_engine

BENCH = Path(floor_same_writes.__file__).parent
# Columns whose values differ by nature (ids, clocks, the worker's name, hashes, free text).
VARYING = {
    "task_uuid",
    "step_uuid",
    "from_step",
    "to_step",
    "template_id",
    "identity_hash",
    "id",
    "created_at",
    "updated_at",
    "completed_at",
    "started_at",
    "finished_at",
    "last_attempted_at",
    "lease_expires_at",
    "ready_at",
    "at",
    "by",
    "reason",
    "change_seq",
    "first_used_at",
    "context",
    "definition",
    "source_path",
}
ORDER = {
    "templates": "namespace",
    "tasks": "created_at",
    "task_contexts": "rowid",
    "steps": "position",
    "step_edges": "rowid",
    "task_transitions": "id",
    "step_transitions": "id",
}


def _rows(path: Path) -> dict[str, list[dict[str, object]]]:
    """Every table's rows, the columns that do not vary by nature, and which columns are set."""
    cx = sqlite3.connect(path)
    cx.row_factory = sqlite3.Row
    tables: dict[str, list[dict[str, object]]] = {}
    for table, order in ORDER.items():
        rows = cx.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
        tables[table] = [
            {k: (row[k] if k not in VARYING else row[k] is not None) for k in row.keys()}
            for row in rows
        ]
    cx.close()
    return tables


async def test_the_floor_writes_the_rows_our_engine_writes_for_one_chain(tmp_path: Path) -> None:
    ours = tmp_path / "ours.db"
    async with open_engine(
        ours, templates=[BENCH / "templates"], handlers=[str(BENCH / "noop_handlers.py")]
    ) as engine:
        await engine.create_task("chain5", "bench", {"n": 0})
        await engine.run_until_idle()

    floor = tmp_path / "floor.db"
    cx = floor_same_writes.open_floor(floor)
    floor_same_writes.run_chain(cx, floor_same_writes.ordered_ids(), count(1), 0)
    cx.close()

    ours_rows, floor_rows = _rows(ours), _rows(floor)
    assert {t: len(r) for t, r in floor_rows.items()} == {
        "templates": 1,
        "tasks": 1,
        "task_contexts": 1,
        "steps": 5,
        "step_edges": 4,
        "task_transitions": 3,
        "step_transitions": 15,
    }
    assert floor_rows == ours_rows
