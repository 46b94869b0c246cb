"""Refusals whose symptom was the process itself, run as real ``tasker`` processes: a
database on a read-only filesystem (the message said to check that the folder exists),
another application's SQLite file (our tables were silently added to it), and a handler
module that exits when imported (the worker ended with nothing on stderr)."""

from __future__ import annotations

import hashlib
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.engine.support import DATA, HANDLERS
from tests.reliability.support import REPO, run, tasker


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("tasker: error: ") and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
    return done.stderr


def test_a_database_on_a_read_only_filesystem_is_named_as_such(tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    mount_point = tmp_path / "readonly"
    mount_point.mkdir()
    db = mount_point / "tasker.db"
    base = tmp_path / "base.db"
    assert run(tasker(base, "task", "list")).returncode == 0
    command = [sys.executable, "-m", "engine", "--db", str(db), "task", "list"]
    script = " && ".join(
        [
            f"mount -t tmpfs tmpfs {mount_point}",
            f"cp {base} {db}",
            f"mount -o remount,ro {mount_point}",
            shlex.join(command) + "; echo exit=$?",
        ]
    )
    # A mount namespace of the test's own (and a user namespace, so no privilege is needed):
    # the read-only mount exists only inside it.
    try:
        done = subprocess.run(
            [unshare or "unshare", "-rm", "--propagation", "private", "sh", "-c", script],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
        )
    except FileNotFoundError:
        pytest.skip("no unshare command to mount a read-only filesystem with")
    if "exit=" not in done.stdout:
        pytest.skip(f"cannot mount a read-only filesystem here: {done.stderr.strip()[:200]}")
    assert done.stdout.strip().endswith("exit=2"), done.stdout
    assert done.stderr.startswith("tasker: error: ") and done.stderr.count("\n") == 1
    assert f"{db} is on a read-only filesystem" in done.stderr
    assert "folder exists" not in done.stderr


def test_another_applications_sqlite_file_is_refused_and_left_byte_for_byte(
    tmp_path: Path,
) -> None:
    db = tmp_path / "notes.db"
    cx = sqlite3.connect(db)
    cx.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    cx.execute("INSERT INTO notes (body) VALUES ('buy milk')")
    cx.commit()
    cx.close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    for args in (("task", "list"), ("worker", "--until-idle"), ("db", "migrate")):
        err = one_line_error(run(tasker(db, *args)))
        assert f"{db} is a SQLite database of another application" in err
        assert "notes" in err
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]  # no -wal, no -shm


def test_a_handler_module_that_exits_on_import_is_a_one_line_error(tmp_path: Path) -> None:
    module = tmp_path / "exiting_handlers.py"
    module.write_text("import sys\n\nsys.exit(3)\n")
    done = run(tasker(tmp_path / "tasker.db", "worker", "--until-idle", handlers=[str(module)]))
    err = one_line_error(done)
    assert "exiting_handlers.py" in err and "SystemExit(3)" in err


def test_a_context_stored_900_deep_before_the_limit_is_one_line_and_can_be_cancelled(
    tmp_path: Path,
) -> None:
    db = tmp_path / "tasker.db"
    created = run(tasker(db, "task", "create", "flaky_chain", "--namespace", "testing",
                         templates=[DATA], handlers=HANDLERS))  # fmt: skip
    assert created.returncode == 0, created.stderr
    uuid = created.stdout.split()[1]
    cx = sqlite3.connect(db)  # as an older tasker accepted it
    with cx:
        cx.execute("UPDATE task_contexts SET context = ?", ('{"a":' + "[" * 900 + "]" * 900 + "}",))
    cx.close()
    done = run(tasker(db, "task", "get", uuid, templates=[DATA], handlers=HANDLERS))
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "nested too deeply to show" in done.stderr and "Traceback" not in done.stderr
    done = run(tasker(db, "task", "cancel", uuid, templates=[DATA], handlers=HANDLERS))
    assert done.returncode == 0 and "is now cancelled" in done.stdout, done.stderr
