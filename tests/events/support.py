"""Subscribers and a publisher for the domain-event tests, registered in this process."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.events.publishing import BasePublisher, PublisherRegistry, StepEventContext
from engine.events.subscribing import BaseSubscriber, SubscriberRegistry

DATA = Path(__file__).parent / "data"
HANDLERS = [str(DATA / "event_handlers.py")]


class Recorder(BaseSubscriber):
    """Records every event it is given; fails the first ``failures`` calls."""

    def __init__(self, patterns: list[str], failures: int = 0) -> None:
        super().__init__()
        self.patterns = patterns
        self.failures = failures
        self.calls = 0
        self.events: list[dict[str, Any]] = []
        self.threads: set[str] = set()

    def subscribes_to(self) -> list[str]:  # type: ignore[override]
        return self.patterns

    def handle(self, event: dict[str, Any]) -> None:
        self.calls += 1
        self.threads.add(threading.current_thread().name)
        if self.calls <= self.failures:
            raise ConnectionError(f"mail server down (call {self.calls})")
        self.events.append(event)

    def names(self) -> list[str]:
        return [e["event_name"] for e in self.events]


class OrderPaidPublisher(BasePublisher):
    """The payment's result in the shape ``order.paid``'s schema asks for."""

    @property
    def publisher_name(self) -> str:
        return "OrderPaidPublisher"

    def transform_payload(self, ctx: StepEventContext) -> dict[str, Any]:
        result = ctx.result or {}
        return {"order_id": result.get("order_id"), "amount_cents": round(result["amount"] * 100)}

    def additional_metadata(self, ctx: StepEventContext) -> dict[str, Any]:
        return {"source": "payments"}


@pytest.fixture
def registries() -> Iterator[tuple[PublisherRegistry, SubscriberRegistry]]:
    """Fresh registries, forgotten (and their subscribers stopped) after the test."""
    PublisherRegistry.reset()
    SubscriberRegistry.reset()
    yield PublisherRegistry.instance(), SubscriberRegistry.instance()
    SubscriberRegistry.reset()
    PublisherRegistry.reset()
