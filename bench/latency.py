"""Scheduling latency inside one process: create_task → first handler call, and a retry's
``next_retry_at`` → its handler call. Medians over ``samples`` tasks, the worker idle between."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import statistics
import time
from pathlib import Path

from engine.api import open_engine

HERE = Path(__file__).parent


def _handlers():
    spec = importlib.util.spec_from_file_location("bench_noop_handlers", HERE / "noop_handlers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def _measure(path: Path, samples: int) -> dict[str, float]:
    handlers = _handlers()
    async with open_engine(path, templates=[HERE / "templates"]) as engine:
        engine.registry.register("bench_flaky_once", handlers.bench_flaky_once)
        worker = engine.worker(concurrency=4)
        running = asyncio.create_task(worker.run())
        to_first, retry_late = [], []
        for n in range(samples):
            await asyncio.sleep(0.06)  # the worker is idle, as it is between real requests
            created_at = time.time() * 1000
            made = await engine.create_task("retry_once", "bench", {"n": n})
            task_uuid = made.task_uuid
            while len([c for c in handlers.CALLS if c[0] == task_uuid]) < 2:
                await asyncio.sleep(0.001)
            calls = {attempt: at for uuid, attempt, at in handlers.CALLS if uuid == task_uuid}
            audit = await engine.step_audit(task_uuid, "flaky")
            due = next(
                json.loads(row["metadata"])["next_retry_at"]
                if isinstance(row["metadata"], str)
                else row["metadata"]["next_retry_at"]
                for row in audit
                if row["to_state"] == "waiting_for_retry"
            )
            to_first.append(calls[1] - created_at)
            retry_late.append(calls[2] - due)
        worker.stop()
        await running
    return {
        "create_to_first_call_ms": statistics.median(to_first),
        "retry_due_to_call_ms": statistics.median(retry_late),
    }


def measure(path: Path, samples: int = 30) -> dict[str, float]:
    return asyncio.run(_measure(path, samples))


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        print(measure(Path(tmp) / "latency.db"))
