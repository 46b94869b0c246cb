"""SQLite store on aiosqlite: WAL, foreign keys, busy timeout, BEGIN IMMEDIATE for writes.

Each write transaction runs as one function on aiosqlite's connection thread, so a state
change, its audit row, its results and the task's re-evaluation cost one thread hop.

The worker's hot path (claiming steps, storing attempt results), task creation and the small
reads around them (one task's view, the ready list) skip even that hop: they run on a second
connection, on the event loop's own thread. Its transactions are short (a commit
without fsync under WAL + synchronous=NORMAL), cheaper than a hop there and back (0.1-0.3 ms),
and a lock held by another connection is waited for with ``asyncio.sleep``, never by blocking
the loop. An in-memory database has no second connection and keeps every call on the thread.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from engine.store.base import StoreError
from engine.store.sqlite import bulk as sqlite_bulk
from engine.store.sqlite import busy
from engine.store.sqlite import context as sqlite_context
from engine.store.sqlite import events as sqlite_events
from engine.store.sqlite import failures as sqlite_failures
from engine.store.sqlite import grid as sqlite_grid
from engine.store.sqlite import reads as sqlite_reads
from engine.store.sqlite import writes as sqlite_writes
from engine.store.sqlite.checkpoint import SAFETY_NET_PAGES, WalCheckpointer
from engine.store.sqlite.schema import MIGRATIONS, SCHEMA_VERSION

R = TypeVar("R")


def _connect(path: str) -> sqlite3.Connection:
    cx = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    cx.row_factory = sqlite3.Row
    # Lock waits are retried in busy.patiently with sub-millisecond sleeps: SQLite's own busy
    # handler sleeps 1, 2, 5, 10… ms, far longer than our transactions hold the lock.
    cx.execute("PRAGMA busy_timeout = 0")
    cx.execute("PRAGMA foreign_keys = ON")
    return cx


def _friendly(path: str, exc: sqlite3.Error) -> StoreError:
    text = str(exc)
    if "not a database" in text or "malformed" in text:
        return StoreError(f"{path} is not a tasker database ({text}); point --db at another file")
    if "readonly" in text or "read-only" in text:
        return _unwritable(path) or StoreError(
            f"{path} is read-only; make it writable or use another --db"
        )
    if "unable to open" in text and os.path.exists(path) and not os.access(path, os.R_OK):
        return StoreError(
            f"cannot open database {path}: permission denied; check the file's owner and mode"
        )
    if "unable to open" in text or "readonly" in text:
        return _unwritable(path) or StoreError(
            f"cannot open database {path}; check that its folder exists"
        )
    if "disk is full" in text or "database or disk is full" in text:
        return StoreError(f"the disk holding {path} is full; free space and retry")
    if "locked" in text or "busy" in text:
        return StoreError(
            f"{path} is busy: another process held its write lock for over "
            f"{busy.BUSY_TIMEOUT_MS // 1000} s; retry, or stop the process that holds it"
        )
    return StoreError(f"database {path}: {text}")


def _unwritable(path: str) -> StoreError | None:
    """Why a database cannot be opened for writing, when its folder says: SQLite writes its
    -wal and -shm files beside the database, so the folder must be writable too."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return None
    if read_only:
        return StoreError(
            f"{path} is on a read-only filesystem, and tasker writes the database (and its "
            "-wal and -shm files beside it); remount it read-write or copy the database to a "
            "writable folder"
        )
    if not os.access(folder, os.W_OK):
        return StoreError(
            f"cannot write in {folder}, the folder of {path} (tasker writes -wal and -shm files "
            "beside the database); make the folder writable or copy the database elsewhere"
        )
    return None


OUR_TABLES = frozenset({"templates", "tasks", "steps"})


