"""The checkout's domain events at work: the ``order.paid`` publisher and two subscribers.

- ``OrderPaidPublisher`` (the template's ``publisher: ecommerce.OrderPaidPublisher``) keeps
  what a receipt needs of the payment's result and leaves the gateway's details out.
- ``PaymentReceipts`` takes ``order.paid`` (durable: delivered at least once, even across a
  crash) and files a receipt in the ``receipts`` table of the outbox file, once per task
  however often the event is delivered.
- ``ConfirmationLog`` takes ``order.confirmed`` (fast: in process, after the commit) and logs
  one line per confirmed order.

Registered when the shipped handlers are imported, so every worker delivers them; read the
receipts with ``sqlite3 tasker-outbox.db 'select * from receipts'`` and the deliveries with
``tasker events list``.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from tasker_core.domain_events import (
    BasePublisher,
    BaseSubscriber,
    PublisherRegistry,
    StepEventContext,
    SubscriberRegistry,
)

from ..outbox import outbox_path

log = logging.getLogger("tasker.events")

_RECEIPTS = """
CREATE TABLE IF NOT EXISTS receipts (
    task_uuid   TEXT PRIMARY KEY,
    event_id    TEXT NOT NULL,
    payment_id  TEXT NOT NULL,
    amount      REAL NOT NULL,
    currency    TEXT NOT NULL,
    received_at INTEGER NOT NULL
)
"""


class OrderPaidPublisher(BasePublisher):
    """``order.paid``'s payload: the payment's ids and amount, nothing of the gateway."""

    @property
    def publisher_name(self) -> str:
        return "ecommerce.OrderPaidPublisher"

    def transform_payload(self, ctx: StepEventContext) -> dict[str, Any]:
        result = ctx.result or {}
        keep = ("payment_id", "transaction_id", "amount_charged", "currency", "processed_at")
        return {key: result.get(key) for key in keep}

    def additional_metadata(self, ctx: StepEventContext) -> dict[str, Any]:
        return {"workflow": "ecommerce/order_processing"}


def receipts(path: Path | str) -> list[dict[str, Any]]:
    """The receipts filed so far (none when the file does not exist)."""
    if not Path(path).exists():
        return []
    with closing(sqlite3.connect(path, timeout=30.0)) as cx:
        cx.execute(_RECEIPTS)
        cx.row_factory = sqlite3.Row
        return [dict(row) for row in cx.execute("SELECT * FROM receipts ORDER BY rowid")]


class _CheckoutSubscriber(BaseSubscriber):
    """Takes only the checkout's events (another workflow may publish the same names)."""

    def before_handle(self, event: dict[str, Any]) -> bool:
        return bool(event.get("namespace") == "ecommerce")


class PaymentReceipts(_CheckoutSubscriber):
    """Files one receipt per paid order in the outbox file (idempotent: at-least-once
    delivery may hand it the same event twice)."""

    @classmethod
    def subscribes_to(cls) -> list[str]:
        return ["order.paid"]

    def handle(self, event: dict[str, Any]) -> None:
        payload = event["payload"]
        path = outbox_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(path, timeout=30.0)) as cx, cx:
            cx.execute(_RECEIPTS)
            cx.execute(
                "INSERT OR IGNORE INTO receipts VALUES (?, ?, ?, ?, ?, ?)",
                (
                    event["task_uuid"],
                    event["event_id"],
                    payload["payment_id"],
                    float(payload["amount_charged"]),
                    payload["currency"],
                    event["published_at"],
                ),
            )


class ConfirmationLog(_CheckoutSubscriber):
    """One log line per confirmed order."""

    @classmethod
    def subscribes_to(cls) -> list[str]:
        return ["order.confirmed"]

    def handle(self, event: dict[str, Any]) -> None:
        payload = event["payload"]
        log.info("✉ order %s confirmed to %s", event["task_uuid"][:8], payload.get("recipient"))


PublisherRegistry.instance().register(OrderPaidPublisher())
SubscriberRegistry.instance().register(PaymentReceipts)
SubscriberRegistry.instance().register(ConfirmationLog)
