"""Tasker's own domain-event scenario, with the corpus template that Tasker's end-to-end test
uses (``domain_events_py/domain_event_publishing_py``, a 4-step chain publishing durable and
fast events through custom publishers), run by a real ``tasker worker``: the worker then
reports at least 4 events routed, 1 durable and 3 fast, as Tasker's worker must."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from tests.events.support import DATA
from tests.external import CORPUS

TEMPLATE = "tasker-core__tests__fixtures__task_templates__python__domain_event_publishing_py.yaml"
HANDLERS = DATA / "domain_events_py_handlers.py"


def tasker(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    folder = tmp_path / "templates"
    if not folder.exists():
        folder.mkdir()
        shutil.copy(CORPUS.file(TEMPLATE), folder / TEMPLATE)
    command = [sys.executable, "-m", "engine", "--db", str(tmp_path / "tasker.db"),
               "--templates", str(folder), "--handlers", str(HANDLERS), *args]  # fmt: skip
    env = {**os.environ, "DOMAIN_EVENTS_LOG": str(tmp_path / "events.jsonl")}
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return done


def run_order(tmp_path: Path, **context: Any) -> dict[str, Any]:
    order = {"order_id": str(uuid.uuid4()), "customer_id": "c-1", "amount": 99.5, **context}
    made = tasker(tmp_path, "task", "create", "domain_event_publishing_py", "--namespace",
                  "domain_events_py", "--context", json.dumps(order), "--json")  # fmt: skip
    tasker(tmp_path, "worker", "--until-idle", "--worker-id", "w-scenario", "--quiet")
    task: dict[str, Any] = json.loads(made.stdout)
    return task


def taken(tmp_path: Path) -> list[dict[str, Any]]:
    lines = (tmp_path / "events.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_the_worker_reports_four_routed_one_durable_three_fast(tmp_path: Path) -> None:
    run_order(tmp_path)

    stats = json.loads(tasker(tmp_path, "events", "stats", "--json").stdout)
    worker = stats["workers"]["w-scenario"]
    assert worker["routed"] >= 4 and worker["durable"] >= 1 and worker["fast"] >= 3
    assert (worker["delivered"], worker["failed"], worker["pending"]) == (4, 0, 0)
    events = {e["event_name"]: e for e in taken(tmp_path)}
    assert set(events) == {
        "order.validated", "payment.processed", "inventory.updated", "notification.sent"
    }  # fmt: skip
    assert events["payment.processed"]["delivery_mode"] == "durable"
    assert events["payment.processed"]["payload"]["enriched"] is True  # its custom publisher
    assert events["notification.sent"]["metadata"]["custom_publisher"].endswith(
        "NotificationEventPublisher"
    )


def test_a_failed_payment_publishes_payment_failed_and_nothing_after_it(tmp_path: Path) -> None:
    run_order(tmp_path, simulate_failure=True)

    names = sorted(e["event_name"] for e in taken(tmp_path))
    assert names == ["order.validated", "payment.failed"]
    failed = next(e for e in taken(tmp_path) if e["event_name"] == "payment.failed")
    assert failed["payload"]["error_code"] == "card_declined"
    listed = json.loads(tasker(tmp_path, "events", "list", "--json").stdout)
    assert {e["name"]: e["state"] for e in listed} == {
        "order.validated": "delivered", "payment.failed": "delivered"
    }  # fmt: skip
