"""A database with many tasks, built fast: the engine's own create path, 2,000 tasks per commit.

Nine in ten tasks are then marked complete (steps, counters, task state) so the database looks
like one that has run for a while; the rest stay pending for a worker or a console to find.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine import identity, plan
from engine.store.sqlite import search
from engine.store.sqlite import store as sqlite_store
from engine.store.sqlite import writes as sqlite_writes
from engine.templates import TemplateCatalog

TEMPLATES = Path(__file__).parent / "templates"
BATCH = 2000


def shop_context(n: int) -> dict[str, Any]:
    """An order's context: what an operator searches for (an e-mail, an order id, a SKU)."""
    return {
        "n": n,
        "customer": {"email": f"shopper{n}@example.com"},
        "order_id": f"ORD-{n:07d}",
        "items": [{"sku": f"SKU-{n % 500:03d}", "quantity": 1 + n % 3}],
    }


def build(path: Path, tasks: int, template: str = "chain5", shop: bool = False) -> Path:
    """``shop``: orders' contexts (``shop_context``), and one task in FAILED_EVERY blocked by a
    payment error (a code and a message), so that search has something to find."""
    chain = TemplateCatalog.load([TEMPLATES]).get("bench", template)
    cx = sqlite_store._connect(str(path))
    sqlite_store._prepare(cx, str(path))
    now = int(time.time() * 1000) - tasks  # one task per millisecond, oldest first
    for start in range(0, tasks, BATCH):
        cx.execute("BEGIN IMMEDIATE")
        for n in range(start, min(start + BATCH, tasks)):
            context = shop_context(n) if shop else {"n": n}
            ihash = identity.identity_hash(chain.key, context, chain.identity_strategy, None)
            made = plan.task_plan(chain, context, ihash, now_ms=now + n, initiator="bench")
            sqlite_writes._create_task(cx, made, now + n)
        cx.execute("COMMIT")
    _complete_most(cx)
    if shop:
        _fail_some(cx)
    cx.close()
    return path


FAILED_EVERY = 50  # among the tasks left pending (one in ten)
CODES = ("PAYMENT_DECLINED", "GATEWAY_TIMEOUT", "RATE_LIMITED")


def _fail_some(cx: sqlite3.Connection) -> None:
    """Block one task in FAILED_EVERY on its first step's error."""
    fail_first_steps(
        cx, FAILED_EVERY, 0, CODES, lambda code, n: f"gateway said {code.lower()} for order {n}"
    )
    cx.execute("ANALYZE")


def fail_first_steps(
    cx: sqlite3.Connection,
    every: int,
    remainder: int,
    codes: tuple[str, ...],
    message: Callable[[str, int], str],
) -> None:
    """Block each task whose rowid % ``every`` is ``remainder`` on its first step, in error
    with the next of ``codes`` and ``message(code, rowid)``, as a worker leaves it: the step's
    error, its audit row, the task's state, and the search index."""
    cx.execute("BEGIN IMMEDIATE")
    rows = cx.execute(
        "SELECT s.task_uuid, s.step_uuid, s.name, t.rowid, t.created_at FROM steps s"
        " JOIN tasks t USING (task_uuid) WHERE t.rowid % ? = ? AND s.position = 0",
        (every, remainder),
    ).fetchall()
    items = []
    for n, (task_uuid, step_uuid, name, rowid, at) in enumerate(rows):
        code = codes[n % len(codes)]
        error = json.dumps({"error_type": "permanent_error", "error_code": code,
                            "retryable": False, "message": message(code, rowid)})  # fmt: skip
        cx.execute(
            "UPDATE steps SET state = 'error', ready_at = NULL, attempts = 1, run_count = 1,"
            " error = ?, finished_at = ? WHERE step_uuid = ?",
            (error, at + 5, step_uuid),
        )
        cx.execute(
            "INSERT INTO step_transitions (task_uuid, step_uuid, step_name, from_state,"
            " to_state, attempt, at, by, reason, metadata)"
            " VALUES (?, ?, ?, 'in_progress', 'error', 1, ?, 'bench', 'failed', ?)",
            (task_uuid, step_uuid, name, at + 5, error),
        )
        cx.execute(
            "UPDATE tasks SET status = 'blocked_by_failures', failed_steps = 1 WHERE task_uuid = ?",
            (task_uuid,),
        )
        items.append((task_uuid, step_uuid, name, error))
    search.index_errors(cx, items)
    cx.execute("COMMIT")


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
