"""The PostgreSQL store's domain-event writes: the SQLite ones' SQL with ``%s`` placeholders
and ``FOR UPDATE SKIP LOCKED`` claims, so workers on many hosts never take the same event
(the reads behind ``tasker events``: ``engine.store.shared_reads``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from engine.events.delivery import ClaimedEvent, DeliveryReport
from engine.events.routing import RoutedEvent
from engine.store import event_rows as sql
from engine.store.dialect import POSTGRES
from engine.store.postgres.tx import Tx

R = TypeVar("R")
pg = POSTGRES.sql
OUTBOX_INSERT = pg(sql.OUTBOX_INSERT)


async def write_outbox(tx: Tx, events: list[RoutedEvent], by: str) -> None:
    """The durable events of the attempts just stored, in their transaction."""
    async with tx.conn.cursor() as cur:
        await cur.executemany(OUTBOX_INSERT, [event.outbox_row(by) for event in events])


class EventsMixin:
    if TYPE_CHECKING:  # provided by PostgresStore

        async def _read(self, fn: Callable[..., Awaitable[R]], *args: Any) -> R: ...
        async def _write(self, fn: Callable[..., Awaitable[R]], *args: Any) -> R: ...

    async def claim_events(
        self, worker_id: str, now_ms: int, limit: int, lease_ms: int
    ) -> list[ClaimedEvent]:
        """See ``SqliteStore.claim_events``."""
        if not await self._read(_any_due, now_ms):
            return []
        return await self._write(_claim, now_ms, worker_id, limit, lease_ms)

    async def settle_events(self, reports: list[DeliveryReport]) -> None:
        if reports:
            await self._write(_settle, reports)

    async def record_fast_events(self, reports: list[DeliveryReport]) -> None:
        if reports:
            await self._write(_record, reports)


async def _any_due(tx: Tx, now: int) -> bool:
    """Is an event due? The earliest pending one's time, from its index's first entry
    (``DUE``'s ``LIMIT 1`` let the planner scan every delivered event for one: 8 ms at 50,000
    when its statistics were taken with few)."""
    row = await tx.one(sql.NEXT_DUE)
    return row is not None and row["due"] is not None and row["due"] <= now


async def _claim(tx: Tx, now: int, worker_id: str, limit: int, lease_ms: int) -> list[ClaimedEvent]:
    rows = await tx.all(
        "UPDATE domain_events SET attempts = attempts + 1, next_attempt_at = %s, claimed_by = %s"
        " WHERE event_id IN (SELECT event_id FROM domain_events WHERE state = 'pending'"
        " AND next_attempt_at <= %s ORDER BY next_attempt_at LIMIT %s FOR UPDATE SKIP LOCKED)"
        f" RETURNING {sql.EVENT_COLUMNS}",
        (now + lease_ms, worker_id, now, limit),
    )
    retried = sql.retried(rows)
    delivered = (
        await tx.all(
            "SELECT event_id, subscriber FROM domain_event_deliveries"
            " WHERE outcome = 'delivered' AND event_id = ANY(%s)",
            (retried,),
        )
        if retried
        else []
    )
    return sql.claimed_events(rows, delivered)


async def _settle(tx: Tx, reports: list[DeliveryReport]) -> None:
    async with tx.conn.cursor() as cur:
        deliveries = [d for r in reports for d in sql.delivery_rows(r)]
        if deliveries:
            await cur.executemany(pg(sql.DELIVERY_INSERT), deliveries)
        await cur.executemany(pg(sql.SETTLE), [sql.settle_row(r) for r in reports])


async def _record(tx: Tx, reports: list[DeliveryReport]) -> None:
    async with tx.conn.cursor() as cur:
        await cur.executemany(pg(sql.RECORD_INSERT), [sql.record_row(r) for r in reports])
        deliveries = [d for r in reports for d in sql.delivery_rows(r)]
        if deliveries:
            await cur.executemany(pg(sql.DELIVERY_INSERT), deliveries)
