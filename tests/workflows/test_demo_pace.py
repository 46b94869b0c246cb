"""``tasker demo --pace slow`` (what ``make demo`` runs): the gateway thinks 1 to 3 s per
charge and a failed payment waits 4 s for its retry, so the console has something to watch;
the default pace is unchanged. A real headless run, a real SQLite file, the loopback gateway."""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tasker_workflows.demo.gateway import Latency
from tasker_workflows.demo.prepare import prepared_demo

from engine.api import open_engine
from engine.cli import main

DEMO_ENV = ("TASKER_DEMO_GATEWAY_URL", "TASKER_DEMO_GATEWAY_TIMEOUT", "TASKER_DEMO_OUTBOX")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*DEMO_ENV, "TASKER_DB", "TASKER_ENV", "TASKER_TEMPLATE_PATH"):
        monkeypatch.delenv(name, raising=False)


def demo_args(db: Path, pace: str | None) -> argparse.Namespace:
    return argparse.Namespace(
        db=str(db), templates=[], handlers=[], environment=None, orders=3, seed=1,
        concurrency=4, headless=True, pace=pace,
    )  # fmt: skip


async def payment_retry_policy(db: Path, task_uuid: str) -> dict[str, Any]:
    async with open_engine(db) as engine:
        task = await engine.get_task(task_uuid)
    policy: dict[str, Any] = next(s for s in task["steps"] if s["name"] == "process_payment")[
        "retry"
    ]
    return policy


@pytest.mark.parametrize(
    ("pace", "timeout_s", "latency", "base_ms"),
    [(None, 1.0, None, 100), ("normal", 1.0, None, 100), ("slow", 5.0, (1.0, 3.0), 4000)],
)
async def test_the_pace_sets_the_gateway_and_the_payment_retry(
    tmp_path: Path, pace: str | None, timeout_s: float, latency: tuple | None, base_ms: int
) -> None:
    async with prepared_demo(demo_args(tmp_path / "demo.db", pace)) as demo:
        assert demo.options.timeout_s == timeout_s
        assert os.environ["TASKER_DEMO_GATEWAY_TIMEOUT"] == f"{timeout_s:g}"
        gateway_latency = demo.gateway.latency
        shown = None if gateway_latency is None else (gateway_latency.low_s, gateway_latency.high_s)
        assert shown == latency
        order = next(t for t in demo.tasks if t.scenario.name == "order_processing")
    policy = await payment_retry_policy(tmp_path / "demo.db", order.task_uuid)
    assert (policy["backoff_base_ms"], policy["max_attempts"]) == (base_ms, 2)


def test_latency_is_seeded_and_within_its_bounds() -> None:
    first, again = Latency(1.0, 3.0, seed=7), Latency(1.0, 3.0, seed=7)
    draws = [first.next_s() for _ in range(50)]
    assert draws == [again.next_s() for _ in range(50)]
    assert all(1.0 <= d <= 3.0 for d in draws) and len(set(draws)) > 1
    with pytest.raises(ValueError, match="latency needs 0 <= low <= high"):
        Latency(3.0, 1.0)


def test_slow_pace_with_another_environment_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "demo.db"
    argv = ["--db", str(db), "--environment", "production", "demo", "--headless", "--pace", "slow"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 1 and "--pace slow applies the templates' demo_slow environment" in err
    )
    assert main(["--db", str(db), "demo", "--pace", "fast"]) == 2
    assert "invalid choice: 'fast'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_slow_headless_run_ends_as_intended_with_four_second_retries(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKER_")}
    base = [sys.executable, "-m", "engine", "--db", "demo.db"]
    run = subprocess.run(
        [*base, "demo", "--headless", "--pace", "slow", "--orders", "6", "--seed", "1"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "timeout 5 s, pace slow: answers in 1 to 3 s, retries after 4 s" in run.stderr
    assert "✓ all 10 tasks ended as their scenarios intended" in run.stdout

    async def payment_attempts() -> list[list[dict[str, Any]]]:
        async with open_engine(tmp_path / "demo.db") as engine:
            rows = await engine.list_tasks(namespace="ecommerce", limit=100)
            return [await engine.step_audit(row["task_uuid"], "process_payment") for row in rows]

    waits = [
        row["metadata"]
        for audit in asyncio.run(payment_attempts())
        for row in audit
        if row["to_state"] == "waiting_for_retry"
    ]
    assert waits, "seed 1's six orders include a payment retried after gateway trouble"
    assert {(w["backoff_ms"], w["backoff_rule"]) for w in waits} == {
        (4000, "exponential 4000 ms × 2^0")
    }
