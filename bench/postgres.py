"""Per-step latency of a 5-step no-op chain on PostgreSQL, beside the same run on SQLite.

One worker, one chain at a time, start to complete; the figure is milliseconds per step.
``python -m bench.postgres`` prints both. PostgreSQL runs in a database made for the run on
the server of $TASKER_BENCH_PG (default postgresql://postgres@127.0.0.1:5432/postgres) and is
dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from engine.api import open_engine
from engine.handlers.registry import HandlerRegistry
from engine.store import open_store

TEMPLATES = Path(__file__).parent / "templates"
STEPS = 5
SERVER = os.environ.get("TASKER_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _register_noop(registry: HandlerRegistry) -> None:
    from tasker_core.step_handler.functional import step_handler

    @step_handler("bench_noop")
    async def noop(context):
        return {}

    registry.register("bench_noop", noop)


async def _chain_ms(db: str, chains: int) -> float:
    _register_noop(HandlerRegistry.instance())
    async with open_engine(db, templates=[TEMPLATES]) as engine:
        worker = engine.worker(concurrency=4, poll_s=0.001)
        running = asyncio.create_task(worker.run())
        side = await open_store(db)  # waits on connections of its own, off the worker's
        try:
            await _complete(side, (await engine.create_task("chain5", "bench", {"w": 1})).task)
            start = time.perf_counter()
            for n in range(chains):
                made = await engine.create_task("chain5", "bench", {"n": n})
                await _complete(side, made.task)
            elapsed = time.perf_counter() - start
        finally:
            await side.close()
            worker.stop()
            await running
    return elapsed * 1000 / chains


async def _complete(side, task: dict) -> None:
    """Look each time the worker commits (PostgreSQL announces it) or every half millisecond."""
    wait = getattr(side, "wait_for_change", None)
    while (await side.get_task(task["task_uuid"]))["status"] != "complete":
        await (wait(0.05) if wait else asyncio.sleep(0.0005))


@contextmanager
def scratch_database(server: str = SERVER) -> Iterator[str]:
    """The URL of a new database on ``server``, dropped on exit."""
    name = f"tasker_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(server)
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def ms_per_step(db: str, chains: int = 100) -> float:
    """Milliseconds per step of sequential 5-step no-op chains on ``db`` (a path or URL)."""
    return asyncio.run(_chain_ms(db, chains)) / STEPS


def measure(chains: int = 100, server: str = SERVER) -> dict[str, float]:
    """Per-step latency on PostgreSQL (a scratch database on ``server``) and on SQLite."""
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = ms_per_step(str(Path(tmp) / "bench.db"), chains)
    with scratch_database(server) as url:
        postgresql = ms_per_step(url, chains)
    return {"sqlite_ms_per_step": sqlite, "postgresql_ms_per_step": postgresql}


def main() -> None:
    figures = measure()
    print("5-step no-op chain, one worker, one chain at a time")
    print(f"  SQLite      {figures['sqlite_ms_per_step']:6.2f} ms per step")
    print(f"  PostgreSQL  {figures['postgresql_ms_per_step']:6.2f} ms per step")


if __name__ == "__main__":
    main()
