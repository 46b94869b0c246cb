"""A database with many tasks, built fast: the engine's own create path, 2,000 tasks per commit.

Nine in ten tasks are then marked complete (steps, counters, task state) so the database looks
like one that has run for a while; the rest stay pending for a worker or a console to find.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from engine import identity, plan
from engine.store.sqlite import store as sqlite_store
from engine.store.sqlite import writes as sqlite_writes
from engine.templates import TemplateCatalog

TEMPLATES = Path(__file__).parent / "templates"
BATCH = 2000


def build(path: Path, tasks: int, template: str = "chain5") -> Path:
    chain = TemplateCatalog.load([TEMPLATES]).get("bench", template)
    cx = sqlite_store._connect(str(path))
    sqlite_store._prepare(cx, str(path))
    now = int(time.time() * 1000) - tasks  # one task per millisecond, oldest first
    for start in range(0, tasks, BATCH):
        cx.execute("BEGIN IMMEDIATE")
        for n in range(start, min(start + BATCH, tasks)):
            context = {"n": n}
            ihash = identity.identity_hash(chain.key, context, chain.identity_strategy, None)
            made = plan.task_plan(chain, context, ihash, now_ms=now + n, initiator="bench")
            sqlite_writes._create_task(cx, made, now + n)
        cx.execute("COMMIT")
    _complete_most(cx)
    cx.close()
    return path


def _complete_most(cx: sqlite3.Connection) -> None:
    """Mark nine tasks in ten complete, as a long-running database would have them."""
    cx.execute("BEGIN IMMEDIATE")
    cx.execute(
        "UPDATE steps SET state = 'complete', ready_at = NULL, attempts = 1, results = '{}'"
        " WHERE task_uuid IN (SELECT task_uuid FROM tasks WHERE rowid % 10 != 0)"
    )
    cx.execute(
        "UPDATE tasks SET status = 'complete', completed_steps = total_steps,"
        " completed_at = updated_at WHERE rowid % 10 != 0"
    )
    cx.execute("COMMIT")
    cx.execute("ANALYZE")
