"""The pure rules of domain events: conditions, backoff, schema's required keys, the counts;
and what publishing costs the store's hot path."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from engine.events import delivery
from engine.events.routing import RoutedEvent, condition_holds, missing_required
from engine.events.subscribing import DomainEvent, InProcessDomainEventPoller
from engine.states import StepState as S
from engine.store import open_store
from engine.store.event_rows import stats
from tests.store.support import T0, plan, success


@pytest.mark.parametrize(
    ("condition", "to_state", "failed", "holds"),
    [
        (None, S.COMPLETE, False, True),  # success is the default
        ("success", S.WAITING_FOR_RETRY, True, False),
        ("failure", S.WAITING_FOR_RETRY, True, True),
        ("failure", S.COMPLETE, False, False),
        ("retryable_failure", S.WAITING_FOR_RETRY, True, True),
        ("retryable_failure", S.ERROR, True, False),
        ("permanent_failure", S.ERROR, True, True),
        ("permanent_failure", S.WAITING_FOR_RETRY, True, False),
        ("always", S.COMPLETE, False, True),
        ("always", S.ERROR, True, True),
        ("sometimes", S.COMPLETE, False, False),  # unknown: never (the linter warns of it)
    ],
)
def test_each_condition_holds_for_its_outcomes(
    condition: str | None, to_state: S, failed: bool, holds: bool
) -> None:
    assert condition_holds(condition, to_state, failed) is holds


def test_backoff_doubles_from_half_a_second_up_to_thirty() -> None:
    assert [delivery.backoff_ms(n) for n in range(1, 9)] == [
        500, 1000, 2000, 4000, 8000, 16000, 30000, 30000
    ]  # fmt: skip


def test_settling_retries_while_attempts_remain_then_gives_up() -> None:
    event = DomainEvent(event_id="e1", event_name="order.paid")
    ok = delivery.settle(event, 1, {"a": None}, T0, "w", 3)
    retry = delivery.settle(event, 2, {"a": None, "b": "boom"}, T0, "w", 3)
    given_up = delivery.settle(event, 3, {"b": "boom"}, T0, "w", 3)
    assert (ok.state, ok.next_attempt_at) == ("delivered", None)
    assert (retry.state, retry.next_attempt_at, retry.last_error) == (
        "pending",
        T0 + 1000,
        "b: boom",
    )
    assert (given_up.state, given_up.next_attempt_at) == ("failed", None)


def test_only_the_schemas_top_level_required_keys_are_checked() -> None:
    schema = {"type": "object", "required": ["order_id", "amount"]}
    assert missing_required(schema, {"order_id": "A"}) == ["amount"]
    assert missing_required(schema, {"order_id": "A", "amount": 1}) == []
    assert missing_required(None, {}) == []


def test_the_bus_hands_each_subscriber_an_event_once_whatever_patterns_match() -> None:
    poller = InProcessDomainEventPoller()
    poller.on_event("order.*", print, owner="a")
    poller.on_event("*", print, owner="a")
    poller.on_event("payment.*", print, owner="b")
    assert list(poller.subscribers_for("order.paid")) == ["a"]
    assert sorted(poller.subscribers_for("payment.failed")) == ["a", "b"]
    poller.off("a")
    assert list(poller.subscribers_for("order.paid")) == []


def test_stats_count_broadcast_as_durable_and_fast_and_settlement_by_the_settler() -> None:
    published = [
        {"worker": "w1", "mode": "durable", "state": "delivered", "n": 2},
        {"worker": "w1", "mode": "fast", "state": "failed", "n": 1},
        {"worker": "w1", "mode": "broadcast", "state": "pending", "n": 1},
    ]
    settled = [
        {"worker": "w2", "state": "delivered", "n": 2},
        {"worker": "w1", "state": "failed", "n": 1},
    ]
    counted = stats(published, settled)
    assert counted["workers"]["w1"] == {
        "routed": 4, "durable": 3, "fast": 2, "delivered": 0, "failed": 1, "pending": 1
    }  # fmt: skip
    assert counted["workers"]["w2"]["delivered"] == 2
    assert counted["total"] == {
        "routed": 4, "durable": 3, "fast": 2, "delivered": 2, "failed": 1, "pending": 1
    }  # fmt: skip


async def test_a_result_without_events_costs_the_hot_path_no_statement(tmp_path: Path) -> None:
    store = await open_store(str(tmp_path / "tasker.db"))
    try:
        task_uuid, _ = await store.create_task(plan({"a": (), "b": ()}), T0)
        a, b = await store.claim_ready("w1", T0, 5, 1000)
        seen: list[str] = []
        store._inline.set_trace_callback(seen.append)  # type: ignore[attr-defined]
        await store.finish_attempts([success(a)], T0 + 1, "w1")
        assert seen and not [s for s in seen if "domain_event" in s]
        seen.clear()
        event = RoutedEvent("e1", "order.paid", "durable", {}, {}, task_uuid, b.step_uuid,
                            "b", "ns", task_uuid, T0)  # fmt: skip
        fast = dataclasses.replace(event, event_id="e2", delivery_mode="fast")
        with_events = dataclasses.replace(success(b), events=(event, fast))
        await store.finish_attempts([with_events], T0 + 2, "w1")
        assert len([s for s in seen if "domain_event" in s]) == 1  # the durable one's insert
        listed = await store.list_events(task_uuid, 10)  # type: ignore[attr-defined]
        assert [(e["event_id"], e["state"]) for e in listed] == [("e1", "pending")]
    finally:
        await store.close()
