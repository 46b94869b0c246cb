"""Sequential latency of our engine: one 5-step no-op chain at a time, start to complete."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from engine.api import Engine, open_engine
from engine.handlers.registry import HandlerRegistry

TEMPLATES = Path(__file__).parent / "templates"


def register_noops() -> None:
    """The no-op handler the bench templates name, registered in this process."""
    from tasker_core.step_handler.functional import step_handler

    @step_handler("bench_noop")
    async def noop(context: Any) -> dict[str, Any]:
        return {}

    HandlerRegistry.instance().register("bench_noop", noop)


async def _run(db: str | Path, template: str, chains: int) -> float:
    register_noops()
    async with open_engine(db, templates=[TEMPLATES]) as engine:
        worker = engine.worker(concurrency=4)
        runner = asyncio.create_task(worker.run())
        try:
            warmup = await engine.create_task(template, "bench", {"warmup": True})
            await completed(engine, warmup.task_uuid)
            start = time.perf_counter()
            for n in range(chains):
                made = await engine.create_task(template, "bench", {"n": n})
                await completed(engine, made.task_uuid)
            elapsed = time.perf_counter() - start
        finally:
            worker.stop()
            await runner
    return elapsed * 1000 / chains


async def completed(engine: Engine, task_uuid: str) -> None:
    """Wait as a caller would (woken by the commit that settles the task), and check."""
    status = await engine.wait_for_task(task_uuid, timeout_s=60)
    if status != "complete":
        raise RuntimeError(f"bench task {task_uuid} ended {status}")


def ms_per_workflow(db: str | Path, template: str = "chain5", chains: int = 100) -> float:
    """Milliseconds per workflow, one at a time, on ``db`` (a SQLite path or a PostgreSQL URL)."""
    return asyncio.run(_run(db, template, chains))
