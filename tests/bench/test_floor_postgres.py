"""The bench's PostgreSQL floors write what our engine writes on PostgreSQL for a 5-step chain,
row for row, whether a step's statements go one by one or in one pipeline."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from bench import floor_postgres, floor_same_writes
from engine.api import open_engine
from tests import backends
from tests.bench.test_floor_same_writes import VARYING

BENCH = Path(floor_same_writes.__file__).parent
ORDER = {
    "templates": "namespace",
    "tasks": "created_at",
    "task_contexts": "task_uuid",
    "steps": "position",
    "step_edges": "from_step",
    "task_transitions": "id",
    "step_transitions": "id",
}


def _rows(url: str) -> dict[str, list[dict[str, object]]]:
    tables: dict[str, list[dict[str, object]]] = {}
    with psycopg.connect(url, row_factory=dict_row) as cx:
        for table, order in ORDER.items():
            rows = cx.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
            tables[table] = [
                {k: (v if k not in VARYING else v is not None) for k, v in row.items()}
                for row in rows
            ]
    return tables


@pytest.fixture
def second_url(pg_database: backends.PgDatabase) -> Iterator[str]:
    yield from backends.pg_schema(pg_database)


def test_to_postgres_spells_a_floor_statement_for_psycopg() -> None:
    sql = floor_postgres.to_postgres(floor_same_writes.INSERT_TEMPLATE)
    assert sql.startswith("INSERT INTO templates") and sql.endswith("ON CONFLICT DO NOTHING")
    assert "?" not in sql
    assert '"by"' in floor_postgres.to_postgres(floor_same_writes.STEP_AUDIT)
    assert "claimed_by" in floor_postgres.to_postgres(floor_same_writes.CLAIM_STEP)


@pytest.mark.parametrize("pipelined", [False, True], ids=["one-by-one", "pipelined"])
async def test_the_floor_writes_the_rows_our_engine_writes_for_one_chain(
    pg_url: str, second_url: str, pipelined: bool
) -> None:
    async with open_engine(
        pg_url, templates=[BENCH / "templates"], handlers=[str(BENCH / "noop_handlers.py")]
    ) as engine:
        await engine.create_task("chain5", "bench", {"n": 0})
        await engine.run_until_idle()

    await asyncio.to_thread(floor_postgres.make_schema, second_url)  # it runs its own loop
    with psycopg.connect(second_url, autocommit=True) as cx:
        floor_postgres.run_chain(cx, floor_same_writes.ordered_ids(), count(1), 0, pipelined)

    ours_rows, floor_rows = _rows(pg_url), _rows(second_url)
    assert {t: len(r) for t, r in floor_rows.items()} == {
        "templates": 1,
        "tasks": 1,
        "task_contexts": 1,
        "steps": 5,
        "step_edges": 4,
        "task_transitions": 3,
        "step_transitions": 15,
    }
    assert floor_rows == ours_rows
