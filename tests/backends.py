"""The two database backends the suites run against: a SQLite file, or a PostgreSQL schema.

PostgreSQL tests run when a server answers on $TASKER_TEST_PG (default
postgresql://postgres@127.0.0.1:5432/postgres). Each test run creates a database of its own
(a unique name) and drops it at the end; each test gets a fresh schema inside it.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg

ADMIN_URL = os.environ.get("TASKER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]
TABLES = ["templates", "tasks", "steps", "step_edges", "task_transitions", "step_transitions"]

_problem: list[str | None] = []


def server_problem() -> str | None:
    """Why the PostgreSQL half cannot run (None when a server answers)."""
    if not _problem:
        try:
            with psycopg.connect(ADMIN_URL, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
            _problem.append(None)
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            _problem.append(f"no PostgreSQL server at TASKER_TEST_PG={ADMIN_URL} ({first})")
    return _problem[0]


def with_database(url: str, dbname: str, schema: str | None = None) -> str:
    parts = urlsplit(url)
    query = f"options={quote(f'-csearch_path={schema}')}" if schema else ""
    return urlunsplit((parts.scheme, parts.netloc, f"/{dbname}", query, ""))


class PgDatabase:
    """One database for this test run; one schema per test inside it."""

    def __init__(self) -> None:
        self.name = f"tasker_test_{os.getpid()}_{secrets.token_hex(4)}"
        self.url = with_database(ADMIN_URL, self.name)
        self._numbers = itertools.count(1)

    def create(self) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def new_schema(self) -> tuple[str, str]:
        """A fresh empty schema: (its name, the URL whose search_path is it)."""
        schema = f"t{next(self._numbers)}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        return schema, with_database(ADMIN_URL, self.name, schema)

    def drop_schema(self, schema: str) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def pg_schema(database: PgDatabase) -> Iterator[str]:
    schema, url = database.new_schema()
    yield url
    database.drop_schema(schema)


def is_postgres(db: str | Path) -> bool:
    return str(db).startswith("postgresql://")


def to_psycopg(sql: str) -> str:
    """SQL with ``?`` placeholders as psycopg takes it: ``%s`` placeholders, a literal ``%``
    doubled. (The SQL given must hold no ``?`` other than placeholders.)"""
    return sql.replace("%", "%%").replace("?", "%s")


def rows(db: str | Path, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
    """Run one read query (portable SQL, ``?`` placeholders) on either backend."""
    if is_postgres(db):
        with psycopg.connect(str(db)) as conn:
            return [tuple(r) for r in conn.execute(to_psycopg(sql), tuple(params))]
    cx = sqlite3.connect(db)
    try:
        return [tuple(r) for r in cx.execute(sql, tuple(params))]
    finally:
        cx.close()


def table_rows(db: str | Path, table: str) -> list[tuple[Any, ...]]:
    """Every row of a table in primary-key order, as plain values."""
    order = {"step_edges": "from_step, to_step"}.get(table, "1")
    return rows(db, f"SELECT * FROM {table} ORDER BY {order}")


def digest(db: str | Path) -> str:
    """A fingerprint of everything stored: equal before and after means nothing was written."""
    if not is_postgres(db):
        path = Path(db)
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"
    text = repr([(t, table_rows(db, t)) for t in TABLES])
    return hashlib.sha256(text.encode()).hexdigest()
