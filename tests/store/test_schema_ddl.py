"""The schema's DDL is written once and rendered per dialect: a new database has the same tables,
columns and indexes on SQLite and on PostgreSQL, and each dialect's words are all it differs by."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg

from engine.store import open_store, schema_ddl
from engine.store.dialect import POSTGRES, SQLITE
from engine.store.postgres import schema as pg_schema
from engine.store.sqlite import schema


def _sqlite_shape(path: Path) -> tuple[dict[str, list[str]], set[str]]:
    cx = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in cx.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        columns = {t: [c[1] for c in cx.execute(f"PRAGMA table_info({t})")] for t in tables}
        indexes = {
            name
            for (name,) in cx.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        }
    finally:
        cx.close()
    return columns, indexes


def _postgres_shape(url: str) -> tuple[dict[str, list[str]], set[str]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name <> 'tasker_schema'"
            " ORDER BY table_name, ordinal_position"
        ).fetchall()
        indexes = {
            name
            for (name,) in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
                " AND indexdef NOT LIKE 'CREATE UNIQUE INDEX%'"
            )
        }
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns, indexes


async def test_a_new_database_has_the_same_tables_columns_and_indexes_on_both(
    tmp_path: Path, pg_url: str
) -> None:
    for target in (str(tmp_path / "tasker.db"), pg_url):
        await (await open_store(target)).close()
    sqlite_columns, sqlite_indexes = _sqlite_shape(tmp_path / "tasker.db")
    pg_columns, pg_indexes = _postgres_shape(pg_url)
    assert (
        "by" in sqlite_columns["step_transitions"] and "context" in sqlite_columns["task_contexts"]
    )
    # The one dialect difference: the search index's text lookup is SQLite's FTS5 table
    # search_text (and its shadow tables) beside PostgreSQL's trigram index on search_terms.
    sqlite_columns = {t: c for t, c in sqlite_columns.items() if not t.startswith("search_text")}
    pg_indexes = {i for i in pg_indexes if i != "search_terms_by_trigram"}
    assert sqlite_columns == pg_columns
    assert sqlite_indexes == pg_indexes and "domain_events_due" in sqlite_indexes
    assert "search_terms" in pg_columns


def test_each_backend_renders_the_shared_versions_in_its_own_words() -> None:
    assert schema.MIGRATIONS[:5] == schema_ddl.versions_1_to_5(SQLITE)
    assert pg_schema.MIGRATIONS[:5] == schema_ddl.versions_1_to_5(POSTGRES)
    sqlite_v1, pg_v1 = schema.MIGRATIONS[0], pg_schema.MIGRATIONS[0]
    assert isinstance(sqlite_v1, str) and isinstance(pg_v1, str)
    assert "$" not in sqlite_v1 and "$" not in pg_v1
    assert 'task_uuid       TEXT COLLATE "C" PRIMARY KEY' in pg_v1
    assert "task_uuid       TEXT PRIMARY KEY" in sqlite_v1
    assert "CREATE SEQUENCE task_change_seq;" in pg_v1 and "SEQUENCE" not in sqlite_v1


def test_a_shared_statement_takes_each_dialects_placeholders() -> None:
    statement = "SELECT 1 FROM tasks WHERE task_uuid = ? AND status = ?"
    assert SQLITE.sql(statement) == statement
    assert POSTGRES.sql(statement) == "SELECT 1 FROM tasks WHERE task_uuid = %s AND status = %s"