def _refuse_foreign(cx: sqlite3.Connection, path: str) -> None:
    """``StoreError`` for another application's SQLite file: migrating it would add our
    tables to it (and switching it to WAL would change its header), so nothing is written."""
    version = cx.execute("PRAGMA user_version").fetchone()[0]
    tables = sorted(
        row[0]
        for row in cx.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    )
    if (version == 0 and not tables) or OUR_TABLES <= set(tables):
        return
    shown = ", ".join(tables[:3]) + (f" and {len(tables) - 3} more" if len(tables) > 3 else "")
    holds = f"tables {shown}" if tables else f"user_version {version} and no tables"
    raise StoreError(
        f"{path} is a SQLite database of another application (it holds {holds}, none of "
        "tasker's); point --db at a tasker database or a new file"
    )


def _migrate(cx: sqlite3.Connection, path: str) -> None:
    version = cx.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} has schema version {version}, newer than this tasker understands "
            f"({SCHEMA_VERSION}); upgrade tasker-console"
        )
    if version == SCHEMA_VERSION:
        return
    cx.execute("BEGIN IMMEDIATE")
    try:
        version = cx.execute("PRAGMA user_version").fetchone()[0]
        for number in range(version, SCHEMA_VERSION):
            migration = MIGRATIONS[number]
            if callable(migration):
                migration(cx)
                continue
            for statement in _statements(migration):
                cx.execute(statement)
        cx.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        cx.execute("COMMIT")
    except BaseException:
        if cx.in_transaction:  # SQLite already rolled back after SQLITE_FULL, IOERR and such
            cx.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    """Split a migration into statements (semicolons inside comments are fine)."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current)
            current = ""
    return out


def _prepare(cx: sqlite3.Connection, path: str) -> None:
    _refuse_foreign(cx, path)  # before anything is written to it
    cx.execute("PRAGMA journal_mode = WAL")
    _tune(cx)
    _migrate(cx, path)


def _tune(cx: sqlite3.Connection) -> None:
    """Settings every connection needs of its own (journal_mode is the file's)."""
    cx.execute("PRAGMA synchronous = NORMAL")
    cx.execute(f"PRAGMA wal_autocheckpoint = {SAFETY_NET_PAGES}")


def _create_owner_only(path: str) -> None:
    """Create the database file readable by its owner only (WAL/SHM files inherit the mode)."""
    if path == ":memory:" or os.path.exists(path):
        return
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


class SqliteStore(
    sqlite_reads.ReadMixin,
    sqlite_writes.WriteMixin,
    sqlite_bulk.BulkWriteMixin,
    sqlite_context.ContextEditMixin,
    sqlite_events.EventsMixin,
    sqlite_failures.FailuresMixin,
    sqlite_grid.GridMixin,
):
    """The embedded default store."""

    def __init__(self, path: str, db: aiosqlite.Connection) -> None:
        self.path = path
        self._db = db
        self._checkpointer: WalCheckpointer | None = None
        self._inline: sqlite3.Connection | None = None  # the hot path's, on the loop's thread

    @classmethod
    async def open(cls, path: str | Path) -> SqliteStore:
        path = str(path)
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise StoreError(f"cannot create database {path}: folder {folder} does not exist")
        if os.path.isdir(path):
            raise StoreError(f"{path} is a folder, not a database file; point --db at a file")
        try:
            _create_owner_only(path)
        except OSError as exc:
            raise StoreError(
                f"cannot create database {path}: {exc.strerror}; point --db at a folder you "
                "can write to"
            ) from None
        try:  # fail here, in one line, rather than inside aiosqlite's thread
            _connect(path).close()
        except sqlite3.Error as exc:
            raise _friendly(path, exc) from None
        db = aiosqlite.Connection(lambda: _connect(path), iter_chunk_size=64)
        try:
            await db
            store = cls(path, db)
            await store._call(_prepare, path)
        except BaseException:
            await db.close()
            raise
        if path != ":memory:":
            try:
                store._inline = _connect(path)
                _tune(store._inline)
            except sqlite3.Error as exc:
                await store.close()
                raise _friendly(path, exc) from None
            store._checkpointer = WalCheckpointer(path)
            store._checkpointer.start()
        return store

    def lease_renewer(self) -> SqliteLeaseRenewer | None:
        return None if self.path == ":memory:" else SqliteLeaseRenewer(self.path)

    async def close(self) -> None:
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        await self._db.close()
        if self._checkpointer is not None:
            self._checkpointer.stop()

    async def _call(self, fn: Callable[..., R], *args: Any) -> R:
        """Run ``fn(connection, *args)`` on the connection's thread (one hop)."""
        try:

            def run() -> R:
                return busy.patiently(fn, self._db._conn, args)

            return cast(R, await self._db._execute(run))  # type: ignore[no-untyped-call]
        except sqlite3.Error as exc:
            raise _friendly(self.path, exc) from None

    async def _write(self, fn: Callable[..., R], *args: Any) -> R:
        """Run ``fn(connection, *args)`` inside BEGIN IMMEDIATE … COMMIT, retrying lock waits."""
        return await self._call(busy.in_transaction, fn, args)

    async def _write_if(self, check: Callable[..., bool], fn: Callable[..., R], *args: Any) -> R:
        """Like ``_write``, but only when ``check(connection, *args)`` finds work (one hop)."""
        return await self._call(busy.if_then_in_transaction, check, fn, args)  # type: ignore[arg-type]

    async def _write_inline(
        self, check: Callable[..., bool] | None, fn: Callable[..., R], *args: Any
    ) -> R:
        """Like ``_write_if`` (``check`` None: always write), on the loop's own thread.

        Only for short transactions: the loop waits while one runs. A lock another connection
        holds is retried after an ``asyncio.sleep``, so the loop runs on meanwhile.
        """
        if self._inline is None:
            if check is None:
                return await self._write(fn, *args)
            return await self._write_if(check, fn, *args)
        if check is None:
            return await self._on_loop(busy.in_transaction, fn, args)
        return await self._on_loop(busy.if_then_in_transaction, check, fn, args)  # type: ignore[arg-type]

    def _write_now(self, fn: Callable[..., R], *args: Any) -> R | None:
        """``fn(inline connection, *args)`` in one write transaction, now or not at all: None
        when another connection holds the lock (nothing was written) or there is no inline
        connection."""
        cx = self._inline
        if cx is None:
            return None
        try:
            return busy.in_transaction(cx, fn, args)
        except sqlite3.OperationalError as exc:
            if busy.is_busy(exc) and not cx.in_transaction:
                return None
            raise _friendly(self.path, exc) from None
        except sqlite3.Error as exc:
            raise _friendly(self.path, exc) from None

    async def _read_inline(self, fn: Callable[..., R], *args: Any) -> R:
        """``fn(connection, *args)`` on the loop's own thread: only for reads of a few rows
        (one indexed lookup, one task), cheaper there than a hop to aiosqlite's thread."""
        if self._inline is None:
            return await self._call(fn, *args)
        return await self._on_loop(fn, *args)

    async def _on_loop(self, fn: Callable[..., R], *args: Any) -> R:
        """Run ``fn(inline connection, *args)`` now, retrying a busy lock after a pause."""
        cx = self._inline
        assert cx is not None
        waits = busy.lock_waits()
        while True:
            try:
                return fn(cx, *args)
            except sqlite3.OperationalError as exc:
                pause = busy.retry_after(exc, cx, waits)
                if pause is None:
                    raise _friendly(self.path, exc) from None
            except sqlite3.Error as exc:
                raise _friendly(self.path, exc) from None
            await asyncio.sleep(pause)


class SqliteLeaseRenewer:
    """Renews leases on a connection of its own, from the thread that calls it."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._cx: sqlite3.Connection | None = None

    def renew(self, worker_id: str, step_uuids: list[str], lease_until_ms: int) -> set[str]:
        if not step_uuids:
            return set()
        try:
            if self._cx is None:
                self._cx = _connect(self._path)
                _tune(self._cx)  # no fsync per commit, no checkpoint of its own: as the others
            args = (worker_id, step_uuids, lease_until_ms)
            return busy.patiently(
                busy.in_transaction, self._cx, (sqlite_writes.extend_leases, args)
            )
        except sqlite3.Error as exc:
            raise _friendly(self._path, exc) from None

    def close(self) -> None:
        if self._cx is not None:
            self._cx.close()
            self._cx = None
