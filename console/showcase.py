"""A demo database that comes out the same on every run: tasks, ids, times, results, errors.

``make screenshots`` and the console's snapshot tests look at it. It runs the shipped workflows
with their real handlers through the Engine facade, on a fake clock, with seeded ids, and with
the payment gateway simulator on loopback, so one checkout meets a real HTTP 429 with
Retry-After and is left counting down to its retry. The handlers read the time through
``utc_now``; here it reads the fake clock, which each call moves on a little, so steps have
durations and every run writes the same bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine import ids
from engine.api import Engine, open_engine
from engine.clock import FakeClock

START_MS = 1_767_258_000_000  # 2026-01-01 09:00:00Z
SEED = 5
OPERATOR = "alice"
WORKER_ID = "showcase-worker"
SHOWN_AFTER_MS = 400  # the console looks this long after the last write
BUSY_TOKEN = "tok_live_7hY2rate"  # the gateway answers 429, Retry-After 2 s, once
FLAKY_TOKEN = "tok_live_9fQ1flaky"  # the gateway answers 503 once
DECLINED_TOKEN = "tok_test_declined"


@dataclass(frozen=True)
class Showcase:
    """The database, the moment it shows, and the uuid of each task by its role."""

    db: Path
    now_ms: int
    tasks: dict[str, str]


class ShowcaseClock(FakeClock):
    """A fake clock that can hold still: when ``hold`` is set, a worker about to sleep until a
    retry is told to stop instead, leaving the step counting down."""

    def __init__(self, start_ms: int) -> None:
        super().__init__(start_ms)
        self.hold: Callable[[], None] | None = None

    async def sleep(self, seconds: float) -> None:
        if self.hold is not None:
            self.hold()
            await asyncio.sleep(0)
            return
        await super().sleep(seconds)


def order(email: str, token: str, *lines: tuple[str, str, int, float]) -> dict[str, Any]:
    return {
        "customer_email": email,
        "payment_token": token,
        "items": [
            {"sku": sku, "name": name, "quantity": quantity, "unit_price": price}
            for sku, name, quantity, price in lines
        ],
    }


WIDGETS = ("WIDGET-001", "Widget", 2, 29.99)
GADGET = ("GADGET-002", "Gadget", 1, 149.99)
CABLES = ("SKU-001", "USB cable", 3, 9.99)
HEADPHONES = ("SKU-003", "Headphones", 1, 59.0)
PHONE_CASES = ("SKU-004", "Phone case", 80, 4.20)  # 75 in stock: charged, then short
SCENES = ("charged",)  # tasks a build adds when asked (the impact preview's screenshot)


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def _handler_time(clock: FakeClock) -> Iterator[None]:
    """Point the shipped handlers' ``utc_now`` at the fake clock; each call costs 4-90 ms."""
    costs = random.Random(SEED)

    def utc_now() -> datetime:
        clock.advance(costs.randint(4, 90))
        return datetime.fromtimestamp(clock.now_ms() / 1000, tz=UTC)

    modules = [m for name, m in list(sys.modules.items()) if name.startswith("tasker_workflows.")]
    saved = [(m, m.utc_now) for m in modules if hasattr(m, "utc_now")]
    for module, _ in saved:
        setattr(module, "utc_now", utc_now)  # noqa: B010 (modules found at run time)
    try:
        yield
    finally:
        for module, original in saved:
            setattr(module, "utc_now", original)  # noqa: B010


CHECKOUT = ("ecommerce", "order_processing")
DIAMOND = ("ecommerce", "order_processing_diamond")
REGISTRATION = ("microservices", "user_registration")
PIPELINE = ("data_pipeline", "analytics_pipeline")
SUPPORT_REFUND = ("customer_success", "process_refund")
PAYMENT_REFUND = ("payments", "process_refund")


class _Story:
    """Tasks created a realistic number of seconds apart, each run to idle by one worker."""

    def __init__(self, engine: Engine, clock: ShowcaseClock) -> None:
        self.engine, self.clock = engine, clock
        self.tasks: dict[str, str] = {}

    async def create(
        self, role: str, after_s: float, template: tuple[str, str], context: dict[str, Any]
    ) -> str:
        self.clock.advance(int(after_s * 1000))
        namespace, name = template
        made = await self.engine.create_task(name, namespace, context, initiator="storefront")
        self.tasks[role] = made.task_uuid
        return self.tasks[role]

    async def run(
        self, role: str, after_s: float, template: tuple[str, str], context: dict[str, Any]
    ) -> str:
        uuid = await self.create(role, after_s, template, context)
        await self.engine.run_until_idle(1, worker_id=WORKER_ID)
        return uuid

    async def run_until_a_retry_waits(self) -> None:
        worker = self.engine.worker(1, worker_id=WORKER_ID)
        self.clock.hold = worker.stop
        try:
            await worker.run(until_idle=True)
        finally:
            self.clock.hold = None


