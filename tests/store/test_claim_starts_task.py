"""A claim that starts a pending task, or one waiting for a retry, moves the task to
steps_in_process without re-reading it: a full re-evaluation afterwards must find nothing to
change (state, counters, every step's readiness), or the shortcut would be wrong."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.store import Store, open_store
from engine.store.sqlite.tx import reevaluate
from tests.store.support import T0, failure, plan

LEASE = 30_000


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "claims.db"


@pytest.fixture
async def store(path: Path) -> AsyncIterator[Store]:
    """A SQLite store: the checks read its file beside it."""
    opened = await open_store(str(path))
    try:
        yield opened
    finally:
        await opened.close()


def snapshot(path: Path, task_uuid: str) -> tuple[tuple, list[tuple]]:
    cx = sqlite3.connect(path)
    try:
        return _state_of(cx, task_uuid)
    finally:
        cx.close()


def reevaluated(path: Path, task_uuid: str, now: int) -> tuple[tuple, list[tuple]]:
    """The snapshot after a full re-evaluation, which is then rolled back."""
    cx = sqlite3.connect(path, isolation_level=None)
    cx.row_factory = sqlite3.Row  # what the store's transactions read rows as
    try:
        cx.execute("BEGIN IMMEDIATE")
        reevaluate(cx, task_uuid, now, "check", "full re-evaluation")
        return _state_of(cx, task_uuid)
    finally:
        if cx.in_transaction:
            cx.execute("ROLLBACK")
        cx.close()


def _state_of(cx: sqlite3.Connection, task_uuid: str) -> tuple[tuple, list[tuple]]:
    """The task's state and counters, and each step's state and ready_at, as plain tuples."""
    task = cx.execute(
        "SELECT status, completed_steps, failed_steps FROM tasks WHERE task_uuid = ?",
        (task_uuid,),
    ).fetchone()
    steps = cx.execute(
        "SELECT name, state, ready_at FROM steps WHERE task_uuid = ? ORDER BY position",
        (task_uuid,),
    ).fetchall()
    return tuple(task), [tuple(step) for step in steps]


async def test_starting_a_pending_task_needs_no_re_evaluation(path: Path, store: Store) -> None:
    new = plan({"left": (), "right": (), "join": ("left", "right")})
    await store.create_task(new, T0)
    claimed = await store.claim_ready("w1", T0 + 1, 1, LEASE)  # one of the two roots
    assert len(claimed) == 1
    after = snapshot(path, new.task_uuid)
    assert after[0] == ("steps_in_process", 0, 0)
    states = {name: (state, ready) for name, state, ready in after[1]}
    assert states[claimed[0].name] == ("in_progress", None)
    other = "right" if claimed[0].name == "left" else "left"
    assert states[other] == ("pending", T0)  # still ready, as it was
    assert reevaluated(path, new.task_uuid, T0 + 2) == after
    audit = await store.task_audit(new.task_uuid)
    assert [(a["from_state"], a["to_state"], a["reason"]) for a in audit][-1] == (
        "pending",
        "steps_in_process",
        "a step started",
    )


async def test_starting_a_task_waiting_for_a_retry_needs_no_re_evaluation(
    path: Path, store: Store
) -> None:
    new = plan({"first": (), "second": ("first",)})
    await store.create_task(new, T0)
    (first,) = await store.claim_ready("w1", T0, 1, LEASE)
    await store.finish_attempts([failure(first, T0 + 5)], T0 + 5, "w1")
    waiting = snapshot(path, new.task_uuid)
    assert waiting[0][0] == "waiting_for_retry"
    due = waiting[1][0][2]
    (again,) = await store.claim_ready("w1", due, 1, LEASE)
    assert again.name == "first" and again.attempts == 2
    after = snapshot(path, new.task_uuid)
    assert after[0] == ("steps_in_process", 0, 0)
    assert after[1] == [("first", "in_progress", None), ("second", "pending", None)]
    assert reevaluated(path, new.task_uuid, due + 1) == after
