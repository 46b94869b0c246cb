"""A worker running in the process that creates a task claims the task's first steps in the
creation's own transaction: they are in progress when ``create_task`` returns."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from engine.api import Engine
from engine.task_created import TaskCreated
from engine.worker import Worker
from tests.engine.support import CART, step

ORDER = ("ecommerce_order_processing", "ecommerce")


@asynccontextmanager
async def running(engine: Engine, concurrency: int = 2) -> AsyncIterator[Worker]:
    """A worker looping in the background, shown to be looping by a task it ran to the end,
    and waiting with every slot free (not in the middle of a look for work, whose claim holds
    the free slots until it answers)."""
    worker = engine.worker(concurrency=concurrency)
    loop = asyncio.create_task(worker.run())
    warmup = await engine.create_task(*ORDER, {**CART, "customer_email": "warm@example.com"})
    await until_complete(engine, warmup.task["task_uuid"])
    await all_slots_free(worker)
    try:
        yield worker
    finally:
        worker.stop()
        await loop


async def all_slots_free(worker: Worker) -> None:
    for _ in range(500):
        slots = worker.offer_slots()
        worker.take(slots, [])  # handed back unused
        if slots == worker.concurrency:
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"worker {worker.worker_id} kept its slots busy")


async def until_complete(engine: Engine, task_uuid: str) -> dict:
    for _ in range(500):
        task = await engine.get_task(task_uuid)
        if task["status"] == "complete":
            return task
        await asyncio.sleep(0.01)
    raise AssertionError(f"task {task_uuid} did not complete: {task['status']}")


async def test_a_running_worker_claims_the_first_step_as_the_task_is_created(
    engine: Engine,
) -> None:
    async with running(engine) as worker:
        made = await engine.create_task(*ORDER, CART)
        first = made.task["steps"][0]
        assert made.created
        assert first["current_state"] == "in_progress" and first["attempts"] == 1
        assert made.task["status"] == "steps_in_process"
        assert all(s["current_state"] == "pending" for s in made.task["steps"][1:])
        audit = await engine.step_audit(made.task["task_uuid"], first["name"])
        claims = [row for row in audit if row["to_state"] == "in_progress"]  # it may be done now
        assert [row["by"] for row in claims] == [worker.worker_id]
        task = await until_complete(engine, made.task["task_uuid"])
    assert [s["current_state"] for s in task["steps"]] == ["complete"] * 5


async def test_the_same_task_again_claims_nothing_new(engine: Engine) -> None:
    async with running(engine):
        made = await engine.create_task(*ORDER, CART)
        await until_complete(engine, made.task["task_uuid"])
        again = await engine.create_task(*ORDER, CART)
    assert not again.created and again.task["task_uuid"] == made.task["task_uuid"]
    assert [s["attempts"] for s in again.task["steps"]] == [1] * 5


async def test_a_paused_worker_leaves_the_new_task_ready(engine: Engine) -> None:
    async with running(engine) as worker:
        worker.pause()
        made = await engine.create_task(*ORDER, CART)
        assert step(made.task, "validate_cart")["current_state"] == "pending"
        assert made.task["execution_status"] == "has_ready_steps"
        worker.resume()
        await until_complete(engine, made.task["task_uuid"])


async def test_a_stopped_worker_claims_nothing(engine: Engine) -> None:
    async with running(engine) as worker:
        pass
    assert worker.offer_slots() == 0
    made = await engine.create_task(*ORDER, CART)
    assert made.task["status"] == "pending"
    assert made.task["execution_status"] == "has_ready_steps"
    await engine.run_until_idle()
    assert (await engine.get_task(made.task["task_uuid"]))["status"] == "complete"


async def test_without_a_worker_the_task_waits_ready_and_the_change_feed_sees_it(
    engine: Engine,
) -> None:
    cursor = await engine.change_cursor()
    made = await engine.create_task(*ORDER, CART)
    task = made.task
    assert task["status"] == "pending" and task["execution_status"] == "has_ready_steps"
    assert [s["current_state"] for s in task["steps"]] == ["pending"] * 5
    _, changed = await engine.changes_since(cursor)
    assert changed == [task["task_uuid"]]


async def test_a_creation_cancelled_in_flight_still_starts_what_it_claimed(
    engine: Engine,
) -> None:
    """A caller cancelled mid-creation (a client that hung up): the creation, once sent,
    completes, and the steps it claimed run now rather than after their lease expires."""
    async with running(engine):
        order = {**CART, "customer_email": "gone@example.com"}
        creating = asyncio.create_task(engine.create_task(*ORDER, order))
        await asyncio.sleep(0)  # the creation is under way
        creating.cancel()
        try:
            await creating
        except asyncio.CancelledError:
            pass
        await asyncio.sleep(0.05)
        views = [await engine.get_task(t["task_uuid"]) for t in await engine.list_tasks(limit=5)]
        (gone,) = [v for v in views if v["context"]["customer_email"] == "gone@example.com"]
        task = await until_complete(engine, gone["task_uuid"])  # seconds, not a 30 s lease
    assert [s["attempts"] for s in task["steps"]] == [1] * 5


async def test_a_worker_deciding_it_is_idle_runs_what_a_creation_hands_it(
    engine: Engine,
) -> None:
    """run_until_idle looks for live work; a task created during that look (its first step
    claimed for this worker) is run before the worker stops, not cancelled with it."""
    made: list[TaskCreated] = []
    has_live_work = engine.store.has_live_work

    async def looked_while_a_task_arrived() -> bool:
        answer = await has_live_work()
        if not made:
            made.append(await engine.create_task(*ORDER, CART))
        return answer

    engine.store.has_live_work = looked_while_a_task_arrived  # type: ignore[method-assign]
    await engine.run_until_idle()
    task = await engine.get_task(made[0].task["task_uuid"])
    assert task["status"] == "complete"
    assert [s["attempts"] for s in task["steps"]] == [1] * 5


async def test_steps_claimed_for_a_worker_that_stopped_meanwhile_are_not_started(
    engine: Engine, clock
) -> None:
    """The worker stopped while a creation claiming for it was being written: it starts
    nothing after its loop ended (nothing would drain it); the claimed step comes back when
    its lease expires, as a stopped worker's running steps do."""
    writing, go_on = asyncio.Event(), asyncio.Event()
    create_and_claim = engine.store.create_and_claim

    async def held_back(*args, **kwargs):
        writing.set()
        await go_on.wait()
        return await create_and_claim(*args, **kwargs)

    engine.store.create_and_claim = held_back  # type: ignore[method-assign]
    async with running(engine) as worker:
        started_before = worker.attempts_run
        creating = asyncio.create_task(engine.create_task(*ORDER, CART))
        await writing.wait()
    go_on.set()
    made = await creating
    first = made.task["steps"][0]
    assert first["current_state"] == "in_progress"  # claimed in the creation's transaction
    assert worker.attempts_run == started_before and worker.running_count == 0
    clock.advance(worker.lease_ms + 1)
    await engine.run_until_idle()
    task = await engine.get_task(made.task["task_uuid"])
    assert task["status"] == "complete"
