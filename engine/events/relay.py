"""A worker's side of domain events: fast events to in-process subscribers after the commit,
durable events from the outbox to them, at least once, each delivery recorded.

Subscribers are the process's ``SubscriberRegistry`` (registered by handler modules); they are
called on one thread of their own, one event at a time, so a slow subscriber never holds up
the event loop or the steps running on it. A worker with no subscriber leaves durable events
in the outbox for a worker that has some (``tasker events stats`` counts them as pending).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Protocol

from engine.clock import Clock, wait_for_event
from engine.events import delivery
from engine.events.delivery import ClaimedEvent, DeliveryReport
from engine.events.routing import RoutedEvent
from engine.events.subscribing import (
    BaseSubscriber,
    DomainEvent,
    InProcessDomainEventPoller,
    SubscriberRegistry,
)

log = logging.getLogger("tasker.events")

POLL_S = 0.2  # how often a worker with subscribers looks for durable events others published
CLAIM_LIMIT = 32

_PROCESS_POLLER = InProcessDomainEventPoller()


def process_poller() -> InProcessDomainEventPoller:
    """The process's bus, with every registered subscriber started on it."""
    SubscriberRegistry.instance().start_all(_PROCESS_POLLER)
    return _PROCESS_POLLER


class EventStore(Protocol):
    async def claim_events(
        self, worker_id: str, now_ms: int, limit: int, lease_ms: int
    ) -> list[ClaimedEvent]: ...
    async def settle_events(self, reports: list[DeliveryReport]) -> None: ...
    async def record_fast_events(self, reports: list[DeliveryReport]) -> None: ...
    async def next_event_due(self) -> int | None: ...


class EventRelay:
    def __init__(self, store: EventStore, clock: Clock, worker_id: str, lease_ms: int) -> None:
        self.store = store
        self.clock = clock
        self.worker_id = worker_id
        self.lease_ms = lease_ms
        self.poller = process_poller()
        self._wake = asyncio.Event()
        self._stopping = False
        self._loop_task: asyncio.Task[None] | None = None
        self._fast: set[asyncio.Task[None]] = set()
        self._records: list[DeliveryReport] = []
        self._recorder: asyncio.Task[None] | None = None
        self._thread: ThreadPoolExecutor | None = None

    def start(self) -> None:
        self.poller = process_poller()
        self._stopping = False
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = asyncio.create_task(self._run(), name="domain events")

    def published(self, events: tuple[RoutedEvent, ...]) -> None:
        """A step's result (and its durable events) is committed: deliver its fast events in
        tasks of their own, and look for the durable ones at once."""
        for event in events:
            if event.durable:
                self._wake.set()
                continue
            task = asyncio.create_task(self._deliver_fast(event.to_domain_event()))
            self._fast.add(task)
            task.add_done_callback(self._fast.discard)

    async def stop(self, deliver_due: bool = False) -> None:
        """Stop looking for durable events, finish fast deliveries and write their records;
        with ``deliver_due`` (a worker run until idle), then deliver the durable events still
        pending, waiting for retries and for other workers' leases to end."""
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:  # its claimed events settled: no lease of ours is left
            await asyncio.gather(self._loop_task, return_exceptions=True)
        if deliver_due and self._has_subscribers():
            await self._deliver_pending()
        if self._fast:
            await asyncio.gather(*self._fast, return_exceptions=True)
        while self._recorder is not None and not self._recorder.done():
            await asyncio.shield(self._recorder)
        if self._thread is not None:
            self._thread.shutdown(wait=False)
            self._thread = None

    def _has_subscribers(self) -> bool:
        return self.poller.subscription_count > 0

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            delivered = 0
            if self._has_subscribers():
                try:
                    delivered = await self.deliver_due()
                except Exception:
                    log.exception("delivering domain events failed; trying again")
            if not delivered:
                await wait_for_event(self._wake, POLL_S)

    async def deliver_due(self) -> int:
        """Claim the durable events due now, deliver them, settle them; how many."""
        claimed = await self.store.claim_events(
            self.worker_id, self.clock.now_ms(), CLAIM_LIMIT, self.lease_ms
        )
        reports = []
        for item in claimed:
            outcomes = await self._call_subscribers(item.event, item.delivered_to)
            reports.append(
                delivery.settle(
                    item.event,
                    item.attempt,
                    outcomes,
                    self.clock.now_ms(),
                    self.worker_id,
                    delivery.MAX_ATTEMPTS,
                    item.claimed_by,
                )
            )
        await self.store.settle_events(reports)
        return len(claimed)

    async def _deliver_pending(self) -> None:
        """Deliver until no durable event is pending (retries and others' leases included)."""
        while True:
            if await self.deliver_due():
                continue
            due = await self.store.next_event_due()
            if due is None:
                return
            await self.clock.sleep(max(0.01, min((due - self.clock.now_ms()) / 1000, POLL_S)))

    async def _deliver_fast(self, event: DomainEvent) -> None:
        """Deliver in memory, retrying failed subscribers with backoff; then record it (the
        failed attempts' deliveries too)."""
        taken: set[str] = set()
        earlier: list[DeliveryReport] = []
        for attempt in range(1, delivery.FAST_MAX_ATTEMPTS + 1):
            outcomes = await self._call_subscribers(event, frozenset(taken))
            taken |= {name for name, error in outcomes.items() if error is None}
            report = delivery.settle(
                event,
                attempt,
                outcomes,
                self.clock.now_ms(),
                self.worker_id,
                delivery.FAST_MAX_ATTEMPTS,
            )
            if report.state != delivery.PENDING:
                break
            earlier.append(report)
            await self.clock.sleep(delivery.backoff_ms(attempt) / 1000)
        self._records.append(replace(report, earlier=tuple(earlier)))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._write_records(), name="event records")

    async def _write_records(self) -> None:
        while self._records:
            batch, self._records = self._records, []
            try:
                await self.store.record_fast_events(batch)
            except Exception:
                log.exception("recording %d fast event(s) failed", len(batch))

    async def _call_subscribers(
        self, event: DomainEvent, skip: frozenset[str]
    ) -> dict[str, str | None]:
        """Each wanting subscriber's result: None when it took the event, else the error."""
        wanting = {n: cb for n, cb in self.poller.subscribers_for(event.event_name).items()
                   if n not in skip}  # fmt: skip
        if not wanting:
            return {}
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="tasker-subscribers")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, _call_all, wanting, event)


def _call_all(
    wanting: dict[str, Callable[[Any], object]], event: DomainEvent
) -> dict[str, str | None]:
    """Each subscriber that took the event (None) or failed (its error); one that let it pass
    (``before_handle`` said no) is left out: nothing was delivered to it."""
    outcomes: dict[str, str | None] = {}
    for name, callback in wanting.items():
        try:
            taken = callback(event)
        except Exception as exc:
            outcomes[name] = f"{type(exc).__name__}: {exc}"
            continue
        owner = getattr(getattr(callback, "func", None), "__self__", None)
        if taken is False:
            outcomes[name] = _error_text(owner)
        elif taken is not None or not isinstance(owner, BaseSubscriber):
            outcomes[name] = None  # a plain callback that returned took the event
    return outcomes


def _error_text(owner: object) -> str:
    last = getattr(owner, "last_error", None)
    found = last() if callable(last) else None
    return f"{type(found).__name__}: {found}" if found is not None else "subscriber failed"
