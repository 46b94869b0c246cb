"""Kill ``tasker worker`` subprocesses with SIGKILL mid-run; restart; nothing is lost or re-run."""

from __future__ import annotations

import collections
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from engine.cli import main
from tests.engine.support import CART, DATA, HANDLERS

TASKS = 30
KILLS = 3


def worker_command(db: Path, *extra: str) -> list[str]:
    cmd = [sys.executable, "-m", "engine", "--db", str(db), "--templates", str(DATA)]
    for module in HANDLERS:
        cmd += ["--handlers", module]
    return [*cmd, "worker", "--concurrency", "4", "--lease-seconds", "1", "--quiet", *extra]


def _runs(runlog: Path) -> int:
    return len(runlog.read_text().splitlines()) if runlog.exists() else 0


def _wait_until(condition, proc: subprocess.Popen, limit_s: float = 60) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        assert proc.poll() is None, "the worker exited before running a step"
        assert time.monotonic() < deadline, "the worker ran no step within a minute"
        time.sleep(0.005)


def test_sigkill_mid_run_then_restart_completes_every_task_once(tmp_path: Path) -> None:
    db, runlog = tmp_path / "crash.db", tmp_path / "runs.log"
    for n in range(TASKS):
        context = json.dumps({**CART, "order": n})
        assert (
            main(
                [
                    "--db",
                    str(db),
                    "--templates",
                    str(DATA),
                    "task",
                    "create",
                    "crash_chain",
                    "--namespace",
                    "testing",
                    "--context",
                    context,
                ]
            )
            == 0
        )
    env = {**os.environ, "TASKER_TEST_RUNLOG": str(runlog), "TASKER_TEST_STEP_SLEEP": "0.03"}
    rng = random.Random(42)
    for _ in range(KILLS):
        runs_before = _runs(runlog)
        proc = subprocess.Popen(worker_command(db), env=env, stderr=subprocess.DEVNULL)
        # Kill at a random instant once this worker is running steps (start-up takes longer
        # on a busy machine; a kill before the first step would prove nothing).
        _wait_until(lambda n=runs_before: _runs(runlog) > n, proc)
        time.sleep(rng.uniform(0.0, 0.15))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finished = subprocess.run(
        worker_command(db, "--until-idle"), env=env, capture_output=True, timeout=180
    )
    assert finished.returncode == 0, finished.stderr.decode()

    cx = sqlite3.connect(db)
    assert cx.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    statuses = collections.Counter(r[0] for r in cx.execute("SELECT status FROM tasks"))
    assert statuses == {"complete": TASKS}
    completions = cx.execute(
        "SELECT step_uuid, COUNT(*) FROM step_transitions WHERE to_state = 'complete'"
        " GROUP BY step_uuid"
    ).fetchall()
    assert len(completions) == TASKS * 5 and {n for _, n in completions} == {1}

    runs = [tuple(line.split()) for line in runlog.read_text().splitlines()]
    assert len(runs) == len(set(runs)), "an attempt ran twice"
    final_attempts = {
        (task, name): attempts
        for task, name, attempts in cx.execute("SELECT task_uuid, name, attempts FROM steps")
    }
    last_run: collections.defaultdict[tuple[str, str], int] = collections.defaultdict(int)
    for task, name, attempt in runs:
        last_run[task, name] = max(last_run[task, name], int(attempt))
    # No step ran again after its completion was committed.
    assert last_run == final_attempts
    crashed = sum(1 for attempts in final_attempts.values() if attempts > 1)
    assert crashed >= 1, "no kill landed mid-step; the test proved nothing"
