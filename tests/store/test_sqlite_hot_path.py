"""The SQLite worker hot path (and task creation, a task's view, the ready-list reads) runs on
the event loop's thread: it waits for another connection's write lock without stopping the
loop, and gives up in one line after the wait."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from engine import lifecycle
from engine.states import StepState
from engine.store import StoreError, open_store
from engine.store.base import AttemptResult
from engine.store.sqlite import busy
from engine.store.sqlite import store as sqlite_store
from tests.store.support import T0, plan, success


async def _ticks_while(work: asyncio.Future, interval_s: float = 0.005) -> int:
    """How many times the loop ran another coroutine before ``work`` finished."""
    ticks = 0
    while not work.done():
        await asyncio.sleep(interval_s)
        ticks += 1
    return ticks


async def test_a_claim_waits_for_another_connections_lock_while_the_loop_runs_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tasker.db"
    store = await open_store(str(path))
    try:
        made = plan({"a": (), "b": ("a",)})
        await store.create_task(made, T0)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        claim = asyncio.ensure_future(store.claim_ready("w1", T0, 5, 1000))
        release = asyncio.get_running_loop().call_later(0.2, holder.execute, "COMMIT")
        ticks = await _ticks_while(claim)
        release.cancel()
        holder.close()
        [a] = claim.result()
        assert a.name == "a"
        assert ticks >= 10  # the loop kept running for the 0.2 s the lock was held
        stored, [b], _ = await store.finish_attempts([success(a, {"x": 1})], T0 + 1, "w1", 4)
        assert stored == [True] and b.dependency_results["a"]["result"] == {"x": 1}
    finally:
        await store.close()
    with sqlite3.connect(path) as side:  # what the hot path wrote is committed, on disk
        states = dict(side.execute("SELECT name, state FROM steps"))
    assert states == {"a": "complete", "b": "in_progress"}


async def test_creation_waits_for_the_lock_while_reads_see_what_was_committed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tasker.db"
    store = await open_store(str(path))
    try:
        first = plan({"a": ()})
        await store.create_task(first, T0)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("UPDATE steps SET ready_at = ?", (T0 - 50,))  # not committed yet
        second = plan({"a": ()}, context={"n": 2})
        creating = asyncio.ensure_future(store.create_task(second, T0))
        release = asyncio.get_running_loop().call_later(0.2, holder.execute, "ROLLBACK")
        # While the lock is held, reads on the same loop answer from the committed state.
        assert (await store.get_task(first.task_uuid))["task_uuid"] == first.task_uuid
        assert await store.resolve_task_uuid(first.task_uuid) == first.task_uuid
        assert await store.resolve_task_uuid(first.task_uuid[-8:]) == first.task_uuid
        assert await store.next_ready_at() == T0
        assert await store.has_live_work()
        ticks = await _ticks_while(creating)
        release.cancel()
        holder.close()
        assert creating.result() == (second.task_uuid, True)
        assert ticks >= 10
        assert (await store.get_task(second.task_uuid))["status"] == "pending"
    finally:
        await store.close()


async def test_a_lock_held_past_the_wait_is_one_line_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(busy, "BUSY_TIMEOUT_MS", 100)
    path = tmp_path / "tasker.db"
    store = await open_store(str(path))
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        await store.create_task(plan({"only": ()}), T0)
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError, match="is busy"):
            await store.claim_ready("w1", T0, 5, 1000)
        holder.execute("ROLLBACK")
        [claimed] = await store.claim_ready("w1", T0, 5, 1000)  # nothing was half-claimed
        assert claimed.attempts == 1 and claimed.run_count == 1
    finally:
        holder.close()
        await store.close()


async def test_an_in_memory_database_runs_the_hot_path_on_its_one_connection() -> None:
    store = await open_store(":memory:")
    try:
        made = plan({"a": (), "b": ("a",)})
        await store.create_task(made, T0)
        [a] = await store.claim_ready("w1", T0, 5, 1000)
        _, [b], _ = await store.finish_attempts([success(a)], T0 + 1, "w1", 4)
        await store.finish_attempts([success(b)], T0 + 2, "w1")
        assert (await store.get_task(made.task_uuid))["status"] == "complete"
    finally:
        await store.close()


async def test_results_the_handler_layer_serialised_are_written_as_that_text(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tasker.db"
    store = await open_store(str(path))
    try:
        made = plan({"a": ()})
        await store.create_task(made, T0)
        [a] = await store.claim_ready("w1", T0, 5, 1000)
        checked = '{"name":"café ☕"}'  # as json_limits.stored_text writes it: one serialisation
        decision = lifecycle.Decision(
            StepState.COMPLETE, "attempt succeeded", {"name": "café ☕"}, results_text=checked
        )
        await store.finish_attempts(
            [AttemptResult(a.step_uuid, a.run_count, decision)], T0 + 1, "w1"
        )
    finally:
        await store.close()
    with sqlite3.connect(path) as side:
        assert side.execute("SELECT results FROM steps").fetchone()[0] == checked


async def test_a_result_written_at_once_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "tasker.db"
    store = await open_store(str(path))
    assert isinstance(store, sqlite_store.SqliteStore)
    try:
        await store.create_task(plan({"a": (), "b": ("a",)}), T0)
        [a] = await store.claim_ready("w1", T0, 5, 1000)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        assert store.finish_attempts_now([success(a, {"x": 1})], T0 + 1, "w1", 4) is None
        holder.execute("COMMIT")
        with sqlite3.connect(path) as side:  # nothing of it was written
            assert side.execute("SELECT state FROM steps WHERE name = 'a'").fetchone() == (
                "in_progress",
            )
        finished = store.finish_attempts_now([success(a, {"x": 1})], T0 + 2, "w1", 4)
        assert finished is not None
        [b] = finished.claimed
        assert finished.stored == [True] and b.dependency_results["a"]["result"] == {"x": 1}
        holder.close()
    finally:
        await store.close()
    memory = await open_store(":memory:")
    assert isinstance(memory, sqlite_store.SqliteStore)
    try:  # no second connection: only the thread's, which cannot be used without a hop
        await memory.create_task(plan({"a": ()}), T0)
        [a] = await memory.claim_ready("w1", T0, 5, 1000)
        assert memory.finish_attempts_now([success(a)], T0 + 1, "w1") is None
    finally:
        await memory.close()
