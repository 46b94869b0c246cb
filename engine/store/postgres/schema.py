"""The PostgreSQL schema: the same tables, columns and version numbers as the SQLite one, its
versions 1 to 5 rendered from the DDL both share (``engine.store.schema_ddl``).

Migration N here does what SQLite's migration N does, so ``tasker db copy`` moves rows between
two databases at one version. The version lives in ``tasker_schema``; migrations run under an
advisory lock, so workers starting together upgrade a database once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from psycopg import errors

from engine.store import failure_rows, schema_ddl, unmet_schema
from engine.store.base import StoreError
from engine.store.dialect import POSTGRES
from engine.store.postgres.search import upgrade_to_6

# A migration is SQL, or a function of the connection for one that must compute its rows (the
# search index masks secrets).
Migration = str | Callable[[psycopg.AsyncConnection[Any]], Awaitable[None]]

MIGRATIONS: list[Migration] = [
    *schema_ddl.versions_1_to_5(POSTGRES),
    # 6 on: each version a script (or a function) of its own, as in sqlite/schema.py
    # 6: the search index (engine/store/postgres/search.py), built for the tasks already there.
    upgrade_to_6,
    # 7: each step's count of unmet dependencies and a task's steps by state
    # (engine/store/unmet_schema.py).
    unmet_schema.postgres_migration(),
    # 8: the audit rows of failures by step, for the failures view with the handled ones
    # (engine/store/failure_rows.py).
    failure_rows.FAILURES_INDEX,
]

SCHEMA_VERSION = len(MIGRATIONS)


def lock_key(schema: str, purpose: str) -> int:
    """A stable advisory-lock key for one purpose within one schema (a signed 64-bit int)."""
    digest = hashlib.sha256(f"tasker:{schema}:{purpose}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def current_version(conn: psycopg.AsyncConnection) -> int:
    """The schema version of the database (0 when it has no tasker tables yet)."""
    try:
        async with conn.transaction():
            cur = await conn.execute("SELECT version FROM tasker_schema")
            row = await cur.fetchone()
    except errors.UndefinedTable:
        return 0
    return 0 if row is None else _version_of(row)


def _version_of(row: object) -> int:
    return int(row["version"] if isinstance(row, dict) else row[0])  # type: ignore[index]


async def migrate(conn: psycopg.AsyncConnection[Any], schema: str, label: str) -> tuple[int, int]:
    """Bring the schema to SCHEMA_VERSION; returns (version before, version after).

    Raises StoreError for a schema newer than this code understands.
    """
    before = await current_version(conn)
    _refuse_newer(before, label)
    if before == SCHEMA_VERSION:
        return before, before
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(schema, "migrate"),))
        await conn.execute("CREATE TABLE IF NOT EXISTS tasker_schema (version INTEGER NOT NULL)")
        cur = await conn.execute("SELECT version FROM tasker_schema")
        row = await cur.fetchone()
        if row is None:
            await conn.execute("INSERT INTO tasker_schema (version) VALUES (0)")
        version = 0 if row is None else _version_of(row)
        _refuse_newer(version, label)
        for number in range(version, SCHEMA_VERSION):
            migration = MIGRATIONS[number]
            if callable(migration):
                await migration(conn)
            else:
                await conn.execute(migration)
        await conn.execute("UPDATE tasker_schema SET version = %s", (SCHEMA_VERSION,))
    return before, SCHEMA_VERSION


def _refuse_newer(version: int, label: str) -> None:
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{label} has schema version {version}, newer than this tasker understands "
            f"({SCHEMA_VERSION}); upgrade tasker-console"
        )
