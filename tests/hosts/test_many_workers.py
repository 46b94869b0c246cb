"""Worker processes with distinct ids share one database as separate hosts would: every attempt
runs in exactly one place, and a worker killed mid-step is replaced once its lease expires."""

from __future__ import annotations

import collections
import signal
from pathlib import Path

import pytest

from tests.backends import rows
from tests.hosts.support import create_tasks, stop, value, wait_until, worker

HOSTS = ("host-a", "host-b", "host-c")


def run_three_workers(db: str | Path, tmp_path: Path, tasks: int) -> None:
    runlog, gate = tmp_path / "runs.log", tmp_path / "gate"
    create_tasks(db, [{"n": n} for n in range(tasks)])
    env = {"TASKER_TEST_RUNLOG": str(runlog), "TASKER_TEST_GATE": str(gate)}
    procs = [
        worker(db, host, env, "--concurrency", "4", "--lease-seconds", "20", "--until-idle")
        for host in HOSTS
    ]
    try:
        # Every host holds claimed steps before any step may finish: the work is shared.
        wait_until(
            lambda: value(db, "SELECT COUNT(DISTINCT claimed_by) FROM steps"
                          " WHERE state = 'in_progress'") == 3,
            60, "all three workers hold claims",
        )  # fmt: skip
        gate.write_text("go")
        for proc in procs:
            _, err = proc.communicate(timeout=600)
            assert proc.returncode == 0, err.decode()
    finally:
        for proc in procs:
            stop(proc)

    assert rows(db, "SELECT status, COUNT(*) FROM tasks GROUP BY status") == [("complete", tasks)]
    claims = rows(
        db, "SELECT step_uuid, attempt, by FROM step_transitions WHERE to_state = 'in_progress'"
    )
    assert len(claims) == tasks * 3, "a step was claimed more than once"
    assert len({(step, attempt) for step, attempt, _ in claims}) == len(claims)
    assert {by for _, _, by in claims} == set(HOSTS)
    done = rows(db, "SELECT COUNT(*), COUNT(DISTINCT step_uuid) FROM step_transitions"
                    " WHERE to_state = 'complete'")  # fmt: skip
    assert done == [(tasks * 3, tasks * 3)]
    runs = [tuple(line.split()[:3]) for line in runlog.read_text().splitlines()]
    assert len(runs) == tasks * 3 and len(set(runs)) == len(runs), "an attempt ran twice"


def test_three_workers_share_the_tasks_without_a_duplicate_attempt(
    db: str | Path, tmp_path: Path
) -> None:
    run_three_workers(db, tmp_path, tasks=30)


@pytest.mark.slow
def test_three_workers_share_two_thousand_tasks_without_a_duplicate_attempt(
    db: str | Path, tmp_path: Path
) -> None:
    run_three_workers(db, tmp_path, tasks=2000)


def test_a_worker_killed_mid_step_is_replaced_once_its_lease_expires(
    db: str | Path, tmp_path: Path
) -> None:
    runlog = tmp_path / "runs.log"
    [task] = create_tasks(db, [{"hang": "second"}])
    env = {"TASKER_TEST_RUNLOG": str(runlog)}
    first = worker(db, "host-a", env, "--lease-seconds", "1")
    second = None
    try:
        wait_until(
            lambda: rows(db, "SELECT claimed_by FROM steps WHERE name = 'second'"
                             " AND state = 'in_progress'") == [("host-a",)]
            and f"{task} second 1 " in (runlog.read_text() if runlog.exists() else ""),
            60, "host-a runs the step (its claim committed, its handler begun)",
        )  # fmt: skip
        second = worker(db, "host-b", env, "--lease-seconds", "1")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        wait_until(
            lambda: value(db, "SELECT status FROM tasks") == "complete", 60, "the task completes"
        )
    finally:
        errors = [stop(proc) for proc in (first, second) if proc is not None]
    assert second is not None and second.returncode == 0, errors[-1]
    audit = rows(
        db,
        "SELECT from_state, to_state, attempt, by, metadata FROM step_transitions"
        f" WHERE task_uuid = '{task}' AND step_name = 'second' ORDER BY id",
    )
    assert [row[:4] for row in audit] == [
        (None, "pending", 0, "tasker"),
        ("pending", "in_progress", 1, "host-a"),
        ("in_progress", "waiting_for_retry", 1, "host-b"),
        ("waiting_for_retry", "in_progress", 2, "host-b"),
        ("in_progress", "complete", 2, "host-b"),
    ]
    assert '"error_code":"worker_lost"' in audit[2][4]
    runs = collections.Counter(tuple(line.split()[1:3]) for line in runlog.read_text().splitlines())
    assert runs == {("first", "1"): 1, ("second", "1"): 1, ("second", "2"): 1, ("third", "1"): 1}
