"""``tasker worker``: run steps from the database until stopped (or idle)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import signal
import sys
from typing import Any

from engine.api import open_engine
from engine.cli import numbers, output
from engine.handlers.threads import WrittenOff


def register(groups: argparse._SubParsersAction[Any]) -> None:
    p = groups.add_parser("worker", help="run ready steps of any task in the database")
    p.add_argument(
        "--concurrency",
        type=numbers.whole("--concurrency", 1, numbers.MAX_CONCURRENCY),
        default=4,
        help=f"steps run at once, 1 to {numbers.MAX_CONCURRENCY} (default 4)",
    )
    p.add_argument(
        "--until-idle",
        action="store_true",
        help="exit when no step is running, ready or waiting for retry",
    )
    p.add_argument(
        "--lease-seconds",
        type=numbers.seconds("--lease-seconds", *numbers.LEASE_SECONDS),
        default=30.0,
        help="how long a crashed worker's steps stay claimed before others take them over",
    )
    p.add_argument("--worker-id", help="name this worker in the audit trail")
    p.add_argument("--quiet", action="store_true", help="no log line per attempt")
    p.set_defaults(run=run_worker)


async def run_worker(args: argparse.Namespace) -> int:
    if not args.quiet:
        logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
    async with open_engine(
        args.db, templates=args.templates, handlers=args.handlers, environment=args.environment
    ) as engine:
        output.report_template_problems(engine.catalog)
        worker = engine.worker(
            args.concurrency, lease_ms=int(args.lease_seconds * 1000), worker_id=args.worker_id
        )
        _collect_less_often()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, worker.stop)
        await worker.run(until_idle=args.until_idle)
        counts = await engine.task_counts()
    summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    print(
        f"worker {worker.worker_id}: {worker.attempts_run} attempts run; tasks: {summary}",
        file=sys.stderr,
    )
    _name_written_off(worker.threads.written_off())
    return 0


def _name_written_off(threads: list[WrittenOff]) -> None:
    """The handlers still running on threads the worker wrote off: the process exits without
    them (they are daemon threads), and says so rather than hang or leave them unnamed."""
    if not threads:
        return
    print(
        f"{len(threads)} handler thread(s) written off after their time limit or a"
        " cancellation are still running and end with this process:",
        file=sys.stderr,
    )
    for gone in threads:
        print(f"  {gone.describe()}", file=sys.stderr)


YOUNG_OBJECTS_BEFORE_A_COLLECTION = 50_000  # Python's default is 700


def _collect_less_often() -> None:
    """A worker allocates rows, records and asyncio tasks by the thousand per second, nearly
    all freed by reference counting; at the default threshold the cyclic collector runs every
    few steps. Start-up's objects (modules, templates, handlers) are frozen out of its scans
    and young objects are collected less often."""
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS_BEFORE_A_COLLECTION, older, oldest)
