"""Throughput: N concurrent 5-step chains run by K ``tasker worker`` processes on one database.

Tasks are created first; the clock runs from the first claim to the last completion, read from
the audit trail, so process start-up is not counted (peers are timed the same way).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from engine.api import open_engine

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
HANDLERS = HERE / "noop_handlers.py"


async def _create(path: Path, template: str, count: int) -> None:
    async with open_engine(path, templates=[TEMPLATES], handlers=[str(HANDLERS)]) as engine:
        for n in range(count):
            await engine.create_task(template, "bench", {"n": n})


def worker_command(path: Path | str, concurrency: int) -> list[str]:
    """``tasker worker --until-idle`` over ``path`` with the bench's templates and handlers."""
    tasker = str(Path(sys.executable).with_name("tasker"))
    options = ["--templates", str(TEMPLATES), "--handlers", str(HANDLERS)]
    run = ["worker", "--until-idle", "--quiet", "--concurrency", str(concurrency)]
    return [tasker, "--db", str(path), *options, *run]


def spawn_workers(
    path: Path | str, workers: int, concurrency: int
) -> list[subprocess.Popen[bytes]]:
    cmd = worker_command(path, concurrency)
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    return [
        subprocess.Popen([*cmd, "--worker-id", f"bench-{k}"], env=env, stderr=subprocess.PIPE)
        for k in range(workers)
    ]


def wait_for_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"worker failed: {err.decode()[-500:]}")


def chains_per_second(
    path: Path, workers: int, chains: int = 1000, template: str = "chain5", concurrency: int = 32
) -> float:
    asyncio.run(_create(path, template, chains))
    wait_for_workers(spawn_workers(path, workers, concurrency))
    with sqlite3.connect(path) as cx:
        done = cx.execute("SELECT COUNT(*) FROM tasks WHERE status = 'complete'").fetchone()[0]
        if done != chains:
            raise RuntimeError(f"only {done} of {chains} chains completed")
        first, last = cx.execute(
            "SELECT MIN(at) FILTER (WHERE to_state = 'in_progress'),"
            " MAX(at) FILTER (WHERE to_state = 'complete') FROM step_transitions"
        ).fetchone()
    return float(chains / max((last - first) / 1000, 1e-3))
