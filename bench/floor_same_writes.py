"""The raw SQLite floor for the same durable writes our engine makes, with stdlib sqlite3.

On our schema (its own migrations, so the same tables and indexes), a 5-step chain writes the
rows our engine writes for it, column for column: the template row (INSERT OR IGNORE), the task
and its context with its audit row, the steps with theirs, the dependency edges; per step a claim (the step
leased and counted, its audit row; the first also starts the task, with its audit row) and a
finish (the step's result, its audit row, the next step made ready and the task's counters, or
the task completed with its audit row), every task change numbered for the change feed. WAL,
synchronous=NORMAL, one transaction per state change, no reads, no scheduler, no handler.

Every choice is the cheaper one where ours could be questioned: ids in time order (as our
UUIDv7 ids are), the change-feed number counted in Python, foreign keys off (stdlib default).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from itertools import count, pairwise
from pathlib import Path

from engine.store.sqlite.schema import MIGRATIONS

STEPS = 5
LEASE_MS = 30_000
WORKER = "floor:1:000000"
POLICY = json.dumps(
    {
        "retryable": True,
        "max_attempts": 3,
        "backoff": "exponential",
        "backoff_base_ms": 1000,
        "max_backoff_ms": 30000,
    },
    separators=(",", ":"),
)
DEFINITION = json.dumps(
    {
        "name": "chain5",
        "namespace_name": "bench",
        "version": "1.0.0",
        "steps": [{"name": f"s{n + 1}", "handler": {"callable": "bench_noop"}} for n in range(5)],
    }
)
SOURCE = str(Path(__file__).parent / "templates" / "chain5.yaml")
TEMPLATE_ID = hashlib.sha256(DEFINITION.encode()).hexdigest()

INSERT_TEMPLATE = (
    "INSERT OR IGNORE INTO templates (template_id, namespace, name, version, definition,"
    " source_path, first_used_at) VALUES (?, 'bench', 'chain5', '1.0.0', ?, ?, ?)"
)
INSERT_TASK = (
    "INSERT INTO tasks (task_uuid, template_id, namespace, name, version, status,"
    " initiator, source_system, reason, identity_hash, idempotency_key, total_steps, created_at,"
    " updated_at, change_seq) VALUES (?, ?, 'bench', 'chain5', '1.0.0', 'pending', NULL,"
    " NULL, NULL, ?, NULL, ?, ?, ?, ?)"
)
INSERT_CONTEXT = "INSERT INTO task_contexts (task_uuid, context) VALUES (?, ?)"
INSERT_STEP = (
    "INSERT INTO steps (step_uuid, task_uuid, name, position, handler_callable, dependencies,"
    " state, max_attempts, retryable, retry_policy, timeout_ms, created_at, updated_at, ready_at)"
    " VALUES (?, ?, ?, ?, 'bench_noop', ?, 'pending', 3, 1, ?, 30000, ?, ?, ?)"
)
INSERT_EDGE = "INSERT INTO step_edges (task_uuid, from_step, to_step) VALUES (?, ?, ?)"
TASK_AUDIT = (
    "INSERT INTO task_transitions (task_uuid, from_state, to_state, at, by, reason, metadata)"
    " VALUES (?, ?, ?, ?, ?, ?, NULL)"
)
STEP_AUDIT = (
    "INSERT INTO step_transitions (task_uuid, step_uuid, step_name, from_state, to_state,"
    " attempt, at, by, reason, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)"
)
CLAIM_STEP = (
    "UPDATE steps SET state = 'in_progress', updated_at = ?, attempts = attempts + 1,"
    " run_count = run_count + 1, ready_at = NULL, claimed_by = ?, lease_expires_at = ?,"
    " last_attempted_at = ?, started_at = ?, cancel_requested = 0"
    " WHERE step_uuid = ? AND state = 'pending'"
)
START_TASK = (
    "UPDATE tasks SET status = 'steps_in_process', updated_at = ?, change_seq = ?"
    " WHERE task_uuid = ?"
)
FINISH_STEP = (
    "UPDATE steps SET state = 'complete', updated_at = ?, results = '{}', error = NULL,"
    " next_retry_at = NULL, backoff_ms = NULL, backoff_rule = NULL, claimed_by = NULL,"
    " lease_expires_at = NULL, finished_at = ? WHERE step_uuid = ? AND state = 'in_progress'"
)
MAKE_READY = "UPDATE steps SET ready_at = ? WHERE step_uuid = ?"
COUNT_STEP = (
    "UPDATE tasks SET updated_at = ?, completed_steps = ?, failed_steps = 0, change_seq = ?"
    " WHERE task_uuid = ?"
)
COMPLETE_TASK = (
    "UPDATE tasks SET status = 'complete', completed_at = ?, updated_at = ?,"
    " completed_steps = ?, failed_steps = 0, change_seq = ? WHERE task_uuid = ?"
)

Statement = tuple[str, tuple[object, ...]]


def ordered_ids() -> Iterator[str]:
    """uuid-shaped ids in creation order, as UUIDv7 ids are: each insert lands at the index's end."""
    base = time.time_ns() // 1_000_000
    for n in count():
        text = f"{base:012x}{n:020x}"
        yield f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _tx(cx: sqlite3.Connection, statements: list[Statement]) -> None:
    cx.execute("BEGIN IMMEDIATE")
    for sql, params in statements:
        cx.execute(sql, params)
    cx.execute("COMMIT")


