"""The demo's setup: its options, the files beside its database, its scenarios, the payment
gateway simulator and the tasks it creates (or finds again). ``command.py`` runs it."""

from __future__ import annotations

import argparse
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

from ..ecommerce.payments import GATEWAY_TIMEOUT_ENV, GATEWAY_URL_ENV
from ..outbox import OUTBOX_ENV
from .companions import companion_scenarios
from .gateway import Latency, PaymentGateway
from .gateway_ledger import LedgerFile
from .mix import OrderScenario, build_order_mix
from .summary import DemoTask, Scenario

DEFAULT_TIMEOUT_S = 1.0  # the payment step's wait for the gateway (TASKER_DEMO_GATEWAY_TIMEOUT)
MAX_ORDERS = 5000
INITIATOR = "tasker demo"


@dataclass(frozen=True)
class Pace:
    """How fast the story runs: ``normal`` settles 40 orders in seconds; ``slow`` (what
    ``make demo`` uses) lets the gateway think 1 to 3 s per charge and the payment step wait
    4 s before its retry (the templates' ``demo_slow`` environment), so running steps and
    retry countdowns stay on screen long enough to watch."""

    name: str
    timeout_s: float  # the payment step's default wait for the gateway
    latency_s: tuple[float, float] | None  # the gateway's thinking time per charge
    environment: str | None  # the templates' environment that stretches the backoff


PACES = {
    "normal": Pace("normal", DEFAULT_TIMEOUT_S, None, None),
    "slow": Pace("slow", 5.0, (1.0, 3.0), "demo_slow"),
}


@dataclass(frozen=True)
class DemoOptions:
    orders: int
    seed: int
    concurrency: int
    timeout_s: float
    pace: Pace = PACES["normal"]
    environment: str | None = None  # the templates' environment for the demo's tasks


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
    pace = PACES[getattr(args, "pace", None) or "normal"]
    environment = getattr(args, "environment", None)
    if pace.environment and environment not in (None, pace.environment):
        raise UsageError(
            f"--pace {pace.name} applies the templates' {pace.environment} environment; "
            f"drop --environment {environment} (or TASKER_ENV), or leave out --pace"
        )
    raw = os.environ.get(GATEWAY_TIMEOUT_ENV)
    try:
        timeout_s = float(raw) if raw else pace.timeout_s
    except ValueError:
        timeout_s = 0.0
    if timeout_s <= 0:
        raise UsageError(
            f"{GATEWAY_TIMEOUT_ENV}={raw!r} is not a positive number of seconds; "
            f"unset it for the default {pace.timeout_s:g}"
        )
    environment = pace.environment or environment
    return DemoOptions(args.orders, args.seed, args.concurrency, timeout_s, pace, environment)


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
    async with _engine(args, options.environment) as engine:
        await _forget_a_ledger_of_another_database(engine, LedgerFile(files.ledger))
        tasks = [await _create(engine, scenario, options) for scenario in scenarios]
        attempted = await _payment_attempts_so_far(engine, tasks)
    low_high = options.pace.latency_s
    latency = Latency(*low_high, seed=options.seed) if low_high else None
    with PaymentGateway(seed=options.seed, ledger_path=files.ledger, latency=latency) as gateway:
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


def _engine(args: argparse.Namespace, environment: str | None):  # type: ignore[no-untyped-def]
    return open_engine(
        args.db, templates=args.templates, handlers=args.handlers, environment=environment
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
        say(f"{ledger.path} belonged to a database that no longer exists; starting it afresh")


def say(text: str) -> None:
    """A line for the person running the demo (stderr: stdout carries the summary)."""
    print(text, file=sys.stderr, flush=True)
