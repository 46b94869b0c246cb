"""Cost per step on a database that already holds many finished workflows.

A sequential 5-step chain (``bench.engine_chain``) on a database where ``HELD_CHAINS`` chains
have already run to completion through the engine (their steps, audit rows and contexts all
there), beside the same chain on an empty database in the same round: the ratio says whether a
step's cost grows with what the database holds. The full database is made once per bench run
and copied for each round (a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on
PostgreSQL).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.engine_chain import TEMPLATES, ms_per_workflow, register_noops
from bench.postgres import scratch_database
from engine.api import open_engine

HELD_CHAINS = 5_000
STEPS = 5


async def _run_chains(db: str, chains: int) -> None:
    register_noops()
    async with open_engine(db, templates=[TEMPLATES]) as engine:
        # Contexts of their own: the measured chains must not be these (same identity).
        await engine.create_tasks("chain5", "bench", [{"held": n} for n in range(chains)])
        await engine.run_until_idle(concurrency=32)


def fill(db: str | Path, chains: int = HELD_CHAINS) -> None:
    """Run ``chains`` chains to completion on ``db`` (a SQLite path or a PostgreSQL URL)."""
    asyncio.run(_run_chains(str(db), chains))


def sqlite_ms_per_step(full: Path, tmp: Path, chains: int) -> float:
    """Per step of ``chains`` sequential chains on a copy of the SQLite file ``full``."""
    copy = tmp / "held-copy.db"
    shutil.copyfile(full, copy)
    return ms_per_workflow(copy, "chain5", chains) / STEPS


@contextmanager
def postgres_full(server: str, chains: int = HELD_CHAINS) -> Iterator[str]:
    """The name of a database on ``server`` holding ``chains`` finished chains (dropped on exit)."""
    with scratch_database(server) as url:
        fill(url, chains)
        yield url.rsplit("/", 1)[1]


def postgres_ms_per_step(server: str, full: str, chains: int) -> float:
    """Per step of ``chains`` sequential chains on a copy of the PostgreSQL database ``full``."""
    with scratch_database(server, template=full) as url:
        return ms_per_workflow(url, "chain5", chains) / STEPS
