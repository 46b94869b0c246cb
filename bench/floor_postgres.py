"""The bare psycopg floors for the same durable writes our engine makes on PostgreSQL.

The statements are the SQLite same-writes floor's (``bench.floor_same_writes``), on our
PostgreSQL schema (the engine's own migrations): a 5-step chain's creation, then per step one
transaction holding its claim and its finish, as our engine stores a result and claims the next
step in one transaction. Two ways to send them:

- ``one transaction per step``: autocommit off, each statement sent and waited for in turn
  (a round trip per statement), then COMMIT;
- ``pipelined``: BEGIN, the step's statements and COMMIT sent in one psycopg pipeline, one
  round trip per step.

No reads, no scheduler, no handler; the change-feed number counted in Python (the cheaper
choice: ours draws it from a sequence under a lock and wakes listeners with NOTIFY).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from itertools import count

import psycopg

from bench.floor_same_writes import STEPS, Statement, chain_transactions, ordered_ids
from engine.store.postgres.store import PostgresStore

_BY = re.compile(r"\bby\b")


def to_postgres(sql: str) -> str:
    """A floor statement in PostgreSQL's spelling: %s placeholders, "by" quoted, ON CONFLICT."""
    sql = _BY.sub('"by"', sql).replace("?", "%s")
    if sql.startswith("INSERT OR IGNORE "):
        sql = sql.replace("INSERT OR IGNORE ", "INSERT ", 1) + " ON CONFLICT DO NOTHING"
    return sql


def make_schema(url: str) -> None:
    """Our schema in the database at ``url``, made by the engine's own migrations."""

    async def migrate() -> None:
        store = await PostgresStore.open(url, pool_size=1)
        await store.close()

    asyncio.run(migrate())


def _step_groups(transactions: list[list[Statement]]) -> list[list[Statement]]:
    """The creation, then one group per step: its claim and its finish."""
    creation, *rest = transactions
    groups = [creation]
    for k in range(0, len(rest), 2):
        groups.append(rest[k] + rest[k + 1])
    return groups


def _one_by_one(cx: psycopg.Connection, statements: list[Statement]) -> None:
    with cx.transaction():
        for sql, params in statements:
            cx.execute(to_postgres(sql), params)


def _pipelined(cx: psycopg.Connection, statements: list[Statement]) -> None:
    with cx.pipeline():
        cx.execute("BEGIN")
        for sql, params in statements:
            cx.execute(to_postgres(sql), params)
        cx.execute("COMMIT")


def run_chain(
    cx: psycopg.Connection, ids: Iterator[str], seqs: Iterator[int], n: int, pipelined: bool
) -> None:
    """One 5-step chain: its creation, then per step one transaction (claim and finish)."""
    send = _pipelined if pipelined else _one_by_one
    for statements in _step_groups(chain_transactions(ids, seqs, n)):
        send(cx, statements)


def ms_per_step(url: str, chains: int = 200, pipelined: bool = False) -> float:
    """Milliseconds per step over ``chains`` chains written one after another on ``url`` (a
    database holding our schema)."""
    ids, seqs = ordered_ids(), count(1)
    with psycopg.connect(url, autocommit=True) as cx:
        start = time.perf_counter()
        for n in range(chains):
            run_chain(cx, ids, seqs, n, pipelined)
        elapsed = time.perf_counter() - start
    return elapsed * 1000 / (chains * STEPS)
