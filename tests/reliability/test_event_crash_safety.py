"""Durable domain events survive SIGKILL at any point: ``tasker worker`` processes delivering
``order.paid`` are killed at random instants, restarted, and finally run until idle; every
event committed with its step is then delivered (at least once), none is published twice, and
every delivery the database records did happen. On either backend."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from engine.api import open_engine
from tests.backends import rows
from tests.events.support import DATA as EVENT_TEMPLATES
from tests.events.support import HANDLERS
from tests.reliability.support import DATA, tasker

LEDGER = DATA / "event_ledger.py"
ORDERS = 30
KILLS = 4


def create_orders(db: str | Path, count: int) -> list[str]:
    async def create() -> list[str]:
        async with open_engine(db, templates=[EVENT_TEMPLATES], handlers=HANDLERS) as engine:
            made = [
                await engine.create_task("order_events", "events_test", {"order_id": f"O-{n}"})
                for n in range(count)
            ]
        return [m.task["task_uuid"] for m in made]

    return asyncio.run(create())


def ledger_lines(ledger: Path) -> list[tuple[str, str]]:
    if not ledger.exists():
        return []
    return [tuple(line.split()[:2]) for line in ledger.read_text().splitlines()]  # type: ignore[misc]


def wait_for_a_delivery(ledger: Path, seen: int, proc: subprocess.Popen[bytes]) -> bool:
    """Until the worker starts a delivery beyond the ``seen`` ledger lines (or exits)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if len(ledger_lines(ledger)) > seen:
            return True
        time.sleep(0.02)
    return False


def test_killed_workers_lose_no_durable_event_and_publish_none_twice(
    db: str | Path, tmp_path: Path
) -> None:
    tasks = create_orders(db, ORDERS)
    ledger = tmp_path / "ledger.txt"
    env = {**os.environ, "TASKER_EVENT_LEDGER": str(ledger), "TASKER_EVENT_SLEEP": "0.05"}
    worker = tasker(
        db, "worker", "--concurrency", "4", "--lease-seconds", "1", "--quiet",
        templates=[EVENT_TEMPLATES], handlers=[*HANDLERS, str(LEDGER)],
    )  # fmt: skip
    rng = random.Random(11)
    for _ in range(KILLS):
        proc = subprocess.Popen(
            worker, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if wait_for_a_delivery(ledger, len(ledger_lines(ledger)), proc):
            time.sleep(rng.uniform(0.0, 0.3))  # somewhere among deliveries and steps
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    final = subprocess.run(
        [*worker, "--until-idle"], env=env, capture_output=True, text=True, timeout=300
    )
    assert final.returncode == 0, final.stderr

    assert dict(rows(db, "SELECT task_uuid, status FROM tasks")) == dict.fromkeys(tasks, "complete")
    paid = rows(
        db, "SELECT task_uuid, event_id, state, attempts FROM domain_events WHERE name = ?",
        ("order.paid",),
    )  # fmt: skip
    # Written with the step's outcome: one event per completed payment, never two.
    assert sorted(task for task, *_ in paid) == sorted(tasks)
    assert {state for _, _, state, _ in paid} == {"delivered"}
    lines = ledger_lines(ledger)
    done = Counter(event for word, event in lines if word == "done")
    started = Counter(event for word, event in lines if word == "start")
    assert {event for _, event, _, _ in paid} <= set(done)  # each delivered at least once
    recorded = rows(
        db,
        "SELECT event_id FROM domain_event_deliveries"
        " WHERE subscriber = 'Ledger' AND outcome = 'delivered'",
    )
    assert all(done[event] >= 1 for (event,) in recorded)  # a recorded delivery happened
    interrupted = sum(started[e] - done[e] for e in started) + sum(
        1 for *_, attempts in paid if attempts > 1
    )
    assert interrupted >= 1, "no kill landed among deliveries; the run proved nothing"
    print(f"\n{len(paid)} durable events, {KILLS} kills, {interrupted} deliveries interrupted")
