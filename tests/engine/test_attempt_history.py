"""A step's attempts as the step pane and ``tasker task attempts`` show them, from the audit
of real runs (a fake clock, each backend), and the rules of the headline."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from engine.api import Engine, open_engine
from engine.attempt_history import (
    Attempt,
    AttemptHistory,
    OperatorAction,
    attempt_history,
    headline,
)
from engine.cli import main
from tests.engine.support import DATA, HANDLERS, step
from tests.store.support import failure


async def _history(engine: Engine, uuid: str, name: str) -> AttemptHistory:
    task = await engine.get_task(uuid)
    return attempt_history(await engine.step_audit(uuid, name), step(task, name))


async def test_exhausted_reset_and_exhausted_again_numbers_six_attempts(engine: Engine) -> None:
    made = await engine.create_task(
        "flaky_chain", "testing", {"script": {"first": ["retry", "retry", "retry"]}}
    )
    uuid = made.task["task_uuid"]
    await engine.run_until_idle()
    history = await _history(engine, uuid, "first")
    assert [a.number for a in history.attempts] == [1, 2, 3]
    assert [a.outcome for a in history.attempts] == ["waiting_for_retry"] * 2 + ["error"]
    assert {(a.error_class, a.error_code) for a in history.attempts} == {
        ("RETRYABLE", "gateway_timeout")
    }
    assert [a.backoff_ms for a in history.attempts] == [100, 200, None]
    assert history.attempts[1].backoff_rule == "exponential 100 ms × 2^1"
    assert all(a.worker.count(":") == 2 for a in history.attempts)  # host:pid:tag
    assert history.headline == "retries exhausted 3/3 (3 attempts in all)"

    await engine.reset_step(uuid, "first", "gateway recovered", by="alice")
    await engine.run_until_idle()  # the script fails the first three runs after a reset too
    history = await _history(engine, uuid, "first")
    assert [a.number for a in history.attempts] == [1, 2, 3, 4, 5, 6]
    (reset,) = history.actions
    assert (reset.action, reset.by, reset.reason, reset.after_attempt) == (
        "reset",
        "alice",
        "gateway recovered",
        3,
    )
    kinds = [type(r).__name__ for r in history.rows()]
    assert kinds == ["Attempt"] * 3 + ["OperatorAction"] + ["Attempt"] * 3
    assert history.headline.startswith("retries exhausted 6/6 (6 attempts in all; reset by alice ")
    assert history.headline.endswith(": gateway recovered)")


async def test_a_permanent_failure_and_a_success(engine: Engine) -> None:
    made = await engine.create_task("flaky_chain", "testing", {"script": {"first": ["permanent"]}})
    uuid = made.task["task_uuid"]
    await engine.run_until_idle()
    history = await _history(engine, uuid, "first")
    (only,) = history.attempts
    assert (only.outcome, only.error_class, only.error_code, only.message) == (
        "error",
        "PERMANENT",
        "card_declined",
        "card declined",
    )
    assert only.duration_ms is not None and only.duration_ms >= 0
    assert history.headline == "failed for good at 1/3: card_declined (1 attempt in all)"
    second = await _history(engine, uuid, "second")
    assert second.attempts == () and second.headline == "no attempt yet"


def test_a_running_attempt_and_an_operator_who_resolved_it() -> None:
    claim = {"from_state": "pending", "to_state": "in_progress", "at": 1000, "by": "w:1:a",
             "reason": "claimed by worker", "metadata": None, "attempt": 1}  # fmt: skip
    running = attempt_history([claim])
    assert running.attempts[0].outcome == "running" and running.attempts[0].duration_ms is None
    resolved = {"from_state": "in_progress", "to_state": "resolved_manually", "at": 4000,
                "by": "bob", "reason": "done by hand", "attempt": 1,
                "metadata": {"action": "resolve", "previous_error": None}}  # fmt: skip
    history = attempt_history([claim, resolved])
    (attempt,) = history.attempts
    assert (attempt.outcome, attempt.ended_by, attempt.duration_ms) == (
        "resolved_manually",
        "bob",
        3000,
    )
    assert [a.action for a in history.actions] == ["resolve"]


def test_headline_names_every_operator_action_in_order() -> None:
    attempts = [Attempt(1, 0, "w", 10, "waiting_for_retry", error_type="retryable_error",
                        error_code="RATE_LIMITED", backoff_ms=2000)]  # fmt: skip
    actions = [OperatorAction("retry_now", 3_600_000, "carol", "customer waiting", 1)]
    step = {"current_state": "waiting_for_retry", "attempt": 1, "attempts": 1, "max_attempts": 3}
    assert headline(attempts, actions, step) == (
        "attempt 1/3 failed (RATE_LIMITED); next attempt in 2000 ms "
        "(1 attempt in all; retried now by carol 01:00: customer waiting)"
    )


def test_tasker_task_attempts(
    capsys: pytest.CaptureFixture[str], db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # the table's cells whole
    base = ["--db", str(db), "--templates", str(DATA)]
    for module in HANDLERS:
        base += ["--handlers", module]
    script = {"script": {"first": ["retry", "permanent"]}}
    assert main([*base, "task", "create", "flaky_chain", "--namespace", "testing",
                 "--context", json.dumps(script), "--json"]) == 0  # fmt: skip
    uuid = json.loads(capsys.readouterr().out)["task_uuid"]
    assert main([*base, "worker", "--until-idle", "--quiet"]) == 0
    capsys.readouterr()
    assert main([*base, "task", "attempts", uuid[-8:], "first", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["task_uuid"] == uuid and shown["step"] == "first"
    assert [(a["attempt"], a["outcome"], a["error_code"]) for a in shown["attempts"]] == [
        (1, "waiting_for_retry", "gateway_timeout"),
        (2, "error", "card_declined"),
    ]
    assert shown["headline"] == "failed for good at 2/3: card_declined (2 attempts in all)"
    assert main([*base, "task", "attempts", uuid, "first"]) == 0
    text = capsys.readouterr().out
    assert "first: failed for good at 2/3" in text
    assert "gateway_timeout" in text and "exponential 100 ms" in text
    reason = "customer read card 4242 4242 4242 4242 out; try once more"
    assert main([*base, "task", "reset-step", uuid, "first", "--reason", reason]) == 0
    capsys.readouterr()
    assert main([*base, "task", "attempts", uuid, "first", "--json"]) == 0
    (reset,) = json.loads(capsys.readouterr().out)["actions"]
    assert reset["reason"] == "customer read card ••••4242 out; try once more"
    assert main([*base, "task", "attempts", uuid, "nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "has no step 'nope'; its steps: first, second, third" in err


def test_tasker_task_retry_now_runs_a_waiting_step_at_once(
    capsys: pytest.CaptureFixture[str], db: Path
) -> None:
    """A retry due in an hour runs at the next worker's first look after ``retry-now``."""
    base = ["--db", str(db), "--templates", str(DATA)]
    for module in HANDLERS:
        base += ["--handlers", module]
    later = int(time.time() * 1000) + 3_600_000

    async def fail_once_an_hour_from_now() -> str:
        async with open_engine(db, templates=[DATA], handlers=HANDLERS) as engine:
            made = await engine.create_task(
                "flaky_chain", "testing", {"script": {"first": ["retry"]}}
            )
            [claimed] = await engine.store.claim_ready("w", later, 1, 1000)
            await engine.store.finish_attempts([failure(claimed, later)], later, "w")
            return made.task_uuid

    uuid = asyncio.run(fail_once_an_hour_from_now())
    assert main([*base, "task", "retry-now", uuid, "second", "--reason", "now"]) == 2
    assert "retry-now needs a step waiting for its retry" in capsys.readouterr().err
    assert main([*base, "task", "retry-now", uuid[-8:], "first", "--reason", "customer on the "
                 "phone", "--by", "carol"]) == 0  # fmt: skip
    assert "retry-now: task" in capsys.readouterr().out
    assert main([*base, "worker", "--until-idle", "--quiet"]) == 0
    capsys.readouterr()
    assert main([*base, "task", "attempts", uuid, "first", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [(a["attempt"], a["outcome"]) for a in shown["attempts"]] == [
        (1, "waiting_for_retry"),
        (2, "complete"),
    ]
    (action,) = shown["actions"]
    assert (action["action"], action["by"], action["reason"], action["after_attempt"]) == (
        "retry_now",
        "carol",
        "customer on the phone",
        1,
    )
    assert "retried now by carol" in shown["headline"]
