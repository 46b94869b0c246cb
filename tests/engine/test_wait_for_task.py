"""Engine.wait_for_task: a caller waits for a task to settle, woken by the commit that
settles it when this engine's worker runs it, and by a re-read when another process does."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import task_waits
from engine.api import Engine, open_engine
from engine.clock import FakeClock
from engine.ids import short_id
from engine.store import TaskNotFound
from tests.engine.support import DATA, HANDLERS


@pytest.fixture
def status_reads(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The statuses the waits read, with re-reads far apart: a wait that read once and ended
    before its timeout was woken by what settled the task, not by a re-read."""
    monkeypatch.setattr(task_waits, "RECHECK_S", 60.0)
    reads: list[str] = []
    read = engine.store.task_status

    async def counted(task_uuid: str) -> str | None:
        status = await read(task_uuid)
        reads.append(str(status))
        return status

    monkeypatch.setattr(engine.store, "task_status", counted)
    yield reads


async def _flaky(engine: Engine, script: dict[str, list[str]]) -> str:
    made = await engine.create_task("flaky_chain", "testing", {"script": script})
    return str(made.task["task_uuid"])


async def _with_worker(engine: Engine, waited: asyncio.Future[str]) -> str:
    worker = engine.worker(concurrency=2)
    running = asyncio.create_task(worker.run())
    try:
        return await waited
    finally:
        worker.stop()
        await running


async def test_a_wait_ends_with_the_commit_that_completes_the_task(
    engine: Engine, status_reads: list[str]
) -> None:
    task_uuid = await _flaky(engine, {})
    waited = asyncio.ensure_future(engine.wait_for_task(task_uuid, timeout_s=5))
    assert await _with_worker(engine, waited) == "complete"
    assert status_reads == ["pending"]
    assert (await engine.get_task(task_uuid))["status"] == "complete"


async def test_a_task_blocked_by_a_permanent_failure_has_settled(
    engine: Engine, status_reads: list[str]
) -> None:
    task_uuid = await _flaky(engine, {"second": ["permanent"]})
    waited = asyncio.ensure_future(engine.wait_for_task(task_uuid[:8], timeout_s=5))
    assert await _with_worker(engine, waited) == "blocked_by_failures"
    assert status_reads == ["pending"]


async def test_an_operator_action_in_this_process_ends_the_wait(
    engine: Engine, status_reads: list[str]
) -> None:
    task_uuid = await _flaky(engine, {})  # no worker: it stays pending
    waited = asyncio.ensure_future(engine.wait_for_task(task_uuid, timeout_s=5))
    while not status_reads:  # the wait has read the status and sleeps
        await asyncio.sleep(0.001)
    await engine.cancel_task(task_uuid, "customer called")
    assert await waited == "cancelled"
    assert status_reads == ["pending"]


async def test_a_task_already_settled_returns_at_once(engine: Engine) -> None:
    task_uuid = await _flaky(engine, {})
    await engine.run_until_idle()
    assert await engine.wait_for_task(task_uuid, timeout_s=0) == "complete"


async def test_the_wait_gives_up_after_its_timeout_saying_where_the_task_stands(
    engine: Engine,
) -> None:
    task_uuid = await _flaky(engine, {})
    with pytest.raises(task_waits.NotSettled) as raised:
        await engine.wait_for_task(task_uuid, timeout_s=0.05)
    assert str(raised.value) == (
        f"task {short_id(task_uuid)} has not settled within 0.05 s; it is pending"
    )
    assert isinstance(raised.value, TimeoutError)


async def test_an_unknown_task_is_refused_in_one_line(engine: Engine) -> None:
    with pytest.raises(TaskNotFound):
        await engine.wait_for_task("00000000-0000-7000-8000-000000000000", timeout_s=1)


async def test_a_task_another_process_settles_is_seen_by_a_re_read(
    db: str | Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(task_waits, "RECHECK_S", 0.02)
    task_uuid = await _flaky(engine, {})
    waited = asyncio.ensure_future(engine.wait_for_task(task_uuid, timeout_s=10))
    async with open_engine(db, templates=[DATA], handlers=HANDLERS, clock=FakeClock()) as other:
        await other.run_until_idle()
    assert await waited == "complete"
