"""The console with real workers: its embedded one (paused and resumed with space), and a
``tasker worker`` process driving the database while the console only observes (--no-worker).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from console.app import ConsoleApp
from console.main import console_session
from console.screens.new_task import NewTaskRequest
from console.widgets.task_table import TaskTable
from engine.api import open_engine
from engine.embedded import EmbeddedWorker
from tests.console.support import (
    SIZE,
    header_text,
    loaded,
    main_screen,
    select_task,
    step_cell,
    task_cell,
    until,
)

CHECKOUT = {
    "customer_email": "lee@example.com",
    "payment_token": "tok_visa_4242",
    "items": [{"sku": "SKU-001", "name": "USB cable", "quantity": 2, "unit_price": 9.99}],
}


def console_args(db: Path, *, no_worker: bool, concurrency: int = 2) -> argparse.Namespace:
    """What ``tasker --db DB console [--no-worker]`` parses to."""
    return argparse.Namespace(
        db=str(db),
        templates=[],
        handlers=[],
        environment=None,
        no_worker=no_worker,
        concurrency=concurrency,
    )


async def test_space_pauses_and_resumes_the_embedded_worker(tmp_path: Path) -> None:
    async with console_session(console_args(tmp_path / "t.db", no_worker=False)) as app:
        worker = app.embedded_worker
        assert isinstance(worker, EmbeddedWorker)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: "worker running 0/2" in header_text(app), "running 0/2")
            await pilot.press("space")
            await until(pilot, lambda: worker.paused, "the worker paused")
            await until(pilot, lambda: "worker paused 0/2" in header_text(app), "paused")
            made = await app.engine.create_task("order_processing", "ecommerce", CHECKOUT)
            uuid = made.task["task_uuid"]
            await loaded(pilot)
            await pilot.pause(0.5)  # ten of the worker's polls: it must not start anything
            assert (await app.engine.get_task(uuid))["status"] == "pending"
            assert task_cell(app, uuid, "state") == "· pending"
            await pilot.press("space")
            await until(pilot, lambda: "worker running" in header_text(app), "running again")
            await until(pilot, lambda: task_cell(app, uuid, "state") == "✓ complete", "complete")
            assert task_cell(app, uuid, "progress") == "5/5"
            audit = await app.engine.step_audit(uuid, "send_confirmation")
            assert audit[-1]["to_state"] == "complete" and audit[-1]["by"] == worker.worker_id


def start_worker_process(db: Path, outbox: Path) -> subprocess.Popen[bytes]:
    tasker = Path(sys.executable).with_name("tasker")
    env = {**os.environ, "TASKER_DEMO_OUTBOX": str(outbox)}
    env.pop("TASKER_DEMO_GATEWAY_URL", None)
    return subprocess.Popen(
        [str(tasker), "--db", str(db), "worker", "--concurrency", "2", "--worker-id", "w-1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def test_without_a_worker_it_shows_what_a_worker_process_does(
    tmp_path: Path, handler_environment: Path
) -> None:
    db = tmp_path / "t.db"
    async with console_session(console_args(db, no_worker=True)) as app:
        assert app.embedded_worker is None
        made = await app.engine.create_task("order_processing", "ecommerce", CHECKOUT)
        uuid = made.task["task_uuid"]
        async with app.run_test(size=SIZE) as pilot:
            await select_task(pilot, uuid)
            assert "observing (no embedded worker)" in header_text(app)
            assert app.screen.check_action("toggle_worker", ()) is None  # dimmed
            assert task_cell(app, uuid, "state") == "· pending"
            process = start_worker_process(db, handler_environment)
            try:
                await until(
                    pilot, lambda: task_cell(app, uuid, "state") == "✓ complete", "complete"
                )
                await until(
                    pilot,
                    lambda: step_cell(app, "send_confirmation", "state") == "✓ complete",
                    "the last step complete in the steps table",
                )
                await until(pilot, lambda: "1 complete" in header_text(app), "the header count")
            finally:
                process.send_signal(signal.SIGTERM)
                _, errors = process.communicate(timeout=30)
            assert process.returncode == 0, errors.decode()
        audit = await app.engine.step_audit(uuid, "process_payment")
        assert [row["by"] for row in audit if row["to_state"] == "complete"] == ["w-1"]


async def test_a_task_created_in_the_console_starts_without_waiting_for_a_poll(
    tmp_path: Path,
) -> None:
    db = tmp_path / "t.db"
    worker = EmbeddedWorker(db, concurrency=2, poll_s=60)  # left alone, it looks once a minute
    worker.start()
    try:
        async with open_engine(db) as engine:
            app = ConsoleApp(engine, embedded_worker=worker, db_label="t.db")
            async with app.run_test(size=SIZE) as pilot:
                await until(pilot, lambda: "worker running 0/2" in header_text(app), "running")
                request = NewTaskRequest("ecommerce", "order_processing", "1.0.0", CHECKOUT, None)
                main_screen(app).create_task(request)  # what the new-task dialog hands over
                table = app.screen.query_one(TaskTable)
                await until(pilot, lambda: table.row_count == 1, "the new task")
                uuid = (await engine.list_tasks(limit=1))[0]["task_uuid"]
                # Woken by the console, the worker runs it now, not a minute from now.
                await until(pilot, lambda: task_cell(app, uuid, "state") == "✓ complete", "done")
    finally:
        worker.stop()
