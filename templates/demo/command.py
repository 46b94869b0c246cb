"""``tasker demo [--orders N] [--seed S] [--headless] [--pace slow]``: the checkout story on a
local database (``--pace slow``: see ``prepare.Pace``).

It starts the payment gateway simulator on 127.0.0.1 (a thread of this process, serving for as
long as the demo runs), points the payment step at it, creates a seeded mix of orders (most
approved; some declined; some retried into success; some exhausting their retries; a few
slower than the timeout; some charged with the answer lost) and four companion workflows,
then opens the console with its embedded worker, or with ``--headless`` runs a worker until
nothing is left to do and prints a summary (exit 1 if any task did not end as its scenario
intended or any order was charged twice).

Files beside the database (``demo.db`` → ``demo.gateway.jsonl``, ``demo.outbox.db``; in the
current folder as ``tasker-demo.*`` for a PostgreSQL URL): the gateway's ledger of charges and
requests, and the confirmation e-mails.

Running it again on the same database: tasks are created with Tasker's strict identity (a
hash of the template and the context), and the contexts are fixed by ``--seed`` and
``--orders``, so the same command creates nothing new. It picks up the same tasks: unfinished
ones go on where they stopped (the ledger remembers the charges already taken and the fault
plans resume where they were), and the summary covers them all. Another seed or order count
adds a separate set of orders with card tokens of their own.
"""

from __future__ import annotations

import argparse
import asyncio

from .headless import run_headless
from .prepare import Pace, PreparedDemo, prepared_demo, say


async def run_demo(args: argparse.Namespace) -> int:
    """The ``tasker demo`` command."""
    async with prepared_demo(args) as demo:
        say(opening_line(demo))
        if args.headless:
            try:
                return await run_headless(args, demo)
            except asyncio.CancelledError:  # Ctrl-C
                say(
                    "Interrupted. Run the same command to resume: the steps that were running "
                    "come back once their lease (30 s) expires, at the cost of an attempt."
                )
                raise
        await _run_console(args, demo.options.environment)
        say(
            f"The gateway has stopped. Resume and summarise with: "
            f"tasker --db {demo.files.db} demo --headless --orders {demo.options.orders} "
            f"--seed {demo.options.seed}"
        )
        return 0


async def _run_console(args: argparse.Namespace, environment: str | None) -> None:
    from console.main import run_console

    await run_console(
        argparse.Namespace(
            db=args.db,
            templates=args.templates,
            handlers=args.handlers,
            environment=environment,  # tasks created in the console go at the demo's pace
            concurrency=args.concurrency,
            no_worker=False,
        )
    )


def _pace_words(pace: Pace) -> str:
    if pace.latency_s is None:
        return ""
    low, high = pace.latency_s
    return f"pace {pace.name}: answers in {low:g} to {high:g} s, retries after 4 s; "


def opening_line(demo: PreparedDemo) -> str:
    options, files = demo.options, demo.files
    found = len(demo.tasks) - demo.created
    again = f", {found} already in {files.db} (same seed and order count)" if found else ""
    return (
        f"Checkout demo, seed {options.seed}: {options.orders} orders and "
        f"{len(demo.tasks) - options.orders} companion workflows; {demo.created} tasks "
        f"created{again}.\nPayment gateway at {demo.gateway.url} (timeout {options.timeout_s:g} s, "
        f"{_pace_words(options.pace)}"
        f"ledger {files.ledger}); confirmation e-mails in {files.outbox}."
    )
