"""Tasker's domain-event API: publishers shape the events a step publishes, subscribers react.

Register custom publishers and subscribers in a handler module (``--handlers``)::

    from tasker_core.domain_events import BaseSubscriber, SubscriberRegistry

    class Receipts(BaseSubscriber):
        @classmethod
        def subscribes_to(cls) -> list[str]:
            return ["order.*"]

        def handle(self, event: dict) -> None:
            ...

    SubscriberRegistry.instance().register(Receipts)

Everything is re-exported from ``engine.events``.
"""

from __future__ import annotations

from engine.events.publishing import (
    BasePublisher,
    DefaultPublisher,
    EventDeclaration,
    PublishContext,
    PublisherRegistry,
    StepEventContext,
    StepResult,
)
from engine.events.subscribing import (
    BaseSubscriber,
    DomainEvent,
    InProcessDomainEventPoller,
    SubscriberRegistry,
)

__all__ = [
    "BasePublisher",
    "BaseSubscriber",
    "DefaultPublisher",
    "DomainEvent",
    "EventDeclaration",
    "InProcessDomainEventPoller",
    "PublishContext",
    "PublisherRegistry",
    "StepEventContext",
    "StepResult",
    "SubscriberRegistry",
]
