"""DBOS Transact on SQLite (WAL, synchronous=NORMAL) or on PostgreSQL: the bench workloads, run
in bench/.venv-peers.

``python dbos_bench.py seq WHERE`` prints {"chain5_ms": ..., "diamond4_ms": ...} (per workflow,
one at a time). ``python dbos_bench.py throughput WHERE K N`` enqueues N 5-step chains with a
client, starts K worker processes, and prints {"chains_per_s": ...} from the first step's start
to the last step's end, read from the workflows' own results (start-up not counted). WHERE is
a folder for SQLite files, or the URL of an empty PostgreSQL database (a scratch one per
run); on PostgreSQL the output also holds "connections_per_process", the most connections a
worker process held.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import time

import psycopg
import sqlalchemy as sa
from dbos import DBOS, DBOSClient
from pg_connections import ConnectionPeak  # a sibling module: this script runs on its own

QUEUE = "bench"


def _is_postgres(where: str) -> bool:
    return where.startswith("postgresql://")


def _url(path: str) -> str:
    return path if _is_postgres(path) else f"sqlite:///{path}"


def _engine(path: str) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi, _record):  # the same durability our engine runs with
        dbapi.execute("PRAGMA journal_mode=WAL")
        dbapi.execute("PRAGMA synchronous=NORMAL")

    return engine


def _launch(path: str) -> None:
    config = {"name": "bench", "system_database_url": _url(path), "run_admin_server": False}
    if not _is_postgres(path):
        config["system_database_engine"] = _engine(path)
    DBOS(config=config)
    DBOS.launch()
    # Tuned like our worker: 32 at once, and a 10 ms poll instead of the 1 s default.
    DBOS.register_queue(
        QUEUE, worker_concurrency=32, polling_interval_sec=0.01, on_conflict="always_update"
    )


@DBOS.step()
def noop() -> None:
    return None


@DBOS.step()
async def anoop() -> None:
    return None


@DBOS.workflow()
def chain5() -> list[float]:
    start = time.time()
    for _ in range(5):
        noop()
    return [start, time.time()]


@DBOS.workflow()
async def diamond4() -> None:
    await anoop()
    await asyncio.gather(anoop(), anoop())
    await anoop()


def seq(where: str, runs: int = 100) -> dict[str, float]:
    _launch(where if _is_postgres(where) else os.path.join(where, "dbos-seq.sqlite"))
    chain5()
    asyncio.run(diamond4())
    start = time.perf_counter()
    for _ in range(runs):
        chain5()
    chain_ms = (time.perf_counter() - start) * 1000 / runs

    async def diamonds() -> float:
        t = time.perf_counter()
        for _ in range(runs):
            await diamond4()
        return (time.perf_counter() - t) * 1000 / runs

    diamond_ms = asyncio.run(diamonds())
    DBOS.destroy()
    return {"chain5_ms": chain_ms, "diamond4_ms": diamond_ms}


def _done(path: str) -> int:
    query = "SELECT COUNT(*) FROM {}workflow_status WHERE status = 'SUCCESS'"
    if _is_postgres(path):
        with psycopg.connect(path) as pg:
            return pg.execute(query.format("dbos.")).fetchone()[0]
    with sqlite3.connect(path) as cx:
        return cx.execute(query.format("")).fetchone()[0]


def worker(path: str, total: int) -> None:
    _launch(path)
    while _done(path) < total:
        time.sleep(0.05)
    DBOS.destroy()


def throughput(where: str, workers: int, chains: int) -> dict[str, float]:
    postgres = _is_postgres(where)
    path = where if postgres else os.path.join(where, f"dbos-tp-{workers}.sqlite")
    _launch(path)  # creates the schema; this process does not dequeue after destroy
    DBOS.destroy()
    client = DBOSClient(system_database_url=_url(path))
    handles = [
        client.enqueue({"queue_name": QUEUE, "workflow_name": "chain5"}) for _ in range(chains)
    ]
    peak = ConnectionPeak(path).start() if postgres else None
    procs = [
        subprocess.Popen([sys.executable, __file__, "worker", path, str(chains)])
        for _ in range(workers)
    ]
    for proc in procs:
        proc.wait(timeout=900)
    if peak is not None:
        peak.stop()
    spans = [handle.get_result() for handle in handles]
    client.destroy()
    first = min(s[0] for s in spans)
    last = max(s[1] for s in spans)
    figures = {"chains_per_s": chains / (last - first)}
    if peak is not None:
        figures["connections_per_process"] = peak.per_process(workers)
    return figures


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "seq":
        print(json.dumps(seq(sys.argv[2])))
    elif mode == "worker":
        worker(sys.argv[2], int(sys.argv[3]))
    else:
        print(json.dumps(throughput(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
