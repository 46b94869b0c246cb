"""Misbehaving handlers in real ``tasker worker`` processes: hung sync handlers, ``sys.exit()``
and ``KeyboardInterrupt`` in handlers, ``BaseException`` types no handler should raise, an async
handler that blocks the event loop past its lease. Each costs its own step and nothing else:
the worker keeps running, healthy steps keep their results, and a real SIGTERM or SIGINT still
stops the worker gracefully."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from engine.api import open_engine
from tests.hosts.support import wait_until
from tests.reliability.support import (
    DATA,
    illegal_paths,
    rows,
    run,
    runs,
    tasker,
    unwelcome_lines,
)

TEMPLATES = DATA / "unruly"
HANDLERS = DATA / "unruly_handlers.py"
RAISED = ["SystemExit", "KeyboardInterrupt", "GeneratorExit", "CancelledError", "BaseException"]


def create(db: str | Path, *tasks: tuple[str, dict[str, Any]]) -> list[str]:
    async def made() -> list[str]:
        async with open_engine(db, templates=[TEMPLATES]) as engine:
            created = [await engine.create_task(name, "reliability", ctx) for name, ctx in tasks]
        return [c.task["task_uuid"] for c in created]

    return asyncio.run(made())


def worker(db: str | Path, *args: str) -> list[str]:
    return tasker(db, "worker", *args, templates=[TEMPLATES], handlers=[str(HANDLERS)])


def steps(db: str | Path, task_uuids: list[str]) -> list[tuple[str, int, Any, Any]]:
    """(state, attempts, results, error) of each task's one step, in the tasks' order."""
    found = {
        task: (state, attempts, json.loads(results or "null"), json.loads(error or "null"))
        for task, state, attempts, results, error in rows(
            db, "SELECT task_uuid, state, attempts, results, error FROM steps"
        )
    }
    return [found[task] for task in task_uuids]


def start(command: list[str], env: dict[str, str], err: Path) -> subprocess.Popen[bytes]:
    with err.open("w") as stderr:
        return subprocess.Popen(
            command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=stderr
        )


def test_hung_sync_handlers_cost_their_own_steps_and_the_worker_still_exits(
    tmp_path: Path,
) -> None:
    """Eight sync handlers hang past their one-second limit at concurrency 4: each fails its
    attempt, its thread is written off and replaced, the four healthy steps behind them run
    and complete, and ``--until-idle`` exits naming the eight threads still hung."""
    db = tmp_path / "tasker.db"
    runlog = tmp_path / "runs.log"
    hung = create(db, *[("unruly_hang", {"i": i}) for i in range(8)])
    healthy = create(db, *[("unruly_healthy", {"n": n}) for n in range(4)])

    done = run(
        worker(db, "--until-idle", "--concurrency", "4"),
        env={"TASKER_RELIABILITY_RUNLOG": str(runlog)},
    )

    assert done.returncode == 0, done.stderr
    assert unwelcome_lines(done.stderr) == []
    for state, attempts, results, error in steps(db, hung):
        assert (state, attempts, results) == ("error", 1, None)
        assert (error["error_type"], error["retryable"]) == ("handler_timeout", True)
        assert error["message"] == "handler reliability_hang ran past 1 s"
    assert steps(db, healthy) == [("complete", 1, {"n": n}, None) for n in range(4)]
    ran = [(task, what) for task, what in _runs_with_what(runlog)]
    assert sorted(ran) == sorted([(t, "hang") for t in hung] + [(t, "healthy") for t in healthy])
    # The summary comes first, then each thread still hung, by name, with its handler.
    summary_at = done.stderr.index("attempts run; tasks: 8 blocked_by_failures, 4 complete")
    named = re.findall(r"^  tasker-handler-\d+: handler reliability_hang \(step hang of task (\w+)\)",
                       done.stderr, re.MULTILINE)  # fmt: skip
    assert sorted(named) == sorted(task[-8:] for task in hung)
    assert done.stderr.index("8 handler thread(s) written off") > summary_at
    assert illegal_paths(db) == []


def _runs_with_what(runlog: Path) -> list[tuple[str, str]]:
    return [(line.split()[0], line.split()[3]) for line in runlog.read_text().splitlines()]


def test_exits_interrupts_and_base_exceptions_fail_their_steps_with_their_real_type(
    tmp_path: Path,
) -> None:
    """``sys.exit()``, ``KeyboardInterrupt``, ``GeneratorExit``, a ``CancelledError`` and a bare
    ``BaseException`` raised by sync and async handlers: each attempt fails with the exception's
    real type and message, both attempts run in the same worker, which exits normally, and
    the healthy steps beside them keep their results."""
    db = tmp_path / "tasker.db"
    runlog = tmp_path / "runs.log"
    cases = [(style, kind) for style in ("sync", "async") for kind in RAISED]
    raising = create(db, *[(f"unruly_raise_{style}", {"raise": kind}) for style, kind in cases])
    healthy = create(db, *[("unruly_healthy", {"n": n}) for n in range(3)])

    done = run(worker(db, "--until-idle"), env={"TASKER_RELIABILITY_RUNLOG": str(runlog)})

    assert done.returncode == 0, done.stderr
    assert unwelcome_lines(done.stderr) == []
    assert "attempts run; tasks: 10 blocked_by_failures, 3 complete" in done.stderr
    for (style, kind), (state, attempts, results, error) in zip(
        cases, steps(db, raising), strict=True
    ):
        where = f"{kind} from {'a sync' if style == 'sync' else 'an async'} handler"
        assert (state, attempts, results) == ("error", 2, None), where
        assert (error["error_type"], error["retryable"], error["message"]) == (
            "handler_error",
            True,
            where,
        )
        assert error["metadata"]["exception_type"] == kind
        assert f"{kind}: {where}" in error["traceback"]
    assert steps(db, healthy) == [("complete", 1, {"n": n}, None) for n in range(3)]
    ran = runs(runlog)
    assert sorted(ran) == sorted(
        [(task, "raise", attempt) for task in raising for attempt in (1, 2)]
        + [(task, "healthy", 1) for task in healthy]
    )
    lost = rows(db, "SELECT COUNT(*) FROM step_transitions WHERE metadata LIKE '%worker_lost%'")
    assert lost == [(0,)]  # no attempt ended with its worker
    assert illegal_paths(db) == []


def test_an_async_handler_blocking_the_loop_past_its_lease_runs_once_and_counts(
    db: str | Path, tmp_path: Path
) -> None:
    """Worker A's only step blocks A's event loop; worker B runs beside it, polling for expired
    leases (it completes a step of its own first, so it is up). A's lease keeper renews the
    lease from its own thread: once it has been renewed three leases past the claim, the block
    ends, and the one run's result is the step's. A's log names the blocking handler."""
    runlog = tmp_path / "runs.log"
    release = tmp_path / "release"
    env = {"TASKER_RELIABILITY_RUNLOG": str(runlog)}
    lease = ["--lease-seconds", "1", "--until-idle"]
    [blocked] = create(db, ("unruly_block_loop", {"release": str(release)}))
    a = start(worker(db, "--worker-id", "A", "--concurrency", "1", *lease), env, tmp_path / "a.err")
    b: subprocess.Popen[bytes] | None = None
    try:
        wait_until(lambda: any(what == "start" for _, what in _read(runlog)), 60, "A's run begins")
        [beside] = create(db, ("unruly_healthy", {"n": 1}))  # A, busy, cannot take it
        b = start(worker(db, "--worker-id", "B", *lease), env, tmp_path / "b.err")
        wait_until(lambda: steps(db, [beside])[0][0] == "complete", 60, "B completes a step")
        wait_until(
            lambda: _lease_ahead_of_claim_ms(db, blocked) >= 3000, 60, "A renews past 3 leases"
        )
        release.touch()
        assert a.wait(timeout=60) == 0 and b.wait(timeout=60) == 0
    finally:
        for proc in (a, b):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()

    a_err, b_err = (tmp_path / "a.err").read_text(), (tmp_path / "b.err").read_text()
    assert unwelcome_lines(a_err + b_err) == []
    assert [what for task, what in _read(runlog) if task == blocked] == ["start", "end"]
    assert steps(db, [blocked]) == [("complete", 1, {"released": True}, None)]
    assert rows(
        db, "SELECT to_state, by FROM step_transitions WHERE task_uuid = ? ORDER BY id", (blocked,)
    )[1:] == [("in_progress", "A"), ("complete", "A")]
    assert re.search(
        r"handler block_loop \(unruly_handlers\.py:\d+\), step block of task \w+, has blocked"
        r" the event loop for \d+\.\d s",
        a_err,
    ), a_err
    assert rows(
        db,
        "SELECT by FROM step_transitions WHERE task_uuid = ? AND to_state = 'complete'",
        (beside,),
    ) == [("B",)]
    assert illegal_paths(db) == []


