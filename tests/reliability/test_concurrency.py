"""Four ``tasker worker`` processes and the real console (headless, in its own process) on one
database while tasks keep arriving: every attempt runs once, no update is lost (counters,
audit rows, what the console shows), and no process ever shows a user 'database is locked'; on
either backend (the PostgreSQL half is skipped when no server answers)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.hosts.support import DATA as RELAY_DATA
from tests.hosts.support import HANDLERS as RELAY_HANDLERS
from tests.hosts.support import create_tasks, wait_until
from tests.reliability.support import (
    DATA,
    REPO,
    illegal_paths,
    rows,
    run,
    runs,
    store_integrity,
    tasker,
    unwelcome_lines,
)

WORKERS = [f"host-{n}" for n in range(4)]
STEPS = 3  # relay_chain: first -> second -> third


def start(command: list[str], env: dict[str, str], err: Path, **kwargs: Any) -> subprocess.Popen:
    with err.open("w") as stderr:
        return subprocess.Popen(
            command, env={**os.environ, **env}, stderr=stderr, cwd=REPO, **kwargs
        )


def count(db: str | Path, sql: str) -> int:
    return int(rows(db, sql)[0][0])


def run_four_workers_and_a_console(db: str | Path, tmp: Path, tasks: int) -> None:
    """``db`` is a SQLite file or a PostgreSQL URL; every process gets it as it is."""
    runlog, gate, stop = tmp / "runs.log", tmp / "gate", tmp / "stop"
    env = {"TASKER_TEST_RUNLOG": str(runlog), "TASKER_TEST_GATE": str(gate)}
    early = tasks // 2
    create_tasks(db, [{"n": n} for n in range(early)])
    console = start(
        [sys.executable, str(DATA / "console_observer.py"), str(db), str(stop), str(tasks)],
        env, tmp / "console.err", stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    workers = [
        start(
            tasker(db, "worker", "--worker-id", host, "--concurrency", "4", "--quiet",
                   templates=[RELAY_DATA], handlers=[str(RELAY_HANDLERS)]),
            env, tmp / f"{host}.err",
        )
        for host in WORKERS
    ]  # fmt: skip
    try:
        # Every worker holds claims before any step may finish: all four share the work.
        wait_until(
            lambda: count(db, "SELECT COUNT(DISTINCT claimed_by) FROM steps"
                              " WHERE state = 'in_progress'") == len(WORKERS),
            120, "all four workers hold claims",
        )  # fmt: skip
        gate.write_text("go")
        create_tasks(db, [{"n": n} for n in range(early, tasks)])  # while the workers run
        reads = [run(tasker(db, "task", "list", "--limit", "5", "--json")) for _ in range(3)]
        wait_until(
            lambda: count(db, "SELECT COUNT(*) FROM tasks WHERE status = 'complete'") == tasks,
            900,
            "every task completes",
        )
        stop.write_text("stop")
        seen_text, _ = console.communicate(timeout=120)
    finally:
        for proc in [*workers, console]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes = [proc.wait(timeout=60) for proc in [*workers, console]]

    errors = {p.name: p.read_text() for p in sorted(tmp.glob("*.err"))}
    assert codes == [0] * (len(WORKERS) + 1), errors
    assert [
        f"{name}: {line}" for name, text in errors.items() for line in unwelcome_lines(text)
    ] == []
    for read in reads:
        assert read.returncode == 0 and read.stderr == "", read.stderr

    # What the console shows: every task, each complete with all its steps done.
    seen = json.loads(seen_text)
    assert seen["errors"] == [] and seen["moves"] > 0
    assert seen["rows"] == tasks
    assert seen["progress"] == {f"{STEPS}/{STEPS}": tasks}
    assert sum(n for state, n in seen["states"].items() if state.endswith(" complete")) == tasks

    # Every attempt ran once, on one of the four hosts, and every worker did some.
    recorded = runs(runlog)
    assert len(recorded) == tasks * STEPS and len(set(recorded)) == len(recorded)
    assert {attempt for _, _, attempt in recorded} == {1}
    attempts_run = sum(
        int(m) for text in errors.values() for m in re.findall(r"(\d+) attempts run", text)
    )
    assert attempts_run == tasks * STEPS
    claims = Counter(
        by for (by,) in rows(db, "SELECT by FROM step_transitions WHERE to_state = 'in_progress'")
    )
    assert set(claims) == set(WORKERS) and sum(claims.values()) == tasks * STEPS

    # No update lost: counters, audit rows and states agree.
    assert rows(
        db, "SELECT status, completed_steps, total_steps, COUNT(*) FROM tasks GROUP BY 1, 2, 3"
    ) == [("complete", STEPS, STEPS, tasks)]
    per_step = Counter(
        n for (n,) in rows(db, "SELECT COUNT(*) FROM step_transitions GROUP BY step_uuid")
    )
    assert per_step == {3: tasks * STEPS}  # pending, in_progress, complete: nothing more
    assert illegal_paths(db) == []
    assert store_integrity(db) == "ok"  # PRAGMA integrity_check; nothing on PostgreSQL (see there)


def test_four_workers_and_the_console_share_one_database(db: str | Path, tmp_path: Path) -> None:
    run_four_workers_and_a_console(db, tmp_path, tasks=120)


@pytest.mark.slow
def test_four_workers_and_the_console_run_two_thousand_tasks(
    db: str | Path, tmp_path: Path
) -> None:
    run_four_workers_and_a_console(db, tmp_path, tasks=2000)
