"""A durable-event subscriber that writes down each delivery as it starts and as it ends.

Loaded with ``--handlers`` by the event crash test's workers. ``order.paid`` deliveries append
``start <event_id> <pid>`` to $TASKER_EVENT_LEDGER (fsynced, so it survives a SIGKILL the next
instant), sleep $TASKER_EVENT_SLEEP seconds (to widen the window a kill can land in), then
append ``done <event_id> <pid>``. Also registers the publisher ``order_events`` names.
"""

from __future__ import annotations

import os
import time
from typing import Any

from tasker_core.domain_events import (
    BasePublisher,
    BaseSubscriber,
    PublisherRegistry,
    StepEventContext,
    SubscriberRegistry,
)

LEDGER_ENV = "TASKER_EVENT_LEDGER"
SLEEP_ENV = "TASKER_EVENT_SLEEP"


def note(word: str, event_id: str) -> None:
    fd = os.open(os.environ[LEDGER_ENV], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{word} {event_id} {os.getpid()}\n".encode())
        os.fsync(fd)
    finally:
        os.close(fd)


class Ledger(BaseSubscriber):
    @classmethod
    def subscribes_to(cls) -> list[str]:
        return ["order.paid"]

    def handle(self, event: dict[str, Any]) -> None:
        note("start", event["event_id"])
        time.sleep(float(os.environ.get(SLEEP_ENV, "0")))
        note("done", event["event_id"])


class OrderPaidPublisher(BasePublisher):
    @property
    def publisher_name(self) -> str:
        return "OrderPaidPublisher"

    def transform_payload(self, ctx: StepEventContext) -> dict[str, Any]:
        result = ctx.result or {}
        return {"order_id": result.get("order_id"), "amount_cents": round(result["amount"] * 100)}


PublisherRegistry.instance().register(OrderPaidPublisher())
SubscriberRegistry.instance().register(Ledger)
