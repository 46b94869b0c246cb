"""``tasker demo [--orders N] [--seed S] [--headless]``: the checkout story on a local database.

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
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from engine.api import Engine, open_engine
from engine.cli.errors import UsageError
from engine.store import StoreError, is_postgres, sqlite_path

from ..outbox import OUTBOX_ENV
from .demo_companions import companion_scenarios
from .demo_mix import OrderScenario, build_order_mix
from .demo_summary import DemoTask, Scenario
from .gateway import PaymentGateway
from .gateway_ledger import LedgerFile
from .payments import GATEWAY_TIMEOUT_ENV, GATEWAY_URL_ENV

DEFAULT_TIMEOUT_S = 1.0  # the payment step's wait for the gateway (TASKER_DEMO_GATEWAY_TIMEOUT)
MAX_ORDERS = 5000
INITIATOR = "tasker demo"


@dataclass(frozen=True)
class DemoOptions:
    orders: int
    seed: int
    concurrency: int
    timeout_s: float


@dataclass(frozen=True)
class DemoFiles:
    db: str  # how to name the database to the user: its path, or its URL without a password
    ledger: Path  # the gateway's charges and requests, JSON lines
    outbox: Path  # confirmation e-mails, SQLite


@dataclass
class PreparedDemo:
    """The demo's gateway (running), its files and its tasks (created or found)."""

    options: DemoOptions
    files: DemoFiles
    gateway: PaymentGateway
    tasks: list[DemoTask]

    @property
    def created(self) -> int:
        return sum(task.created for task in self.tasks)


def demo_options(args: argparse.Namespace) -> DemoOptions:
    """The validated options, or a one-line ``UsageError`` saying what to change."""
    if not 1 <= args.orders <= MAX_ORDERS:
        raise UsageError(f"--orders must be between 1 and {MAX_ORDERS}, got {args.orders}")
    if args.concurrency < 1:
        raise UsageError(f"--concurrency must be at least 1, got {args.concurrency}")
    if sqlite_path(args.db) == ":memory:":
        raise UsageError("the demo needs a database file that its worker can share; pass --db PATH")
    raw = os.environ.get(GATEWAY_TIMEOUT_ENV)
    try:
        timeout_s = float(raw) if raw else DEFAULT_TIMEOUT_S
    except ValueError:
        timeout_s = 0.0
    if timeout_s <= 0:
        raise UsageError(
            f"{GATEWAY_TIMEOUT_ENV}={raw!r} is not a positive number of seconds; "
            f"unset it for the default {DEFAULT_TIMEOUT_S:g}"
        )
    return DemoOptions(args.orders, args.seed, args.concurrency, timeout_s)


def demo_files(db: str | Path) -> DemoFiles:
    """The gateway ledger and the outbox beside the database file (for a PostgreSQL
    database, in the current folder)."""
    if is_postgres(str(db)):
        stem, label = Path("tasker-demo"), _without_password(str(db))
    else:
        path = Path(sqlite_path(str(db)))
        stem, label = (path.with_suffix("") if path.suffix else path), str(path)
    return DemoFiles(
        db=label,
        ledger=stem.with_name(stem.name + ".gateway.jsonl"),
        outbox=Path(os.environ.get(OUTBOX_ENV) or stem.with_name(stem.name + ".outbox.db")),
    )


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def demo_scenarios(options: DemoOptions) -> list[Scenario]:
    """The orders of the mix, then the companion workflows."""
    orders = build_order_mix(options.orders, options.seed, gateway_timeout_s=options.timeout_s)
    return [*orders, *companion_scenarios(options.seed)]


