"""Sequential latency of our engine: one 5-step no-op chain at a time, start to complete."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from engine.api import open_engine
from engine.handlers.registry import HandlerRegistry

TEMPLATES = Path(__file__).parent / "templates"


def _register_noops(registry: HandlerRegistry) -> None:
    from tasker_core.step_handler.functional import step_handler

    @step_handler("bench_noop")
    async def noop(context):
        return {}

    registry.register("bench_noop", noop)


async def _run(path: Path, template: str, chains: int) -> float:
    registry = HandlerRegistry.instance()
    _register_noops(registry)
    async with open_engine(path, templates=[TEMPLATES]) as engine:
        worker = engine.worker(concurrency=4)
        runner = asyncio.create_task(worker.run())
        await engine.create_task(template, "bench", {"warmup": True})
        await _wait_idle(engine)
        side = sqlite3.connect(path)
        start = time.perf_counter()
        for n in range(chains):
            made = await engine.create_task(template, "bench", {"n": n})
            await _wait_complete(side, made.task["task_uuid"])
        elapsed = time.perf_counter() - start
        side.close()
        worker.stop()
        await runner
    return elapsed * 1000 / chains


def task_status(side: sqlite3.Connection, task_uuid: str) -> str:
    """A task's status alone, read on a waiter's own connection (not the task's whole view)."""
    row = side.execute("SELECT status FROM tasks WHERE task_uuid = ?", (task_uuid,)).fetchone()
    return str(row[0])


async def _wait_complete(side: sqlite3.Connection, task_uuid: str) -> None:
    """Poll on a connection of its own, so waiting does not queue behind the worker's writes."""
    while task_status(side, task_uuid) != "complete":
        await asyncio.sleep(0.0002)


async def _wait_idle(engine) -> None:
    while await engine.store.has_live_work():
        await asyncio.sleep(0.001)


def ms_per_workflow(path: Path, template: str = "chain5", chains: int = 100) -> float:
    return asyncio.run(_run(path, template, chains))
