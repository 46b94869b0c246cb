"""Background WAL checkpoints: commits reach the database file soon after they are made, and an
idle store leaves its files alone."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from engine.store.sqlite.checkpoint import WalCheckpointer


def writer(path: Path) -> sqlite3.Connection:
    cx = sqlite3.connect(path, isolation_level=None)
    cx.execute("PRAGMA journal_mode = WAL")
    cx.execute("PRAGMA wal_autocheckpoint = 0")  # only the checkpointer copies the WAL
    cx.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
    return cx


def in_database_file(path: Path) -> int:
    """Rows of t in the database file itself: an immutable reader does not look at the WAL.
    -1 when the read raced a checkpoint writing the file (an immutable reader takes no lock,
    so it may see pages half copied): the caller looks again."""
    cx = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        count: int = cx.execute("SELECT COUNT(*) FROM t").fetchone()[0]
        return count
    except sqlite3.OperationalError:  # the table itself is still only in the WAL
        return 0
    except sqlite3.DatabaseError:  # "database disk image is malformed": a page mid-copy
        return -1
    finally:
        cx.close()


def until(condition: Callable[[], bool], limit_s: float = 5.0) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


@contextmanager
def checkpointed(
    path: Path, interval_s: float
) -> Iterator[tuple[sqlite3.Connection, WalCheckpointer]]:
    """A writing connection, and a checkpointer running beside it."""
    cx = writer(path)
    checkpointer = WalCheckpointer(str(path), interval_s=interval_s)
    checkpointer.start()
    try:
        yield cx, checkpointer
    finally:
        checkpointer.stop()
        cx.close()


def test_commits_reach_the_database_file_in_the_background(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    with checkpointed(path, interval_s=0.02) as (cx, _):
        for n in range(1, 4):
            cx.execute("INSERT INTO t VALUES (?)", (n,))
            assert until(lambda: in_database_file(path) == n)  # noqa: B023 (called at once)


def test_an_idle_store_runs_no_checkpoints(tmp_path: Path) -> None:
    path = tmp_path / "idle.db"
    with checkpointed(path, interval_s=0.01) as (cx, checkpointer):
        cx.execute("INSERT INTO t VALUES (1)")
        assert until(lambda: in_database_file(path) == 1)
        settled = checkpointer.checkpoints
        time.sleep(0.3)  # some thirty looks with nothing committed
        assert checkpointer.checkpoints == settled
        cx.execute("INSERT INTO t VALUES (2)")
        assert until(lambda: checkpointer.checkpoints > settled)
        assert until(lambda: in_database_file(path) == 2)
