"""A 5-step no-op chain on PostgreSQL, beside the same runs on SQLite: per-step latency (one
worker, one chain at a time, start to complete) and throughput (1,000 chains created first,
then one worker in this process runs them, 32 at once, until none is left); on PostgreSQL also
throughput with K ``tasker worker`` processes, timed from the audit trail as
``bench.throughput`` does on SQLite, with the connections each process opened.

``python -m bench.postgres`` prints the in-process figures for both backends. PostgreSQL runs in a database made
for the run on the server of $TASKER_BENCH_PG (default
postgresql://postgres@127.0.0.1:5432/postgres) and is dropped afterwards.
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

from bench.engine_chain import ms_per_workflow, register_noops
from bench.peers.pg_connections import ConnectionPeak
from bench.throughput import spawn_workers, wait_for_workers
from engine.api import open_engine

TEMPLATES = Path(__file__).parent / "templates"
STEPS = 5
SERVER = os.environ.get("TASKER_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_database(server: str = SERVER, template: str | None = None) -> Iterator[str]:
    """The URL of a new database on ``server`` (a copy of the database ``template``, if named),
    dropped on exit."""
    name = f"tasker_bench_{secrets.token_hex(4)}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    parts = urlsplit(server)
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _chains_per_s(db: str, chains: int) -> float:
    register_noops()
    async with open_engine(db, templates=[TEMPLATES]) as engine:
        await engine.create_tasks("chain5", "bench", [{"n": n} for n in range(chains)])
        start = time.perf_counter()
        await engine.run_until_idle(concurrency=32)
        return chains / (time.perf_counter() - start)


async def _create(url: str, chains: int) -> None:
    register_noops()
    async with open_engine(url, templates=[TEMPLATES]) as engine:
        await engine.create_tasks("chain5", "bench", [{"n": n} for n in range(chains)])


def chains_per_second(url: str, workers: int, chains: int = 1000) -> dict[str, float]:
    """``chains`` 5-step chains run by ``workers`` worker processes on ``url`` (a scratch
    database): chains per second from the first claim to the last completion, and the most
    connections a worker process held."""
    asyncio.run(_create(url, chains))
    peak = ConnectionPeak(url).start()
    try:
        wait_for_workers(spawn_workers(url, workers, concurrency=32))
    finally:
        peak.stop()
    with psycopg.connect(url) as cx:
        row = cx.execute(
            "SELECT (SELECT COUNT(*) FROM tasks WHERE status = 'complete'),"
            " MIN(at) FILTER (WHERE to_state = 'in_progress'),"
            " MAX(at) FILTER (WHERE to_state = 'complete') FROM step_transitions"
        ).fetchone()
    assert row is not None  # an aggregate always has its one row
    done, first, last = row
    if done != chains:
        raise RuntimeError(f"only {done} of {chains} chains completed")
    return {
        "chains_per_s": chains / max((last - first) / 1000, 1e-3),
        "connections_per_process": peak.per_process(workers),
    }


def ms_per_step(db: str, chains: int = 100) -> float:
    """Milliseconds per step of sequential 5-step no-op chains on ``db`` (a path or URL)."""
    return ms_per_workflow(db, "chain5", chains) / STEPS


def measure(chains: int = 100, server: str = SERVER, at_once: int = 1000) -> dict[str, float]:
    """Per-step latency and throughput on SQLite and on PostgreSQL (scratch databases)."""
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        figures["sqlite_ms_per_step"] = ms_per_step(str(Path(tmp) / "seq.db"), chains)
        db = str(Path(tmp) / "many.db")
        figures["sqlite_chains_per_s"] = asyncio.run(_chains_per_s(db, at_once))
    with scratch_database(server) as url:
        figures["postgresql_ms_per_step"] = ms_per_step(url, chains)
    with scratch_database(server) as url:
        figures["postgresql_chains_per_s"] = asyncio.run(_chains_per_s(url, at_once))
    return figures


def main() -> None:
    figures = measure()
    print("5-step no-op chains, one worker: one chain at a time; 1,000 at once (32 running)")
    for label, key in (("SQLite", "sqlite"), ("PostgreSQL", "postgresql")):
        print(
            f"  {label:<10}  {figures[f'{key}_ms_per_step']:6.2f} ms per step"
            f"  {figures[f'{key}_chains_per_s']:7.0f} chains/s"
        )


if __name__ == "__main__":
    main()
