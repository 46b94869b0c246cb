"""The SQLite store's hot path: claiming ready steps and storing attempt results.

Every function runs inside one write transaction. Finishing a batch of attempts re-evaluates
each touched task once and claims the steps they made ready in the same transaction, so a
worker pays one commit and one thread hop for many steps.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from typing import Any

from engine import lifecycle
from engine.states import StepState as S
from engine.states import TaskState as T
from engine.store import expansion_rows, moves
from engine.store.base import AttemptResult, ClaimedStep
from engine.store.event_rows import OUTBOX_INSERT
from engine.store.sqlite import dynamic as sqlite_dynamic
from engine.store.sqlite import incremental as sqlite_incremental
from engine.store.sqlite.tx import (
    Moves,
    ancestor_rows,
    chunks,
    move_step,
    move_task,
    reevaluate,
    reevaluate_all,
    touch_tasks,
)


def any_ready(cx: sqlite3.Connection, worker_id: str, now: int, limit: int, lease_ms: int) -> bool:
    """A read before the write lock: is there anything to claim at all?"""
    return (
        cx.execute(
            "SELECT 1 FROM steps WHERE ready_at IS NOT NULL AND ready_at <= ? LIMIT 1", (now,)
        ).fetchone()
        is not None
    )


Claim = tuple[sqlite3.Row, dict[str, sqlite3.Row]]  # a claimed step's row (as read before
# the claim) and its ancestors' names, dependencies and results by name (shared by the claims
# of one task): ``claimed_steps`` makes ClaimedSteps of them once the transaction has
# committed, so the lock is not held for that


def claim_ready(
    cx: sqlite3.Connection,
    worker_id: str,
    now: int,
    limit: int,
    lease_ms: int,
    stamped: Collection[str] = (),
) -> list[Claim]:
    """Claim up to ``limit`` ready steps, oldest first.

    ``stamped``: tasks already re-evaluated (and so stamped) in this transaction.
    """
    if limit <= 0:
        return []
    claimed = cx.execute(
        "SELECT steps.step_uuid, steps.task_uuid, steps.name, steps.state, steps.attempts,"
        " steps.run_count, steps.max_attempts, steps.retry_policy, steps.timeout_ms,"
        " steps.dependencies, steps.template_step, steps.inputs, steps.checkpoint,"
        " steps.failure_strategy, tasks.status AS task_status,"
        " task_contexts.context AS task_context, tasks.template_id AS task_template_id"
        " FROM steps JOIN tasks USING (task_uuid) JOIN task_contexts USING (task_uuid)"
        " WHERE steps.ready_at IS NOT NULL AND steps.ready_at <= ? ORDER BY steps.ready_at"
        " LIMIT ?",
        (now, limit),
    ).fetchall()
    claims = Moves(now, worker_id)  # read under this transaction's write lock: all succeed
    for row in claimed:
        claim = moves.claim_columns(row, worker_id, now, lease_ms)
        claims.add(row, S.IN_PROGRESS, moves.CLAIM_REASON, **claim)
    claims.write(cx)
    # A start changes no state or counter of a task already running: it is only stamped
    # (unless re-evaluated in this transaction already); a pending task or one waiting for a
    # retry moves to steps_in_process; any other task is re-evaluated.
    to_stamp, to_evaluate = [], []
    for task_uuid, status in {r["task_uuid"]: T(r["task_status"]) for r in claimed}.items():
        if status is T.STEPS_IN_PROCESS:
            if task_uuid not in stamped:
                to_stamp.append(task_uuid)
        elif status in moves.STARTED_BY_A_CLAIM:
            move_task(cx, task_uuid, status, T.STEPS_IN_PROCESS, now, worker_id,
                      moves.START_REASON, stamp=True)  # fmt: skip
        else:
            to_evaluate.append(task_uuid)
    # Read after the claims, so the re-evaluations see these steps in progress.
    reevaluate_all(cx, dict.fromkeys(to_evaluate, moves.START_REASON), now, worker_id)
    touch_tasks(cx, to_stamp, now)
    # Results are read for the claimed steps' ancestors only (a re-evaluation never needs
    # them): a root step has none, a step of a big task reads its own, not the task's.
    parents: dict[str, set[str]] = {}
    for row in claimed:
        parents.setdefault(row["task_uuid"], set()).update(moves.dependencies(row["dependencies"]))
    ancestors = ancestor_rows(cx, parents)
    return [(row, ancestors[row["task_uuid"]]) for row in claimed]


def claimed_steps(claims: list[Claim]) -> list[ClaimedStep]:
    """What the handlers of just-claimed steps need: the context and every ancestor's results."""
    return [
        moves.claimed_step(
            row, {"context": row["task_context"], "template_id": row["task_template_id"]}, ancestors
        )
        for row, ancestors in claims
    ]


