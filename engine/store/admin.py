"""Looking after databases as a whole: schema versions, migration, and copying every row from
one database to another (SQLite or PostgreSQL, either way).

A copy first brings both databases to this code's schema version, reads the source in one
snapshot and writes the destination, which must be empty, in one transaction: a failed copy
leaves the destination as it was.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import psycopg
from psycopg import sql

from engine.store import is_postgres, open_store, sqlite_path
from engine.store.base import StoreError

# Parents before children, so foreign keys hold at every step of the copy.
TABLES = (
    "templates",
    "tasks",
    "task_contexts",
    "steps",
    "search_terms",
    "step_edges",
    "task_transitions",
    "step_transitions",
    "domain_events",
    "domain_event_deliveries",
)
ORDER = {
    "templates": "template_id",
    "tasks": "task_uuid",
    "task_contexts": "task_uuid",
    "steps": "step_uuid",
    "search_terms": "id",
    "step_edges": "from_step, to_step",
    "task_transitions": "id",
    "step_transitions": "id",
    "domain_events": "published_at, event_id",
    "domain_event_deliveries": "id",
}
BATCH = 1000

Batch = list[tuple[Any, ...]]


def label(url: str) -> str:
    """A database as people see it: the file, or the URL without its password."""
    if is_postgres(url):
        from engine.store.postgres.store import label_of

        return label_of(url)
    return sqlite_path(url)


async def schema_version(url: str) -> int:
    """The schema version of a database as it is now (0: empty or not there yet)."""
    if is_postgres(url):
        from engine.store.postgres import schema as postgres_schema

        try:
            async with await psycopg.AsyncConnection.connect(url, connect_timeout=5) as conn:
                return await postgres_schema.current_version(conn)
        except psycopg.Error:
            return 0  # opening it will say what is wrong, in one line
    path = sqlite_path(url)
    if not os.path.exists(path):
        return 0
    try:
        cx = sqlite3.connect(path)
        try:
            return int(cx.execute("PRAGMA user_version").fetchone()[0])
        finally:
            cx.close()
    except sqlite3.Error:
        return 0


async def migrate(url: str) -> tuple[int, int]:
    """Create or upgrade the schema; returns (version before, version after)."""
    before = await schema_version(url)
    store = await open_store(url)
    await store.close()
    return before, await schema_version(url)


class Side(Protocol):
    """One database, read or written table by table."""

    def columns(self, table: str) -> list[str]: ...
    def count(self, table: str) -> int: ...
    def read(self, table: str, columns: list[str]) -> Iterator[Batch]: ...
    def write(self, table: str, columns: list[str], rows: Batch) -> None: ...
    def finish(self) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...


class SqliteSide:
    def __init__(self, path: str) -> None:
        self.cx = sqlite3.connect(path, isolation_level=None)
        self.cx.execute("PRAGMA foreign_keys = ON")
        self.cx.execute("BEGIN IMMEDIATE")  # a snapshot to read, or the one write transaction

    def columns(self, table: str) -> list[str]:
        return [r[1] for r in self.cx.execute(f"PRAGMA table_info({table})")]

    def count(self, table: str) -> int:
        return int(self.cx.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    def read(self, table: str, columns: list[str]) -> Iterator[Batch]:
        cur = self.cx.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {ORDER[table]}")
        while rows := cur.fetchmany(BATCH):
            yield [tuple(r) for r in rows]

    def write(self, table: str, columns: list[str], rows: Batch) -> None:
        marks = ", ".join("?" * len(columns))
        self.cx.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def finish(self) -> None:
        self.cx.execute("COMMIT")

    def rollback(self) -> None:
        if self.cx.in_transaction:
            self.cx.execute("ROLLBACK")

    def close(self) -> None:
        self.rollback()
        self.cx.close()


class PostgresSide:
    def __init__(self, url: str, reading: bool) -> None:
        self.conn = psycopg.connect(url, connect_timeout=5)
        if reading:  # one consistent snapshot of every table
            self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            self.conn.read_only = True

    def columns(self, table: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
            (table,),
        ).fetchall()
        return [r[0] for r in rows]

    def count(self, table: str) -> int:
        query = sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(table))
        row = self.conn.execute(query).fetchone()
        return int(row[0]) if row else 0

    def read(self, table: str, columns: list[str]) -> Iterator[Batch]:
        query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
            sql.SQL(", ").join(map(sql.Identifier, columns)),
            sql.Identifier(table),
            sql.SQL(ORDER[table]),
        )
        with self.conn.cursor(name=f"copy_{table}") as cur:  # streamed from the server
            cur.execute(query)
            while rows := cur.fetchmany(BATCH):
                yield rows

    def write(self, table: str, columns: list[str], rows: Batch) -> None:
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with self.conn.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def finish(self) -> None:
        """Move the id and change-feed sequences past the copied rows, then commit."""
        serial = ("task_transitions", "step_transitions", "domain_event_deliveries", "search_terms")
        for table in serial:
            self.conn.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({name}, 'id'),"
                    " COALESCE(MAX(id), 0) + 1, false) FROM {table}"
                ).format(name=sql.Literal(table), table=sql.Identifier(table))
            )
        self.conn.execute(
            "SELECT setval('task_change_seq', COALESCE(MAX(change_seq), 0) + 1, false) FROM tasks"
        )
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    def close(self) -> None:
        self.conn.rollback()
        self.conn.close()


def open_side(url: str, reading: bool) -> Side:
    return PostgresSide(url, reading) if is_postgres(url) else SqliteSide(sqlite_path(url))


async def copy_database(
    source: str, destination: str, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy every row of ``source`` into the empty ``destination``; rows copied per table."""
    if label(source) == label(destination):
        raise StoreError("--from and --to name the same database; copy into a new one")
    await migrate(source)
    await migrate(destination)
    try:
        return _copy_rows(source, destination, progress)
    except sqlite3.Error as exc:
        raise StoreError(f"copy failed, nothing was written: {exc}") from None
    except psycopg.Error as exc:
        first = " ".join(str(exc).split()) or type(exc).__name__
        raise StoreError(f"copy failed, nothing was written: {first}") from None


def _copy_rows(
    source: str, destination: str, progress: Callable[[str, int], None] | None
) -> dict[str, int]:
    src = open_side(source, reading=True)
    try:
        dst = open_side(destination, reading=False)
    except BaseException:
        src.close()
        raise
    try:
        held = dst.count("tasks") + dst.count("templates")
        if held:
            raise StoreError(
                f"{label(destination)} already holds data ({dst.count('tasks')} tasks); "
                "copy into an empty database"
            )
        counts: dict[str, int] = {}
        for table in TABLES:
            columns = src.columns(table)
            missing = sorted(set(columns) - set(dst.columns(table)))
            if missing:
                raise StoreError(
                    f"{label(destination)} has no column {', '.join(missing)} in {table}; "
                    "run 'tasker db migrate' on it with this version of tasker"
                )
            counts[table] = 0
            for rows in src.read(table, columns):
                dst.write(table, columns, rows)
                counts[table] += len(rows)
                if progress is not None:
                    progress(table, counts[table])
        dst.finish()
        return counts
    except BaseException:
        dst.rollback()
        raise
    finally:
        dst.close()
        src.close()
