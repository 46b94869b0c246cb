"""``tasker demo --headless``: a worker runs until nothing is left to do, under a progress bar;
then the summary (exit 1 when a task did not end as intended or an order was charged twice)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from engine.api import Engine, open_engine

from ..ecommerce.subscribers import receipts
from ..outbox import Outbox
from .gateway_state import Charge
from .prepare import PreparedDemo
from .report import print_summary
from .summary import SETTLED, DemoTask, summarise, tasks_with_problems

POLL_S = 0.2
LOST_WORKER = "worker_lost"  # the error code of an attempt whose worker stopped mid-step
SUMMARY_WIDTH = 120  # when stdout is not a terminal (a file, a pipe, a test)


async def run_headless(args: argparse.Namespace, demo: PreparedDemo) -> int:
    async with open_engine(
        args.db,
        templates=args.templates,
        handlers=args.handlers,
        environment=demo.options.environment,
    ) as engine:
        await run_with_progress(engine, demo)
        # Held requests (slow answers, lost answers) may still be finishing at the gateway.
        await asyncio.to_thread(demo.gateway.wait_idle, 3 * demo.options.timeout_s + 1)
        views = {t.task_uuid: await engine.get_task(t.task_uuid) for t in demo.tasks}
        charges = demo.gateway.ledger()
        excused = await reasons_not_to_judge(engine, demo.tasks, views, charges)
    summary = summarise(demo.tasks, views, charges, confirmations(demo), excused)
    console = Console()
    if not console.is_terminal:
        console.width = SUMMARY_WIDTH
    print_summary(summary, _heading(demo), _footer(demo), console)
    return 0 if summary.ok else 1


async def run_with_progress(engine: Engine, demo: PreparedDemo) -> None:
    """Run a worker until idle; the bar counts the demo's tasks that have settled."""
    cursor = await engine.change_cursor()
    statuses = await _statuses(engine, [t.task_uuid for t in demo.tasks])
    running = asyncio.create_task(engine.run_until_idle(demo.options.concurrency))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as progress:
        bar = progress.add_task("tasks settled", total=len(statuses), counts="")
        while True:
            finished = running.done()
            cursor, changed = await engine.changes_since(cursor)
            statuses.update(await _statuses(engine, list(set(changed) & statuses.keys())))
            settled = [s for s in statuses.values() if s in SETTLED]
            counts = ", ".join(f"{settled.count(s)} {s}" for s in sorted(set(settled)))
            progress.update(bar, completed=len(settled), counts=counts)
            if finished:
                break
            await asyncio.wait({running}, timeout=POLL_S)
    await running  # a worker that failed raises here


async def _statuses(engine: Engine, task_uuids: list[str]) -> dict[str, str]:
    rows = await engine.task_summaries(task_uuids) if task_uuids else []
    return {row["task_uuid"]: row["status"] for row in rows}


async def reasons_not_to_judge(
    engine: Engine, tasks: list[DemoTask], views: dict[str, dict[str, Any]], charges: list[Charge]
) -> dict[str, str]:
    """For tasks that did not end as intended: an operator's action or a lost worker found in
    their steps' audit, which explains the difference."""
    reasons = {}
    for task in tasks_with_problems(tasks, views, charges):
        for step in views[task.task_uuid]["steps"]:
            audit = await engine.step_audit(task.task_uuid, step["name"])
            metadata = [row["metadata"] or {} for row in audit]
            if any(m.get("action") for m in metadata):
                reasons[task.task_uuid] = f"an operator acted on {step['name']}"
            elif any(m.get("error_code") == LOST_WORKER for m in metadata):
                reasons[task.task_uuid] = (
                    f"a worker stopped during {step['name']} and the attempt was lost"
                )
            if task.task_uuid in reasons:
                break
    return reasons


def confirmations(demo: PreparedDemo) -> int:
    """Confirmation e-mails in the outbox for the demo's orders."""
    keys = {f"{t.task_uuid}:send_confirmation" for t in demo.tasks}
    return sum(m.message_key in keys for m in Outbox(demo.files.outbox).messages())


def _heading(demo: PreparedDemo) -> str:
    options = demo.options
    return (
        f"Checkout demo, seed {options.seed}: {options.orders} orders and "
        f"{len(demo.tasks) - options.orders} companion workflows "
        f"({demo.created} created by this run)"
    )


def _footer(demo: PreparedDemo) -> list[str]:
    db, options = demo.files.db, demo.options
    return [
        f"Run again: tasker --db {db} demo --headless --orders {options.orders} "
        f"--seed {options.seed}   (same tasks; nothing is created twice)",
        f"Look closer: tasker --db {db} task list --status blocked_by_failures   "
        f"or   tasker --db {db} console",
        f"Gateway ledger: {demo.files.ledger}   Outbox: {demo.files.outbox}",
        f"Domain events: {len(receipts(demo.files.outbox))} payment receipts filed by the "
        f"order.paid subscriber; see tasker --db {db} events list",
    ]