@contextmanager
def demo_environment(gateway_url: str, timeout_s: float, outbox: Path) -> Iterator[None]:
    """Point the handlers of this process at the demo's gateway and outbox, then restore."""
    wanted = {
        GATEWAY_URL_ENV: gateway_url,
        GATEWAY_TIMEOUT_ENV: f"{timeout_s:g}",
        OUTBOX_ENV: str(outbox),
    }
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@asynccontextmanager
async def prepared_demo(args: argparse.Namespace) -> AsyncIterator[PreparedDemo]:
    """Create (or find) the demo's tasks, then run its gateway for the length of the block."""
    options = demo_options(args)
    files = demo_files(args.db)
    scenarios = demo_scenarios(options)
    async with _engine(args) as engine:
        await _forget_a_ledger_of_another_database(engine, LedgerFile(files.ledger))
        tasks = [await _create(engine, scenario, options) for scenario in scenarios]
        attempted = await _payment_attempts_so_far(engine, tasks)
    with PaymentGateway(seed=options.seed, ledger_path=files.ledger) as gateway:
        served = Counter(request["token"] for request in gateway.requests())
        for task in tasks:
            if isinstance(task.scenario, OrderScenario):
                token = task.scenario.token
                # An attempt a stopped worker had claimed counts even if it never reached
                # the gateway: the next attempt meets what the scenario planned for it.
                used = max(served[token], attempted.get(task.task_uuid, 0))
                gateway.set_faults(token, task.scenario.faults, already_served=used)
        with demo_environment(gateway.url, options.timeout_s, files.outbox):
            yield PreparedDemo(options, files, gateway, tasks)


async def run_demo(args: argparse.Namespace) -> int:
    """The ``tasker demo`` command."""
    from .demo_headless import run_headless

    async with prepared_demo(args) as demo:
        _say(_opening(demo))
        if args.headless:
            try:
                return await run_headless(args, demo)
            except asyncio.CancelledError:  # Ctrl-C
                _say(
                    "Interrupted. Run the same command to resume: the steps that were running "
                    "come back once their lease (30 s) expires, at the cost of an attempt."
                )
                raise
        await _run_console(args)
        _say(
            f"The gateway has stopped. Resume and summarise with: "
            f"tasker --db {demo.files.db} demo --headless --orders {demo.options.orders} "
            f"--seed {demo.options.seed}"
        )
        return 0


async def _run_console(args: argparse.Namespace) -> None:
    from console.main import run_console

    await run_console(
        argparse.Namespace(
            db=args.db,
            templates=args.templates,
            handlers=args.handlers,
            environment=getattr(args, "environment", None),
            concurrency=args.concurrency,
            no_worker=False,
        )
    )


def _engine(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    return open_engine(
        args.db,
        templates=args.templates,
        handlers=args.handlers,
        environment=getattr(args, "environment", None),
    )


async def _create(engine: Engine, scenario: Scenario, options: DemoOptions) -> DemoTask:
    if isinstance(scenario, OrderScenario):
        reason = f"demo order {scenario.index:04d} (seed {options.seed}): {scenario.summary}"
    else:
        reason = f"demo companion (seed {options.seed}): {scenario.summary}"
    made = await engine.create_task(
        scenario.name,
        scenario.namespace,
        scenario.context,
        initiator=INITIATOR,
        source_system="tasker-demo",
        reason=reason,
    )
    return DemoTask(scenario, made.task["task_uuid"], made.created)


async def _payment_attempts_so_far(engine: Engine, tasks: list[DemoTask]) -> dict[str, int]:
    """Payment attempts of the orders an earlier run created (a resumed demo)."""
    attempts = {}
    for task in tasks:
        if not task.created and isinstance(task.scenario, OrderScenario):
            view = await engine.get_task(task.task_uuid)
            step = next(s for s in view["steps"] if s["name"] == "process_payment")
            attempts[task.task_uuid] = step["attempts"]
    return attempts


async def _forget_a_ledger_of_another_database(engine: Engine, ledger: LedgerFile) -> None:
    """A ledger whose requests name tasks this database never had outlived its database (it
    was deleted): its charges and fault plans would be mistaken for this database's."""
    _, requests = ledger.read()
    if not requests:
        return
    task_uuid = str(requests[0].get("idempotency_key", "")).split(":")[0]
    try:
        known = await engine.resolve(task_uuid) == task_uuid
    except StoreError:  # no such task, or not a uuid at all
        known = False
    if not known:
        ledger.reset()
        _say(f"{ledger.path} belonged to a database that no longer exists; starting it afresh")


def _opening(demo: PreparedDemo) -> str:
    options, files = demo.options, demo.files
    found = len(demo.tasks) - demo.created
    again = f", {found} already in {files.db} (same seed and order count)" if found else ""
    return (
        f"Checkout demo, seed {options.seed}: {options.orders} orders and "
        f"{len(demo.tasks) - options.orders} companion workflows; {demo.created} tasks "
        f"created{again}.\nPayment gateway at {demo.gateway.url} (timeout {options.timeout_s:g} s, "
        f"ledger {files.ledger}); confirmation e-mails in {files.outbox}."
    )


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
