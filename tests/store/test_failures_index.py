"""The failures view with the handled ones reads the audit rows of failures through their own
index (schema version 8), not the whole audit trail; an older database gets the index when it
is upgraded, on both backends."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg

from engine.store import open_store
from engine.store.failure_rows import LATEST_FAILURE_SQL
from engine.store.postgres import schema as pg_schema
from engine.store.sqlite import schema


def _sqlite_at_version_7(path: Path) -> None:
    cx = sqlite3.connect(path, isolation_level=None)
    for migration in schema.MIGRATIONS[:7]:
        if callable(migration):
            migration(cx)
        else:
            cx.executescript(migration)
    cx.execute("PRAGMA user_version = 7")
    cx.close()


async def test_sqlite_reads_the_failures_through_their_index_after_an_upgrade(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v7.db"
    _sqlite_at_version_7(path)
    with sqlite3.connect(path) as cx:
        plan = " / ".join(r[3] for r in cx.execute("EXPLAIN QUERY PLAN " + LATEST_FAILURE_SQL))
    assert "SCAN step_transitions" in plan and "step_transitions_failures" not in plan

    store = await open_store(str(path))
    await store.close()
    with sqlite3.connect(path) as cx:
        assert cx.execute("PRAGMA user_version").fetchone()[0] == 8
        plan = " / ".join(r[3] for r in cx.execute("EXPLAIN QUERY PLAN " + LATEST_FAILURE_SQL))
    assert "SCAN step_transitions USING INDEX step_transitions_failures" in plan


async def test_postgresql_gets_the_same_index_on_upgrade(pg_url: str) -> None:
    store = await open_store(pg_url)  # a new schema, at the latest version
    await store.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP INDEX step_transitions_failures")
        conn.execute("UPDATE tasker_schema SET version = 7")
    store = await open_store(pg_url)
    await store.close()
    with psycopg.connect(pg_url) as conn:
        found = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'step_transitions_failures'"
            " AND schemaname = current_schema()"
        ).fetchone()
        version = conn.execute("SELECT version FROM tasker_schema").fetchone()
    assert version == (pg_schema.SCHEMA_VERSION,) == (8,)
    assert found is not None and "WHERE (to_state = ANY" in found[0]
