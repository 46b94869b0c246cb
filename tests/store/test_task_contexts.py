"""A task's context lives in a table of its own (schema version 4): a task row rewritten at
every step no longer carries it, and a database of version 3 keeps its tasks' contexts when
it is upgraded."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import psycopg

from engine.store import open_store
from engine.store.postgres import schema as pg_schema
from engine.store.sqlite import schema

CONTEXT = {"order": 7, "blob": "é" * 5000}  # past one page, in UTF-8 as stored
TEMPLATE = ("t1", "testing", "ctx", "1.0.0", "{}", None, 0)
TASK = ("u" * 36, "t1", "testing", "ctx", "1.0.0", "pending", json.dumps(CONTEXT), "h1", 0, 0, 0)
INSERT_TEMPLATE = (
    "INSERT INTO templates (template_id, namespace, name, version, definition, source_path,"
    " first_used_at) VALUES ({})"
)
INSERT_V3_TASK = (
    "INSERT INTO tasks (task_uuid, template_id, namespace, name, version, status, context,"
    " identity_hash, total_steps, created_at, updated_at) VALUES ({})"
)


async def _context_after_upgrade(url: str) -> dict[str, object]:
    store = await open_store(url)
    try:
        return dict((await store.get_task(TASK[0]))["context"])
    finally:
        await store.close()


async def test_a_version_3_sqlite_database_keeps_its_contexts(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    cx = sqlite3.connect(path, isolation_level=None)
    cx.execute("PRAGMA journal_mode = WAL")
    for migration in schema.MIGRATIONS[:3]:
        assert isinstance(migration, str)
        cx.executescript(migration)
    cx.execute("PRAGMA user_version = 3")
    cx.execute(INSERT_TEMPLATE.format(",".join("?" * 7)), TEMPLATE)
    cx.execute(INSERT_V3_TASK.format(",".join("?" * 11)), TASK)
    cx.close()

    assert await _context_after_upgrade(str(path)) == CONTEXT
    with sqlite3.connect(path) as side:
        columns = [r[1] for r in side.execute("PRAGMA table_info(tasks)")]
        stored = side.execute("SELECT task_uuid, context FROM task_contexts").fetchall()
        version = side.execute("PRAGMA user_version").fetchone()[0]
    assert "context" not in columns and "change_seq" in columns
    assert stored == [(TASK[0], json.dumps(CONTEXT))] and version == schema.SCHEMA_VERSION


async def test_a_version_3_postgresql_schema_keeps_its_contexts(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE tasker_schema (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO tasker_schema (version) VALUES (3)")
        for migration in pg_schema.MIGRATIONS[:3]:
            assert isinstance(migration, str)
            conn.execute(migration)
        conn.execute(INSERT_TEMPLATE.format(",".join(["%s"] * 7)), TEMPLATE)
        conn.execute(INSERT_V3_TASK.format(",".join(["%s"] * 11)), TASK)

    assert await _context_after_upgrade(pg_url) == CONTEXT
    with psycopg.connect(pg_url) as conn:
        columns = [
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = 'tasks'"
            )
        ]
        stored = conn.execute("SELECT task_uuid, context FROM task_contexts").fetchall()
        version = conn.execute("SELECT version FROM tasker_schema").fetchone()
    assert "context" not in columns and "change_seq" in columns
    assert stored == [(TASK[0], json.dumps(CONTEXT))] and version == (pg_schema.SCHEMA_VERSION,)