def move_by_decision(
    cx: sqlite3.Connection, row: sqlite3.Row, decision: lifecycle.Decision, now: int, by: str
) -> str | None:
    """Move the step as ``decision`` says; the reason for its task's re-evaluation, or None."""
    move = moves.decision_move(row, decision, now)
    moved = move_step(
        cx,
        row,
        move.to_state,
        now,
        by,
        move.reason,
        metadata=move.metadata,
        expect_run_count=row["run_count"],
        **move.columns,
    )
    return f"step {row['name']} {move.to_state.value}" if moved else None


def apply_decision(
    cx: sqlite3.Connection, row: sqlite3.Row, decision: lifecycle.Decision, now: int, by: str
) -> bool:
    """Move one step and re-evaluate its task (recovery and single results)."""
    reason = move_by_decision(cx, row, decision, now, by)
    if reason is not None:
        reevaluate(cx, row["task_uuid"], now, by, reason)
    return reason is not None


def finish_attempts(
    cx: sqlite3.Connection,
    results: list[AttemptResult],
    now: int,
    by: str,
    claim_limit: int,
    lease_ms: int,
) -> tuple[list[bool], list[Claim], dict[str, T]]:
    """Store a batch of attempt results, then claim up to ``claim_limit`` ready steps.

    A result whose attempt no longer owns its step (an operator or a recovery moved it first)
    is discarded: False in its place. Also returns the re-evaluated tasks' states.
    """
    stored: list[bool] = []
    reasons: dict[str, list[str]] = {}
    finished: dict[str, list[sqlite_incremental.Finish]] = {}
    creators: dict[str, list[tuple[str, dict[str, Any] | None]]] = {}
    rows = _finishing_steps(cx, [result.step_uuid for result in results])
    stored_moves = Moves(now, by)
    outbox: list[tuple[Any, ...]] = []
    for result in results:
        row = rows.pop(result.step_uuid, None)  # popped: a second result for a step is stale
        if row is None or row["state"] != S.IN_PROGRESS or row["run_count"] != result.run_count:
            stored.append(False)
            continue
        stored.append(True)
        if result.events:  # a step that publishes nothing pays no statement for it
            outbox += [event.outbox_row(by) for event in result.events if event.durable]
        move = moves.decision_move(row, result.decision, now)
        stored_moves.add(row, move.to_state, move.reason, move.metadata, **move.columns)
        reasons.setdefault(row["task_uuid"], []).append(f"step {row['name']} {move.to_state.value}")
        finished.setdefault(row["task_uuid"], []).append(
            (row, move.to_state, result.decision.next_retry_at_ms)
        )
        if row["template_step"] is None and expansion_rows.closes_creator(result.decision):
            creators.setdefault(row["task_uuid"], []).append((row["name"], result.decision.results))
    stored_moves.write(cx)
    if outbox:
        cx.executemany(OUTBOX_INSERT, outbox)
    for task_uuid, closed in creators.items():  # decision branches and batch workers
        sqlite_dynamic.close_creators(cx, task_uuid, closed, now, by)
        finished.pop(task_uuid)  # its steps changed: re-evaluated whole
    states, left = sqlite_incremental.reevaluate_finished(
        cx, finished, {task: "; ".join(why) for task, why in reasons.items()}, now, by
    )
    states.update(reevaluate_all(cx, left, now, by))
    return stored, claim_ready(cx, by, now, claim_limit, lease_ms, reasons.keys()), states


def _finishing_steps(cx: sqlite3.Connection, step_uuids: list[str]) -> dict[str, sqlite3.Row]:
    """What storing an attempt's result reads of its step (``move_step``, ``decision_move``)
    and of its task (the counters the re-evaluation moves on), one query per 999 steps."""
    rows: dict[str, sqlite3.Row] = {}
    for chunk, marks in chunks(step_uuids):
        query = (
            "SELECT steps.step_uuid, steps.task_uuid, steps.name, steps.state, steps.run_count,"
            " steps.cancel_requested, steps.results, steps.template_step, steps.inputs,"
            " steps.error IS NOT NULL AS has_error, tasks.status AS task_status,"
            " tasks.total_steps AS task_total_steps,"
            " tasks.completed_steps AS task_completed_steps,"
            " tasks.failed_steps AS task_failed_steps"
            f" FROM steps JOIN tasks USING (task_uuid) WHERE steps.step_uuid IN ({marks})"
        )
        for row in cx.execute(query, chunk):
            rows[row["step_uuid"]] = row
    return rows
