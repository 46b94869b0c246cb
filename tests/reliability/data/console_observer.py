"""The real console, headless and without a worker, watching a database other processes write.

Usage: python console_observer.py DB STOP_FILE EXPECTED_TASKS
(DB: a SQLite file or a PostgreSQL URL)

It runs the Textual app (driven by Pilot, as an operator would: moving through the task list,
which loads each selected task's steps and audit) until STOP_FILE exists, then waits until
its task list shows EXPECTED_TASKS rows or 60 s pass, and prints one JSON line with what the
table shows: rows, state and progress cells, and every error the console reported.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from console.app import ConsoleApp
from console.messages import ActionFailed
from console.widgets.task_table import TaskTable
from engine.api import open_engine
from engine.labels import database_label


def shown(table: TaskTable) -> dict[str, Any]:
    states: Counter[str] = Counter()
    progress: Counter[str] = Counter()
    for uuid in table.rows_by_uuid:
        states[str(table.get_cell(uuid, "state"))] += 1
        progress[str(table.get_cell(uuid, "progress"))] += 1
    return {"rows": table.row_count, "states": states, "progress": progress}


async def observe(db: str, stop: Path, expected: int) -> dict[str, Any]:
    errors: list[str] = []

    def hook(message: Any) -> None:
        if isinstance(message, ActionFailed):
            errors.append(message.text)

    async with open_engine(db) as engine:
        app = ConsoleApp(engine, embedded_worker=None, db_label=database_label(db), poll_s=0.2)
        async with app.run_test(size=(160, 48), message_hook=hook) as pilot:
            moves = 0
            while not stop.exists():
                await pilot.press("down" if moves % 10 else "home")
                moves += 1
                await pilot.pause(0.3)
            table = app.screen.query_one(TaskTable)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                view = shown(table)
                if view["rows"] >= expected and view["progress"].get("3/3", 0) >= expected:
                    break
                await pilot.pause(0.2)
            return {**shown(table), "errors": errors, "moves": moves}


def main() -> None:
    db, stop, expected = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(asyncio.run(observe(db, stop, expected))), flush=True)


if __name__ == "__main__":
    main()