def _creation(task: str, ids: list[str], seq: int, now: int, n: int) -> list[Statement]:
    identity = hashlib.sha256(f"{task}:{n}".encode()).hexdigest()
    made: list[Statement] = [
        (INSERT_TEMPLATE, (TEMPLATE_ID, DEFINITION, SOURCE, now)),
        (INSERT_TASK, (task, TEMPLATE_ID, identity, len(ids), now, now, seq)),
        (INSERT_CONTEXT, (task, json.dumps({"n": n}))),
        (TASK_AUDIT, (task, None, "pending", now, "tasker", "task created")),
    ]
    for position, step in enumerate(ids):
        deps = json.dumps([f"s{position}"] if position else [])
        ready = now if position == 0 else None
        made.append(
            (INSERT_STEP, (step, task, f"s{position + 1}", position, deps, POLICY, now, now, ready))
        )
    for position, step in enumerate(ids):
        name = f"s{position + 1}"
        made.append((STEP_AUDIT, (task, step, name, None, "pending", 0, now, "tasker", "created")))
    made += [(INSERT_EDGE, (task, a, b)) for a, b in pairwise(ids)]
    return made


def run_chain(cx: sqlite3.Connection, ids: Iterator[str], seqs: Iterator[int], n: int) -> None:
    """One 5-step chain, created, every step claimed and finished, each in its own commit."""
    now = time.time_ns() // 1_000_000
    task = next(ids)
    steps = [next(ids) for _ in range(STEPS)]
    _tx(cx, _creation(task, steps, next(seqs), now, n))
    for position, step in enumerate(steps):
        name = f"s{position + 1}"
        claim: list[Statement] = [
            (CLAIM_STEP, (now, WORKER, now + LEASE_MS, now, now, step)),
            (STEP_AUDIT, (task, step, name, "pending", "in_progress", 1, now, WORKER, "claimed")),
        ]
        if position == 0:
            claim += [
                (START_TASK, (now, next(seqs), task)),
                (TASK_AUDIT, (task, "pending", "steps_in_process", now, WORKER, "a step started")),
            ]
        _tx(cx, claim)
        finish: list[Statement] = [
            (FINISH_STEP, (now, now, step)),
            (STEP_AUDIT, (task, step, name, "in_progress", "complete", 1, now, WORKER, "done")),
        ]
        if position + 1 < STEPS:
            finish += [
                (MAKE_READY, (now, steps[position + 1])),
                (COUNT_STEP, (now, position + 1, next(seqs), task)),
            ]
        else:
            finish += [
                (COMPLETE_TASK, (now, now, position + 1, next(seqs), task)),
                (TASK_AUDIT, (task, "steps_in_process", "complete", now, WORKER, f"{name} done")),
            ]
        _tx(cx, finish)


def open_floor(path: Path) -> sqlite3.Connection:
    cx = sqlite3.connect(path, isolation_level=None)
    cx.execute("PRAGMA journal_mode=WAL")
    cx.execute("PRAGMA synchronous=NORMAL")
    for migration in MIGRATIONS:
        if callable(migration):
            migration(cx)
        else:
            cx.executescript(migration)
    return cx


def same_writes_ms_per_step(path: Path, chains: int = 200) -> float:
    """Milliseconds per step over ``chains`` chains written one after another."""
    cx = open_floor(path)
    ids, seqs = ordered_ids(), count(1)
    start = time.perf_counter()
    for n in range(chains):
        run_chain(cx, ids, seqs, n)
    elapsed = time.perf_counter() - start
    cx.close()
    return elapsed * 1000 / (chains * STEPS)
