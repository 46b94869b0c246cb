"""The minimal SQLite floor: the leanest rows a durable 5-step chain could keep, stdlib sqlite3.

Three small tables and one index beside the keys (not our schema; see floor_same_writes for
that): one commit creates the task and its steps, then per step a claim (UPDATE + transition
INSERT) and a finish (UPDATE + transition INSERT + promote the next step). WAL,
synchronous=NORMAL, one transaction per state change, no scheduler, no handler.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from pathlib import Path

SCHEMA = """
CREATE TABLE tasks (id TEXT PRIMARY KEY, status TEXT, context TEXT, created_at INTEGER);
CREATE TABLE steps (id TEXT PRIMARY KEY, task_id TEXT, name TEXT, state TEXT, attempts INTEGER,
                    ready_at INTEGER, results TEXT);
CREATE INDEX steps_ready ON steps(ready_at) WHERE ready_at IS NOT NULL;
CREATE TABLE transitions (id INTEGER PRIMARY KEY, step_id TEXT, from_state TEXT,
                          to_state TEXT, at INTEGER);
"""


def _tx(cx: sqlite3.Connection, statements: list[tuple[str, tuple]]) -> None:
    cx.execute("BEGIN IMMEDIATE")
    for sql, params in statements:
        cx.execute(sql, params)
    cx.execute("COMMIT")


def run_chain(cx: sqlite3.Connection, steps: int = 5) -> None:
    now = time.time_ns() // 1_000_000
    task = str(uuid.uuid4())
    ids = [str(uuid.uuid4()) for _ in range(steps)]
    create = [("INSERT INTO tasks VALUES (?,?,?,?)", (task, "pending", "{}", now))]
    for n, step_id in enumerate(ids):
        create.append(
            (
                "INSERT INTO steps VALUES (?,?,?,?,?,?,?)",
                (step_id, task, f"s{n}", "pending", 0, now if n == 0 else None, None),
            )
        )
        create.append(
            (
                "INSERT INTO transitions (step_id, from_state, to_state, at) VALUES (?,?,?,?)",
                (step_id, None, "pending", now),
            )
        )
    _tx(cx, create)
    for n, step_id in enumerate(ids):
        _tx(
            cx,
            [
                (
                    "UPDATE steps SET state='in_progress', attempts=attempts+1, ready_at=NULL"
                    " WHERE id=? AND state='pending'",
                    (step_id,),
                ),
                (
                    "INSERT INTO transitions (step_id, from_state, to_state, at) VALUES (?,?,?,?)",
                    (step_id, "pending", "in_progress", now),
                ),
            ],
        )
        finish = [
            (
                "UPDATE steps SET state='complete', results='{}' WHERE id=? AND state='in_progress'",
                (step_id,),
            ),
            (
                "INSERT INTO transitions (step_id, from_state, to_state, at) VALUES (?,?,?,?)",
                (step_id, "in_progress", "complete", now),
            ),
        ]
        if n + 1 < steps:
            finish.append(("UPDATE steps SET ready_at=? WHERE id=?", (now, ids[n + 1])))
        _tx(cx, finish)


def minimal_ms_per_step(path: Path, chains: int = 200, steps: int = 5) -> float:
    """Median-free single measurement: milliseconds per step over ``chains`` chains."""
    cx = sqlite3.connect(path, isolation_level=None)
    cx.execute("PRAGMA journal_mode=WAL")
    cx.execute("PRAGMA synchronous=NORMAL")
    cx.executescript(SCHEMA)
    start = time.perf_counter()
    for _ in range(chains):
        run_chain(cx, steps)
    elapsed = time.perf_counter() - start
    cx.close()
    return elapsed * 1000 / (chains * steps)
