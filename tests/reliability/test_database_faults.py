"""A database the CLI cannot use as it wants (read-only, unreadable, full, held locked by
another process): one line saying what is wrong, exit code 2, and the file unchanged. Run as
real processes, because permissions, SQLite's page limit and lock waits are per process."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.api import open_engine
from tests.engine.support import DATA as ENGINE_DATA
from tests.engine.support import HANDLERS as ENGINE_HANDLERS
from tests.reliability.support import (
    illegal_paths,
    integrity,
    read_only_prefix,
    rows,
    run,
    snapshot,
    tasker,
    unwelcome_lines,
)

# Loaded by every Python process started with this folder on PYTHONPATH: each SQLite
# connection may hold no more pages than the file has now, as on a disk with no space left.
FULL_DISK = """
import sqlite3

_connect = sqlite3.connect


def connect(*args, **kwargs):
    cx = _connect(*args, **kwargs)
    pages = cx.execute("PRAGMA page_count").fetchone()[0]
    cx.execute(f"PRAGMA max_page_count = {max(pages, 1)}")
    return cx


sqlite3.connect = connect
"""
CREATE = ("task", "create", "flaky_chain", "--namespace", "testing")


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with one task ready to run."""
    db = tmp_path_factory.mktemp("faults") / "tasker.db"
    made = run(cli(db, *CREATE, "--context", '{"order": 1}'))
    assert made.returncode == 0, made.stderr
    return db


@pytest.fixture
def db(populated: Path, tmp_path: Path) -> Iterator[Path]:
    copy = tmp_path / "tasker.db"
    shutil.copyfile(populated, copy)
    os.chmod(copy, 0o600)
    yield copy
    os.chmod(copy, 0o600)


def cli(db: Path, *args: str) -> list[str]:
    return tasker(db, *args, templates=[ENGINE_DATA], handlers=ENGINE_HANDLERS)


def full_disk_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "sitecustomize.py").write_text(FULL_DISK)
    return {"PYTHONPATH": f"{tmp_path / 'full'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}


def refused(result: object, says: str) -> None:
    code, err, out = result.returncode, result.stderr, result.stdout  # type: ignore[attr-defined]
    assert code == 2, (out, err)
    assert err.startswith("tasker: error: ") and err.count("\n") == 1, err
    assert says in err and "Traceback" not in err, err


def as_restricted(command: list[str]) -> list[str]:
    prefix = read_only_prefix()
    if os.geteuid() == 0 and not prefix:
        pytest.skip("root may write any file and setpriv is not installed to drop that right")
    return [*prefix, *command]


def test_a_read_only_database_refuses_writes_and_still_reads(db: Path) -> None:
    db.chmod(0o444)
    before = snapshot(db)
    refused(run(as_restricted(cli(db, *CREATE, "--context", "{}"))), "is read-only")
    refused(run(as_restricted(cli(db, "worker", "--until-idle", "--quiet"))), "is read-only")
    listed = run(as_restricted(cli(db, "task", "list", "--json")))
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 1, listed.stderr
    assert snapshot(db) == before


def test_an_unreadable_database_says_permission_denied(db: Path) -> None:
    db.chmod(0o000)
    refused(run(as_restricted(cli(db, "task", "list"))), "permission denied")
    db.chmod(0o600)


def test_a_full_disk_refuses_the_write_and_keeps_the_file(db: Path, tmp_path: Path) -> None:
    env = full_disk_env(tmp_path)
    big = json.dumps({"notes": "x" * 50_000})
    before = snapshot(db)
    refused(run(cli(db, *CREATE, "--context", big), env=env), "is full")
    assert snapshot(db) == before


def test_a_worker_stopped_by_a_full_disk_leaves_a_sound_database(tmp_path: Path) -> None:
    db = tmp_path / "tasker.db"

    async def create() -> None:
        async with open_engine(db, templates=[ENGINE_DATA]) as engine:
            for n in range(40):
                await engine.create_task("flaky_chain", "testing", {"order": n, "pad": "x" * 500})

    asyncio.run(create())
    env = full_disk_env(tmp_path)
    refused(
        run(cli(db, "worker", "--until-idle", "--quiet", "--lease-seconds", "1"), env=env),
        "is full",
    )
    assert integrity(db) == "ok" and illegal_paths(db) == []
    # Once there is room again, the next worker finishes the work the first one left.
    finished = run(cli(db, "worker", "--until-idle", "--quiet", "--lease-seconds", "1"))
    assert finished.returncode == 0 and unwelcome_lines(finished.stderr) == [], finished.stderr
    assert rows(db, "SELECT status, COUNT(*) FROM tasks GROUP BY status") == [("complete", 40)]
    assert integrity(db) == "ok" and illegal_paths(db) == []


def test_a_lock_held_past_the_wait_is_busy_not_locked(db: Path) -> None:
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock throughout
    try:
        before_rows = holder.execute("SELECT COUNT(*) FROM tasks").fetchone()[0]
        result = run(cli(db, *CREATE, "--context", '{"order": 2}'))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    refused(result, "is busy")
    assert "database is locked" not in result.stderr
    cx = sqlite3.connect(db)
    assert cx.execute("SELECT COUNT(*) FROM tasks").fetchone()[0] == before_rows
    cx.close()
