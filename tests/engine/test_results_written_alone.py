"""A step that nothing could join writes its own result at once (SQLite), with no writer task;
steps that finish together still share one write, and a held lock sends the result the
usual way."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from engine.api import Engine, open_engine
from engine.clock import FakeClock
from tasker_core.step_handler.functional import step_handler
from tests.engine.support import DATA, HANDLERS

FORK = """
name: fork
namespace_name: testing
version: 1.0.0
steps:
  - name: start
    handler: { callable: testing_scripted }
  - name: left
    handler: { callable: testing_scripted }
    dependencies: [start]
  - name: right
    handler: { callable: testing_scripted }
    dependencies: [start]
  - name: join
    handler: { callable: testing_scripted }
    dependencies: [left, right]
"""

LOCK_CHAIN = """
name: lock_chain
namespace_name: testing
version: 1.0.0
steps:
  - name: first
    handler: { callable: testing_takes_the_lock }
  - name: second
    handler: { callable: testing_takes_the_lock }
    dependencies: [first]
  - name: third
    handler: { callable: testing_takes_the_lock }
    dependencies: [second]
"""


class Writes:
    """How each result reached the database: written by its own step, or queued."""

    def __init__(self, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
        self.alone: list[int] = []
        self.queued: list[int] = []
        store = engine.store
        now, later = store.finish_attempts_now, store.finish_attempts  # type: ignore[attr-defined]

        def written_now(results: list[Any], *args: Any) -> Any:
            finished = now(results, *args)
            if finished is not None:
                self.alone.append(len(results))
            return finished

        async def written_later(results: list[Any], *args: Any) -> Any:
            self.queued.append(len(results))
            return await later(results, *args)

        monkeypatch.setattr(store, "finish_attempts_now", written_now)
        monkeypatch.setattr(store, "finish_attempts", written_later)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "fork.yaml").write_text(FORK)
    (tmp_path / "templates" / "lock_chain.yaml").write_text(LOCK_CHAIN)
    async with open_engine(
        tmp_path / "tasker.db",
        templates=[DATA, tmp_path / "templates"],
        handlers=HANDLERS,
        clock=FakeClock(),
    ) as eng:
        yield eng


async def _run_one(engine: Engine, name: str, worker_concurrency: int = 4) -> str:
    worker = engine.worker(concurrency=worker_concurrency)
    running = asyncio.create_task(worker.run())
    try:
        made = await engine.create_task(name, "testing", {})
        return await engine.wait_for_task(made.task["task_uuid"], timeout_s=10)
    finally:
        worker.stop()
        await running


async def test_a_chain_run_alone_writes_each_result_in_its_own_step(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes = Writes(engine, monkeypatch)
    assert await _run_one(engine, "flaky_chain") == "complete"
    assert writes.alone == [1, 1, 1] and writes.queued == []


async def test_steps_that_finish_together_share_one_write(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes = Writes(engine, monkeypatch)
    assert await _run_one(engine, "fork") == "complete"
    # start and join ran alone; left and right ran side by side and went in one write.
    assert writes.alone == [1, 1] and writes.queued == [2]


async def test_a_result_meeting_a_held_lock_is_written_once_the_lock_is_free(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes = Writes(engine, monkeypatch)
    holder = sqlite3.connect(tmp_path / "tasker.db", isolation_level=None)
    ran: list[str] = []

    @step_handler("testing_takes_the_lock")
    async def takes_the_lock(context: Any) -> dict[str, Any]:  # as another process would
        ran.append(context.step_name)
        if context.step_name == "second":
            holder.execute("BEGIN IMMEDIATE")
            asyncio.get_running_loop().call_later(0.2, holder.execute, "COMMIT")
        return {}

    engine.registry.register("testing_takes_the_lock", takes_the_lock)
    try:
        assert await _run_one(engine, "lock_chain") == "complete"
    finally:
        engine.registry.unregister("testing_takes_the_lock")
        holder.close()
    assert ran == ["first", "second", "third"]
    assert writes.alone == [1, 1] and writes.queued == [1]  # second's waited for the lock
