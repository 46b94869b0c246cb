"""A database of schema version 5 gets its search index built when it is upgraded to 6: its
tasks' contexts and their steps' current errors are found, their secrets are not."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from engine.search_query import parse
from engine.store import open_store
from engine.store.postgres import schema as pg_schema
from engine.store.sqlite import schema

TASK_UUID = "t" * 36
CONTEXT = {"customer": {"email": "dora@example.com"}, "password": "hunter2-secret"}
ERROR = {"error_type": "permanent_error", "error_code": "PAYMENT_DECLINED",
         "message": "declined; password hunter2-secret rejected", "retryable": False}  # fmt: skip
ROWS: list[tuple[str, tuple[Any, ...]]] = [
    ("INSERT INTO templates (template_id, namespace, name, version, definition, source_path,"
     " first_used_at) VALUES ({})", ("t1", "shop", "checkout", "1.0.0", "{}", None, 0)),
    ("INSERT INTO tasks (task_uuid, template_id, namespace, name, version, status,"
     " identity_hash, total_steps, created_at, updated_at) VALUES ({})",
     (TASK_UUID, "t1", "shop", "checkout", "1.0.0", "blocked_by_failures", "h1", 1, 0, 0)),
    ("INSERT INTO task_contexts (task_uuid, context) VALUES ({})",
     (TASK_UUID, json.dumps(CONTEXT))),
    ("INSERT INTO steps (step_uuid, task_uuid, name, position, handler_callable, dependencies,"
     " state, max_attempts, retryable, retry_policy, timeout_ms, created_at, updated_at, error)"
     " VALUES ({})", ("s" * 36, TASK_UUID, "process_payment", 0, "noop", "[]", "error", 1, 0,
                      "{}", 1000, 0, 0, json.dumps(ERROR))),
]  # fmt: skip


def _insert_rows(execute: Callable[[str, tuple[Any, ...]], object], mark: str) -> None:
    for sql, values in ROWS:
        execute(sql.format(",".join([mark] * len(values))), values)


async def _found_after_upgrade(url: str) -> dict[str, int]:
    store = await open_store(url)
    try:
        queries = ("dora@example", "code:PAYMENT_DECLINED", "hunter2", "declined; password")
        return {q: (await store.search_tasks(parse(q), 10))["total"] for q in queries}
    finally:
        await store.close()


EXPECTED = {"dora@example": 1, "code:PAYMENT_DECLINED": 1, "hunter2": 0, "declined; password": 1}


async def test_a_version_5_sqlite_database_gets_its_index(tmp_path: Path) -> None:
    path = tmp_path / "v5.db"
    cx = sqlite3.connect(path, isolation_level=None)
    for migration in schema.MIGRATIONS[:5]:
        assert isinstance(migration, str)
        cx.executescript(migration)
    cx.execute("PRAGMA user_version = 5")
    _insert_rows(cx.execute, "?")
    cx.close()

    assert await _found_after_upgrade(str(path)) == EXPECTED
    with sqlite3.connect(path) as side:
        assert side.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION == 8


async def test_a_version_5_postgresql_schema_gets_its_index(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE tasker_schema (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO tasker_schema (version) VALUES (5)")
        for migration in pg_schema.MIGRATIONS[:5]:
            assert isinstance(migration, str)
            conn.execute(migration)
        _insert_rows(conn.execute, "%s")

    assert await _found_after_upgrade(pg_url) == EXPECTED
    with psycopg.connect(pg_url) as conn:
        version = conn.execute("SELECT version FROM tasker_schema").fetchone()
    assert version == (pg_schema.SCHEMA_VERSION,) == (8,)
