"""``tasker demo`` end to end: a real process, a real SQLite file, the loopback gateway.

The headless run's summary is checked against what the database, the gateway's ledger file
and the outbox hold afterwards; a second run on the same database creates nothing; the
console variant is driven by Pilot while the gateway thread serves its embedded worker.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from tasker_workflows.demo.companions import companion_scenarios
from tasker_workflows.demo.gateway_ledger import LedgerFile
from tasker_workflows.demo.mix import build_order_mix
from tasker_workflows.demo.prepare import demo_files, prepared_demo
from tasker_workflows.demo.summary import SETTLED
from tasker_workflows.outbox import Outbox

from console.app import ConsoleApp
from console.widgets.task_table import TaskTable
from engine.api import open_engine
from engine.cli import main
from engine.embedded import EmbeddedWorker

DEMO_ENV = ("TASKER_DEMO_GATEWAY_URL", "TASKER_DEMO_GATEWAY_TIMEOUT", "TASKER_DEMO_OUTBOX")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in (*DEMO_ENV, "TASKER_DB", "TASKER_TEMPLATE_PATH", "TASKER_HANDLER_MODULES"):
        monkeypatch.delenv(name, raising=False)


def tasker(cwd: Path, *args: str, wait: bool = True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKER_")}
    command = [sys.executable, "-m", "engine", *args]
    if not wait:
        quiet = subprocess.DEVNULL
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=quiet, stderr=quiet)
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


async def stored_tasks(db: Path) -> dict[str, dict]:
    """Every task in the database, keyed by its card token (orders) or its template."""
    async with open_engine(db) as engine:
        rows = await engine.list_tasks(limit=10_000)
        views = [await engine.get_task(row["task_uuid"]) for row in rows]
    return {
        view["context"].get("payment_token") or f"{view['namespace']}/{view['name']}": view
        for view in views
    }


def step(view: dict, name: str) -> dict:
    return next(s for s in view["steps"] if s["name"] == name)


def fact(stdout: str, label: str) -> str:
    """The value printed beside ``label`` in the summary."""
    match = re.search(rf"^\s*{re.escape(label)}\s+(.+?)\s*$", stdout, re.MULTILINE)
    assert match, f"{label!r} not in the summary:\n{stdout}"
    return match.group(1)


def test_headless_demo_ends_as_each_scenario_intends_and_a_second_run_creates_nothing(tmp_path):
    run = tasker(tmp_path, "--db", "demo.db", "demo", "--headless", "--orders", "30", "--seed", "1")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert "34 tasks created" in run.stderr
    assert "✓ all 34 tasks ended as their scenarios intended" in run.stdout

    tasks = asyncio.run(stored_tasks(tmp_path / "demo.db"))
    charges, _ = LedgerFile(tmp_path / "demo.gateway.jsonl").read()
    charged = Counter(charge["token"] for charge in charges.values())
    mix = build_order_mix(30, seed=1)
    assert len(tasks) == 34
    for scenario in mix:
        view = tasks[scenario.token]
        assert view["status"] == scenario.expected_status, scenario.summary
        assert charged[scenario.token] == scenario.expected_charges, scenario.summary
        if scenario.expected_error_code:
            payment = step(view, "process_payment")
            assert payment["error"]["error_code"] == scenario.expected_error_code
    for companion in companion_scenarios(1):
        assert (
            tasks[f"{companion.namespace}/{companion.name}"]["status"] == companion.expected_status
        )

    statuses = Counter(view["status"] for view in tasks.values())
    for status, count in statuses.items():
        assert re.search(rf"^\s+{status}\s+{count}\s*$", run.stdout, re.MULTILINE), status
    paid = [s for s in mix if s.expected_charges]
    dollars = sum(s.expected_amount_cents for s in paid) / 100
    assert fact(run.stdout, "charges taken") == f"{len(paid)} (${dollars:,.2f})"
    assert fact(run.stdout, "orders charged twice") == "0"
    keys = {f"{v['task_uuid']}:send_confirmation" for v in tasks.values()}
    confirmations = [
        m for m in Outbox(tmp_path / "demo.outbox.db").messages() if m.message_key in keys
    ]
    assert fact(run.stdout, "order confirmations in the outbox") == str(len(confirmations))
    assert len(confirmations) == len(paid)
    payment_attempts = sum(step(tasks[s.token], "process_payment")["attempts"] for s in mix)
    assert fact(run.stdout, "payment attempts") == str(payment_attempts)
    assert payment_attempts >= sum(s.expected_payment_attempts for s in mix)

    again = tasker(
        tmp_path, "--db", "demo.db", "demo", "--headless", "--orders", "30", "--seed", "1"
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 tasks created, 34 already in demo.db" in again.stderr
    assert "✓ all 34 tasks ended as their scenarios intended" in again.stdout
    assert len(asyncio.run(stored_tasks(tmp_path / "demo.db"))) == 34
    assert LedgerFile(tmp_path / "demo.gateway.jsonl").read()[0] == charges


@pytest.mark.parametrize(
    ("argv", "environment", "message"),
    [
        (["--orders", "0"], {}, "--orders must be at least 1, got 0"),
        (["--orders", "5001"], {}, "--orders must be at most 5000, got '5001'"),
        (["--concurrency", "0"], {}, "--concurrency must be at least 1, got 0"),
        ([], {"TASKER_DEMO_GATEWAY_TIMEOUT": "soon"}, "is not a positive number of seconds"),
    ],
)
def test_mistakes_are_one_line_errors_that_touch_nothing(
    tmp_path, monkeypatch, capsys, argv, environment, message
):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    db = tmp_path / "demo.db"
    assert main(["--db", str(db), "demo", "--headless", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tasker: error: ") and message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def demo_args(db: Path, orders: int, seed: int) -> argparse.Namespace:
    return argparse.Namespace(
        db=str(db),
        templates=[],
        handlers=[],
        environment=None,
        orders=orders,
        seed=seed,
        concurrency=4,
        headless=True,
    )


async def test_another_seed_adds_its_own_orders_beside_the_first(tmp_path):
    async with prepared_demo(demo_args(tmp_path / "demo.db", 5, seed=1)) as first:
        assert first.created == 9
    async with prepared_demo(demo_args(tmp_path / "demo.db", 5, seed=2)) as second:
        assert second.created == 9
        assert os.environ["TASKER_DEMO_GATEWAY_URL"] == second.gateway.url
    assert {t.task_uuid for t in first.tasks}.isdisjoint(t.task_uuid for t in second.tasks)
    assert "TASKER_DEMO_GATEWAY_URL" not in os.environ  # the demo puts the environment back


async def test_a_ledger_left_by_a_deleted_database_is_started_afresh(tmp_path, capsys):
    files = demo_files(tmp_path / "demo.db")
    LedgerFile(files.ledger).append_request(
        {
            "token": "tok_demo_1_5_0000",
            "idempotency_key": "0192-gone:process_payment",
            "fault": None,
        }
    )
    async with prepared_demo(demo_args(tmp_path / "demo.db", 5, seed=1)) as demo:
        assert demo.gateway.requests() == []
    assert "belonged to a database that no longer exists" in capsys.readouterr().err


async def test_the_console_shows_the_demo_while_the_gateway_serves_its_worker(tmp_path):
    args = demo_args(tmp_path / "demo.db", 8, seed=4)
    async with prepared_demo(args) as demo:
        worker = EmbeddedWorker(args.db, concurrency=4)
        worker.start()
        try:
            async with open_engine(args.db) as engine:
                app = ConsoleApp(engine, embedded_worker=worker, db_label="demo.db")
                async with app.run_test() as pilot:
                    statuses = await settled(pilot, engine, [t.task_uuid for t in demo.tasks])
                    await pilot.pause()
                    assert app.screen.query_one(TaskTable).row_count == len(demo.tasks)
        finally:
            worker.stop()
        expected = [t.scenario.expected_status for t in demo.tasks]
        assert statuses == expected
        mix = build_order_mix(8, seed=4, gateway_timeout_s=demo.options.timeout_s)
        assert len(demo.gateway.ledger()) == sum(s.expected_charges for s in mix)


async def settled(pilot, engine, uuids, limit_s=120.0):
    """The tasks' statuses once all have settled (the limit only stops a hung test)."""
    deadline = time.monotonic() + limit_s
    while True:
        statuses = [(await engine.get_task(uuid))["status"] for uuid in uuids]
        if all(status in SETTLED for status in statuses) or time.monotonic() > deadline:
            return statuses
        await pilot.pause(0.2)