def _read(runlog: Path) -> list[tuple[str, str]]:
    return _runs_with_what(runlog) if runlog.exists() else []


def _lease_ahead_of_claim_ms(db: str | Path, task_uuid: str) -> int:
    [(lease, claimed)] = rows(
        db,
        "SELECT lease_expires_at, last_attempted_at FROM steps WHERE task_uuid = ?",
        (task_uuid,),
    )
    return int(lease or 0) - int(claimed or 0)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_real_signal_still_stops_the_worker_gracefully(
    tmp_path: Path, sig: signal.Signals
) -> None:
    """With an async step awaiting and a sync step hung in flight, a real SIGTERM or SIGINT
    stops the worker: exit 0 after its summary, which names the hung handler's thread. The
    cancellation of the async step is the worker's, not the handler's: no failure is recorded
    and the step waits for its lease like any step of a stopped worker."""
    db = tmp_path / "tasker.db"
    runlog = tmp_path / "runs.log"
    waiting, hung = create(db, ("unruly_wait", {"wait_s": 600}), ("unruly_hang_long", {"i": 0}))
    env = {"TASKER_RELIABILITY_RUNLOG": str(runlog)}
    proc = start(worker(db, "--worker-id", "W", "--quiet"), env, tmp_path / "w.err")
    try:
        wait_until(lambda: len(_read(runlog)) == 2, 60, "both steps run")
        proc.send_signal(sig)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    err = (tmp_path / "w.err").read_text()
    assert code == 0, err
    assert unwelcome_lines(err) == []
    assert "worker W: 2 attempts run; tasks: 2 steps_in_process" in err
    assert re.search(r"^  tasker-handler-\d+: handler reliability_hang \(step hang of task", err,
                     re.MULTILINE), err  # fmt: skip
    assert steps(db, [waiting, hung]) == [("in_progress", 1, None, None)] * 2
    assert illegal_paths(db) == []