async def _populate(
    engine: Engine, clock: ShowcaseClock, gateway: Any, scenes: tuple[str, ...] = ()
) -> dict[str, str]:
    story = _Story(engine, clock)
    await story.run("complete", 5, CHECKOUT, order("ada@example.com", "tok_visa_4242", WIDGETS))
    await story.run(
        "registration", 36, REGISTRATION,
        {"email": "grace@example.com", "full_name": "Grace Hopper", "plan": "professional"},
    )  # fmt: skip
    await story.run(
        "pipeline", 41, PIPELINE,
        {"source": "production", "pipeline_id": "daily-0101",
         "date_range": {"start_date": "2025-12-01", "end_date": "2025-12-31"}},
    )  # fmt: skip
    await story.run(
        "declined", 46, CHECKOUT, order("bo@example.com", DECLINED_TOKEN, GADGET, CABLES)
    )
    await story.run(
        "approval", 37, SUPPORT_REFUND,
        {"ticket_id": "ticket_pending", "customer_id": "CUST-1042", "refund_amount": 80_000},
    )  # fmt: skip
    await story.run("diamond", 32, DIAMOND, order("cy@example.com", "tok_mc_5454", HEADPHONES))
    await story.run(
        "refund", 43, PAYMENT_REFUND,
        {"payment_id": "pay_3f2a9c", "refund_amount": 2500,
         "customer_email": "ada@example.com", "order_ref": "ORD-1001"},
    )  # fmt: skip
    gave_up = await story.run(
        "gave_up", 35, CHECKOUT, order("dee@example.com", DECLINED_TOKEN, WIDGETS)
    )
    clock.advance(95_000)
    await engine.give_up(gave_up, "customer cancelled the order by phone", OPERATOR)
    gateway.set_faults(FLAKY_TOKEN, [{"kind": "server_error", "times": 1}])
    await story.run("retried", 12, CHECKOUT, order("eve@example.com", FLAKY_TOKEN, CABLES))

    cancelled = await story.create(
        "cancelled", 28, CHECKOUT, order("fay@example.com", "tok_visa_1881", GADGET)
    )
    clock.advance(20_000)
    await engine.cancel_task(cancelled, "duplicate order, the customer asked", OPERATOR)
    if "charged" in scenes:  # the card is charged, then the stock is short: blocked
        await story.run(
            "charged", 21, CHECKOUT, order("ivy@example.com", "tok_visa_4111", PHONE_CASES)
        )
    # Last, so the console's moment falls inside its 2 s wait: a retry counting down.
    gateway.set_faults(BUSY_TOKEN, [{"kind": "rate_limit", "retry_after_s": 2, "times": 1}])
    await story.create("waiting", 27, DIAMOND, order("gus@example.com", BUSY_TOKEN, WIDGETS))
    await story.run_until_a_retry_waits()
    await story.create(
        "pending", 0.3, CHECKOUT, order("hal@example.com", "tok_amex_0005", HEADPHONES, CABLES)
    )
    return story.tasks


def _remove_database(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


async def build_showcase(db: Path, scenes: tuple[str, ...] = ()) -> Showcase:
    """Write the showcase database at ``db`` (replacing any file there) and describe it;
    ``scenes`` (of ``SCENES``) adds the tasks one screenshot needs, the others unchanged."""
    from engine import shipped

    shipped.install_package_alias()
    from tasker_workflows.demo.gateway import (
        PaymentGateway,  # the alias above makes templates/ importable under this name
    )

    _remove_database(db)
    clock = ShowcaseClock(START_MS)

    def gateway_time() -> datetime:
        return datetime.fromtimestamp(clock.now_ms() / 1000, tz=UTC)

    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        gateway = stack.enter_context(PaymentGateway(seed=SEED, clock=gateway_time))
        stack.enter_context(
            _environment(
                {
                    "TASKER_DEMO_GATEWAY_URL": gateway.url,
                    "TASKER_DEMO_GATEWAY_TIMEOUT": "5",
                    "TASKER_DEMO_OUTBOX": str(folder / "outbox.db"),
                }
            )
        )
        stack.enter_context(ids.seeded(SEED))
        async with open_engine(db, clock=clock) as engine:
            engine.load_handlers()
            with _handler_time(clock):
                tasks = await _populate(engine, clock, gateway, scenes)
    return Showcase(db, clock.now_ms() + SHOWN_AFTER_MS, tasks)


def showcase_clock(showcase: Showcase) -> FakeClock:
    """The clock the console reads: stopped at the showcase's moment."""
    return FakeClock(showcase.now_ms)
