"""Handlers, publishers and a subscriber for Tasker's own domain-event scenario, the corpus
template ``domain_events_py/domain_event_publishing_py``: each step returns what its events'
schemas require; ``simulate_failure`` in the context makes the payment fail for good."""

from __future__ import annotations

import json
import os
from typing import Any

from tasker_core import PermanentError
from tasker_core.domain_events import (
    BasePublisher,
    BaseSubscriber,
    PublisherRegistry,
    StepEventContext,
    SubscriberRegistry,
)
from tasker_core.step_handler.functional import step_handler

PREFIX = "domain_events_py.step_handlers."
NOW = "2026-01-01T00:00:00Z"


@step_handler(PREFIX + "ValidateOrderHandler")
def validate_order(context):
    return {"order_id": context.get_input("order_id"), "validation_timestamp": NOW,
            "validation_checks": ["customer", "amount"]}  # fmt: skip


@step_handler(PREFIX + "ProcessPaymentHandler")
def process_payment(context):
    if context.get_input("simulate_failure"):
        raise PermanentError("card declined", error_code="card_declined")
    return {"transaction_id": "txn-1", "amount": context.get_input("amount") or 0,
            "payment_method": "card", "processed_at": NOW}  # fmt: skip


@step_handler(PREFIX + "UpdateInventoryHandler")
def update_inventory(context):
    return {"order_id": context.get_input("order_id"), "items": [{"sku": "A", "quantity": 1}],
            "success": True}  # fmt: skip


@step_handler(PREFIX + "SendNotificationHandler")
def send_notification(context):
    return {"notification_id": "n-1", "channel": "email", "recipient": "a@example.com",
            "sent_at": NOW}  # fmt: skip


class _Named(BasePublisher):
    name = ""

    @property
    def publisher_name(self) -> str:
        return self.name

    def additional_metadata(self, ctx: StepEventContext) -> dict[str, Any]:
        return {"custom_publisher": self.name}


class PaymentEventPublisher(_Named):
    name = "domain_events_py.publishers.PaymentEventPublisher"

    def transform_payload(self, ctx: StepEventContext) -> dict[str, Any]:
        return {**(ctx.result or {}), "enriched": True}


class NotificationEventPublisher(_Named):
    name = "domain_events_py.publishers.NotificationEventPublisher"


class EventLog(BaseSubscriber):
    """Appends each event it takes to $DOMAIN_EVENTS_LOG as a JSON line."""

    @classmethod
    def subscribes_to(cls) -> list[str]:
        return ["*"]

    def handle(self, event: dict[str, Any]) -> None:
        with open(os.environ["DOMAIN_EVENTS_LOG"], "a") as log:
            log.write(json.dumps(event) + "\n")


PublisherRegistry.instance().register(PaymentEventPublisher())
PublisherRegistry.instance().register(NotificationEventPublisher())
SubscriberRegistry.instance().register(EventLog)