@pytest.mark.slow
def test_a_demo_killed_mid_run_resumes_without_charging_twice(tmp_path):
    """kill -9 while payments are in flight; the next run waits out the leases and finishes."""
    args = ("--db", "demo.db", "demo", "--headless", "--orders", "60", "--seed", "3")
    running = tasker(tmp_path, *args, wait=False)
    ledger = tmp_path / "demo.gateway.jsonl"
    while running.poll() is None and (
        not ledger.exists() or ledger.read_text().count('"charge"') < 10
    ):
        time.sleep(0.05)
    running.send_signal(signal.SIGKILL)
    running.wait()
    resumed = tasker(tmp_path, *args)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "0 tasks created, 64 already in demo.db" in resumed.stderr
    assert fact(resumed.stdout, "orders charged twice") == "0"
    charges, _ = LedgerFile(ledger).read()
    assert max(Counter(c["token"] for c in charges.values()).values()) == 1


@pytest.mark.parametrize(
    ("db", "shown", "ledger", "outbox"),
    [
        ("demo.db", "demo.db", "demo.gateway.jsonl", "demo.outbox.db"),
        ("data/shop.sqlite", "data/shop.sqlite", "data/shop.gateway.jsonl", "data/shop.outbox.db"),
        ("sqlite:///runs/d.db", "runs/d.db", "runs/d.gateway.jsonl", "runs/d.outbox.db"),
        (
            "postgresql://ops:s3cret@db:5432/tasker",
            "postgresql://ops:***@db:5432/tasker",
            "tasker-demo.gateway.jsonl",
            "tasker-demo.outbox.db",
        ),
    ],
)
def test_the_demo_files_sit_beside_the_database(db, shown, ledger, outbox):
    files = demo_files(db)
    assert (files.db, str(files.ledger), str(files.outbox)) == (shown, ledger, outbox)
