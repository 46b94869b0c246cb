"""The SQLite store's domain-event writes: claim due durable events, settle deliveries,
record fast events (the reads behind ``tasker events``: ``engine.store.shared_reads``)."""

from __future__ import annotations

import sqlite3
from typing import Any

from engine.events.delivery import ClaimedEvent, DeliveryReport
from engine.store import event_rows as sql
from engine.store.sqlite.calls import StoreCalls


class EventsMixin(StoreCalls):
    async def claim_events(
        self, worker_id: str, now_ms: int, limit: int, lease_ms: int
    ) -> list[ClaimedEvent]:
        """Take up to ``limit`` due durable events for ``worker_id``, counting an attempt; each
        stays leased (not due) for ``lease_ms``, so a worker killed mid-delivery loses it to
        another once that time is up."""
        return await self._write_if(_any_due, _claim, now_ms, worker_id, limit, lease_ms)

    async def settle_events(self, reports: list[DeliveryReport]) -> None:
        """Record each delivery and settle its event (delivered, retry later, failed)."""
        if reports:
            await self._write(_settle, reports)

    async def record_fast_events(self, reports: list[DeliveryReport]) -> None:
        """Record fast events whose in-process delivery is over, with their deliveries."""
        if reports:
            await self._write(_record, reports)


def _any_due(cx: sqlite3.Connection, now: int, *_: Any) -> bool:
    return cx.execute(sql.DUE, (now,)).fetchone() is not None


def _claim(
    cx: sqlite3.Connection, now: int, worker_id: str, limit: int, lease_ms: int
) -> list[ClaimedEvent]:
    rows = cx.execute(
        "UPDATE domain_events SET attempts = attempts + 1, next_attempt_at = ?, claimed_by = ?"
        " WHERE event_id IN (SELECT event_id FROM domain_events WHERE state = 'pending'"
        " AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?)"
        f" RETURNING {sql.EVENT_COLUMNS}",
        (now + lease_ms, worker_id, now, limit),
    ).fetchall()
    retried = sql.retried(rows)
    marks = ",".join("?" * len(retried))
    delivered = (
        cx.execute(
            "SELECT event_id, subscriber FROM domain_event_deliveries"
            f" WHERE outcome = 'delivered' AND event_id IN ({marks})",
            retried,
        ).fetchall()
        if retried
        else []
    )
    return sql.claimed_events(rows, delivered)


def _settle(cx: sqlite3.Connection, reports: list[DeliveryReport]) -> None:
    cx.executemany(sql.DELIVERY_INSERT, [d for r in reports for d in sql.delivery_rows(r)])
    cx.executemany(sql.SETTLE, [sql.settle_row(r) for r in reports])


def _record(cx: sqlite3.Connection, reports: list[DeliveryReport]) -> None:
    cx.executemany(sql.RECORD_INSERT, [sql.record_row(r) for r in reports])
    cx.executemany(sql.DELIVERY_INSERT, [d for r in reports for d in sql.delivery_rows(r)])
