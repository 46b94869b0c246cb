"""Domain events through the engine: published with the step's outcome when their condition
holds, shaped by their publisher, delivered to subscribers and recorded, on both stores."""

from __future__ import annotations

import itertools
from typing import Any

from engine.api import Engine
from engine.clock import FakeClock
from engine.events.publishing import PublisherRegistry
from engine.events.subscribing import SubscriberRegistry
from tests.events.support import OrderPaidPublisher, Recorder

Registries = tuple[PublisherRegistry, SubscriberRegistry]


async def run_order(engine: Engine, script: dict[str, list[str]] | None = None) -> str:
    made = await engine.create_task(
        "order_events", "events_test", {"order_id": "A-1", "script": script or {}}
    )
    await engine.run_until_idle()
    uuid: str = made.task["task_uuid"]
    return uuid


def by_name(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in events}


async def test_durable_and_fast_events_reach_subscribers_once_and_are_recorded(
    engine: Engine, registries: Registries
) -> None:
    publishers, subscribers = registries
    publishers.register(OrderPaidPublisher())
    orders, audit = Recorder(["order.*"]), Recorder(["audit.*"])
    subscribers.register_instance(orders, name="orders")
    subscribers.register_instance(audit, name="audit")

    uuid = await run_order(engine)

    assert (await engine.get_task(uuid))["status"] == "complete"
    assert sorted(orders.names()) == ["order.confirmed", "order.paid"]
    assert audit.names() == ["audit.step_finished"]
    paid = next(e for e in orders.events if e["event_name"] == "order.paid")
    assert paid["payload"] == {"order_id": "A-1", "amount_cents": 1250}  # the publisher's shape
    assert paid["metadata"]["source"] == "payments" and paid["delivery_mode"] == "durable"
    assert paid["task_uuid"] == uuid and paid["step_name"] == "pay"
    # Subscribers run on a thread of their own, never on the loop that runs the steps.
    assert orders.threads and all(t.startswith("tasker-subscribers") for t in orders.threads)

    events = by_name(await engine.store.list_events(uuid, 50))  # type: ignore[attr-defined]
    assert set(events) == {"order.paid", "order.confirmed", "audit.step_finished"}
    assert {name: e["state"] for name, e in events.items()} == dict.fromkeys(events, "delivered")
    assert events["order.paid"]["delivery_mode"] == "durable"
    assert events["order.confirmed"]["delivery_mode"] == "fast"
    assert [(d["subscriber"], d["outcome"]) for d in events["order.paid"]["deliveries"]] == [
        ("orders", "delivered")
    ]
    stats = await engine.store.event_stats()  # type: ignore[attr-defined]
    assert stats["total"] == {
        "routed": 3, "durable": 1, "fast": 2, "delivered": 3, "failed": 0, "pending": 0
    }  # fmt: skip


async def test_a_failed_attempt_publishes_its_failure_events_and_not_its_success_ones(
    engine: Engine, registries: Registries
) -> None:
    _, subscribers = registries
    seen = Recorder(["*"])
    subscribers.register_instance(seen, name="all")

    uuid = await run_order(engine, {"pay": ["retry", "permanent"]})

    assert (await engine.get_task(uuid))["status"] == "blocked_by_failures"
    failed = [e for e in seen.events if e["event_name"] == "payment.failed"]
    assert [e["payload"]["error_code"] for e in failed] == ["gateway_timeout", "card_declined"]
    assert [e["metadata"]["attempt"] for e in failed] == [1, 2]
    assert "order.paid" not in seen.names() and "order.confirmed" not in seen.names()


async def test_a_failing_subscriber_is_retried_with_backoff_and_never_fails_the_step(
    engine: Engine, registries: Registries, clock: FakeClock
) -> None:
    publishers, subscribers = registries
    publishers.register(OrderPaidPublisher())
    flaky, steady = Recorder(["order.paid"], failures=2), Recorder(["order.paid"])
    subscribers.register_instance(flaky, name="flaky")
    subscribers.register_instance(steady, name="steady")

    uuid = await run_order(engine)

    assert (await engine.get_task(uuid))["status"] == "complete"
    assert flaky.names() == ["order.paid"] and flaky.calls == 3
    assert steady.calls == 1  # a retry calls only the subscribers that have not taken it
    paid = by_name(await engine.store.list_events(uuid, 50))["order.paid"]  # type: ignore[attr-defined]
    assert (paid["state"], paid["attempts"]) == ("delivered", 3)
    outcomes = [(d["subscriber"], d["attempt"], d["outcome"]) for d in paid["deliveries"]]
    assert outcomes == [
        ("flaky", 1, "failed"), ("steady", 1, "delivered"),
        ("flaky", 2, "failed"), ("flaky", 3, "delivered"),
    ]  # fmt: skip
    assert "ConnectionError: mail server down (call 1)" in paid["deliveries"][0]["error"]
    flaky_at = [d["at"] for d in paid["deliveries"] if d["subscriber"] == "flaky"]
    first_gap, second_gap = (b - a for a, b in itertools.pairwise(flaky_at))
    assert first_gap >= 500 and second_gap >= 1000  # the backoff: 500 ms, then 1 s


async def test_a_fast_subscriber_that_keeps_failing_is_given_up_and_recorded(
    engine: Engine, registries: Registries
) -> None:
    _, subscribers = registries
    broken = Recorder(["order.confirmed"], failures=99)
    subscribers.register_instance(broken, name="broken")

    uuid = await run_order(engine)

    assert (await engine.get_task(uuid))["status"] == "complete"
    confirmed = by_name(await engine.store.list_events(uuid, 50))["order.confirmed"]  # type: ignore[attr-defined]
    assert (confirmed["state"], confirmed["attempts"]) == ("failed", 3)
    assert [d["outcome"] for d in confirmed["deliveries"]] == ["failed"] * 3
    stats = await engine.store.event_stats()  # type: ignore[attr-defined]
    assert stats["total"]["failed"] == 1


async def test_without_subscribers_durable_events_wait_in_the_outbox(
    engine: Engine, registries: Registries
) -> None:
    publishers, subscribers = registries
    publishers.register(OrderPaidPublisher())
    uuid = await run_order(engine)

    paid = by_name(await engine.store.list_events(uuid, 50))["order.paid"]  # type: ignore[attr-defined]
    assert (paid["state"], paid["attempts"], paid["deliveries"]) == ("pending", 0, [])
    assert (await engine.store.event_stats())["total"]["pending"] == 1  # type: ignore[attr-defined]

    late = Recorder(["order.*"])  # a worker that has a subscriber delivers it
    subscribers.register_instance(late, name="late")
    await engine.run_until_idle()
    assert late.names() == ["order.paid"]
    stats = await engine.store.event_stats()  # type: ignore[attr-defined]
    assert (stats["total"]["pending"], stats["total"]["delivered"]) == (0, 3)


async def test_a_payload_missing_what_its_schema_requires_is_not_published(
    engine: Engine, registries: Registries
) -> None:
    _, subscribers = registries  # no OrderPaidPublisher: the raw result lacks amount_cents
    seen = Recorder(["*"])
    subscribers.register_instance(seen, name="all")

    uuid = await run_order(engine)

    assert (await engine.get_task(uuid))["status"] == "complete"
    assert "order.paid" not in seen.names()
    assert sorted(seen.names()) == ["audit.step_finished", "order.confirmed"]
