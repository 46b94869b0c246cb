"""Shared helpers of the reliability suites: the real CLI as a subprocess, what a database
holds (to prove a command changed nothing), and the audit trail checked against the
transition tables."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

from engine.states import StepState, TaskState, can_step_move, can_task_move
from tests.backends import is_postgres
from tests.backends import rows as rows  # the suites' reader, on either backend

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
LOCKED = "database is locked"
# The same raw lock errors as PostgreSQL words them (the store retries them; none may surface).
PG_LOCK_ERRORS = ("deadlock detected", "could not serialize access")


def tasker(
    db: str | Path, *args: str, templates: Sequence[Path] = (), handlers: Sequence[str] = ()
) -> list[str]:
    """The command line of ``tasker`` run as its own process."""
    command = [sys.executable, "-m", "engine", "--db", str(db)]
    for folder in templates:
        command += ["--templates", str(folder)]
    for module in handlers:
        command += ["--handlers", str(module)]
    return [*command, *args]


def run(
    command: Sequence[str], env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command),
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def snapshot(db: Path) -> tuple[str, str | None]:
    """(digest of the file's bytes, the SQL dump of its rows or None if it has none).

    Equal before and after a command means the command wrote nothing."""
    if not db.exists():
        return "absent", None
    data = db.read_bytes() if db.is_file() else b"<folder>"
    digest = hashlib.sha256(data).hexdigest()
    try:
        cx = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return digest, "\n".join(cx.iterdump())
        finally:
            cx.close()
    except sqlite3.Error:
        return digest, None


def integrity(db: str | Path) -> str:
    """PRAGMA integrity_check of a SQLite file ("ok" when sound). SQLite only: see
    ``store_integrity`` for what stands in for it on PostgreSQL."""
    cx = sqlite3.connect(db)
    try:
        return str(cx.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        cx.close()


def store_integrity(db: str | Path) -> str:
    """PRAGMA integrity_check on SQLite ("ok" when the file is sound); "ok" on PostgreSQL,
    where there is no equivalent to run: the PRAGMA checks the file the killed processes
    wrote themselves, while PostgreSQL workers are clients that never write storage (the
    server alone does, behind its write-ahead log), so a killed worker cannot tear a page.
    What a client can break there, the rows and the audit trail, the row and audit checks
    read on both backends. (amcheck checks the server's own pages, nothing the engine wrote.)"""
    return "ok" if is_postgres(db) else integrity(db)


def _path_problems(
    kind: str,
    audit: dict[str, list[tuple[str | None, str]]],
    current: dict[str, str],
    states: type[StepState] | type[TaskState],
    can_move: object,
) -> list[str]:
    problems = []
    for key, state in current.items():
        path = audit.get(key, [])
        if not path or path[0] != (None, "pending"):
            problems.append(f"{kind} {key}: audit does not start with (None → pending): {path[:1]}")
            continue
        for (_, before), (source, target) in pairwise(path):
            if source != before:
                problems.append(f"{kind} {key}: audit jumps from {before} to a row from {source}")
            elif target not in set(states) or not can_move(states(source), states(target)):  # type: ignore[operator]
                problems.append(f"{kind} {key}: illegal transition {source} → {target}")
        if path[-1][1] != state:
            problems.append(f"{kind} {key}: is {state} but its last audit row says {path[-1][1]}")
    return problems


def illegal_paths(db: str | Path) -> list[str]:
    """Every step's and task's audit rows, in order, as a path through its transition table:
    the problems found (empty when every path is legal and ends in the current state)."""
    step_audit: dict[str, list[tuple[str | None, str]]] = defaultdict(list)
    for step, source, target in rows(
        db, "SELECT step_uuid, from_state, to_state FROM step_transitions ORDER BY id"
    ):
        step_audit[step].append((source, target))
    task_audit: dict[str, list[tuple[str | None, str]]] = defaultdict(list)
    for task, source, target in rows(
        db, "SELECT task_uuid, from_state, to_state FROM task_transitions ORDER BY id"
    ):
        task_audit[task].append((source, target))
    steps = dict(rows(db, "SELECT step_uuid, state FROM steps"))
    tasks = dict(rows(db, "SELECT task_uuid, status FROM tasks"))
    return [
        *_path_problems("step", step_audit, steps, StepState, can_step_move),
        *_path_problems("task", task_audit, tasks, TaskState, can_task_move),
    ]


def runs(runlog: Path) -> list[tuple[str, str, int]]:
    """The handler runs a recording handler logged: (task, step, attempt), in order."""
    if not runlog.exists():
        return []
    found = []
    for line in runlog.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3:
            found.append((parts[0], parts[1], int(parts[2])))
    return found


def unwelcome_lines(text: str) -> list[str]:
    """Lines a user must never see from a tasker process: tracebacks and raw lock errors (of
    either backend)."""
    return [
        line
        for line in text.splitlines()
        if "Traceback" in line
        or LOCKED in line
        or any(error in line for error in PG_LOCK_ERRORS)
        or line.startswith("Exception in thread")
    ]


def read_only_prefix() -> list[str]:
    """What to run a command under so a 0444 file is really read-only for it: nothing for a
    normal user; for root (who may write any file), ``setpriv`` without the override rights."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return []
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]
