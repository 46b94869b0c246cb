"""The SQL both stores use for domain events (``?`` placeholders; PostgreSQL swaps in ``%s``),
and the rows ``tasker events`` shows."""

from __future__ import annotations

import json
from typing import Any

from engine.events.delivery import ClaimedEvent, DeliveryReport
from engine.events.subscribing import DomainEvent

OUTBOX_INSERT = (
    "INSERT INTO domain_events (event_id, task_uuid, step_uuid, step_name, namespace, name,"
    " delivery_mode, payload, metadata, published_by, published_at, next_attempt_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
RECORD_INSERT = (  # a fast event, recorded once its in-process delivery is over
    "INSERT INTO domain_events (event_id, task_uuid, step_uuid, step_name, namespace, name,"
    " delivery_mode, payload, metadata, published_by, published_at, state, attempts,"
    " claimed_by, delivered_by, finished_at, last_error)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
DELIVERY_INSERT = (
    "INSERT INTO domain_event_deliveries (event_id, subscriber, attempt, worker_id, at, outcome,"
    " error) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
SETTLE = (  # compare-and-set on the claim: a lease taken over meanwhile settles nothing
    "UPDATE domain_events SET state = ?, next_attempt_at = ?, last_error = ?,"
    " delivered_by = CASE WHEN ? = 'pending' THEN delivered_by ELSE ? END,"
    " finished_at = CASE WHEN ? = 'pending' THEN NULL ELSE ? END"
    " WHERE event_id = ? AND state = 'pending' AND claimed_by = ? AND attempts = ?"
)
DUE = "SELECT 1 FROM domain_events WHERE state = 'pending' AND next_attempt_at <= ? LIMIT 1"
NEXT_DUE = "SELECT MIN(next_attempt_at) AS due FROM domain_events WHERE state = 'pending'"
EVENT_COLUMNS = (
    "event_id, task_uuid, step_uuid, step_name, namespace, name, delivery_mode, payload,"
    " metadata, published_by, published_at, state, attempts, next_attempt_at, claimed_by,"
    " delivered_by, finished_at, last_error"
)
STATS_BY_PUBLISHER = (
    "SELECT published_by AS worker, delivery_mode AS mode, state, COUNT(*) AS n"
    " FROM domain_events GROUP BY published_by, delivery_mode, state"
)
STATS_BY_DELIVERER = (
    "SELECT delivered_by AS worker, state, COUNT(*) AS n FROM domain_events"
    " WHERE delivered_by IS NOT NULL GROUP BY delivered_by, state"
)


def delivery_rows(report: DeliveryReport) -> list[tuple[Any, ...]]:
    """One row per subscriber called, earlier attempts first."""
    before = [row for early in report.earlier for row in delivery_rows(early)]
    return before + [
        (
            report.event_id,
            subscriber,
            report.attempt,
            report.worker_id,
            report.at,
            "delivered" if error is None else "failed",
            error,
        )
        for subscriber, error in report.outcomes.items()
    ]


def settle_row(report: DeliveryReport) -> tuple[Any, ...]:
    state = report.state
    return (
        state,
        report.next_attempt_at,
        report.last_error,
        state,
        report.worker_id,
        state,
        report.at,
        report.event_id,
        report.claimed_by,
        report.attempt,
    )


def record_row(report: DeliveryReport) -> tuple[Any, ...]:
    """A fast event's whole record (it was never in the outbox)."""
    event = report.event
    assert event is not None
    return (
        event.event_id,
        event.task_uuid,
        event.step_uuid,
        event.step_name,
        event.namespace,
        event.event_name,
        event.delivery_mode,
        json.dumps(event.payload, separators=(",", ":"), default=str),
        json.dumps(event.metadata, separators=(",", ":"), default=str),
        report.worker_id,
        event.published_at,
        report.state,
        report.attempt,
        report.worker_id,
        report.worker_id,
        report.at,
        report.last_error,
    )


def claimed_event(row: Any, delivered_to: frozenset[str]) -> ClaimedEvent:
    return ClaimedEvent(
        DomainEvent(
            event_id=row["event_id"],
            event_name=row["name"],
            payload=json.loads(row["payload"]),
            metadata=json.loads(row["metadata"]),
            task_uuid=row["task_uuid"],
            step_uuid=row["step_uuid"],
            step_name=row["step_name"],
            namespace=row["namespace"],
            correlation_id=row["task_uuid"],
            delivery_mode=row["delivery_mode"],
            published_at=row["published_at"],
        ),
        row["attempts"],
        row["claimed_by"],
        delivered_to,
    )


def event_view(row: Any, deliveries: list[Any]) -> dict[str, Any]:
    """An event as ``tasker events list --json`` shows it, with its deliveries."""
    view = {key: row[key] for key in EVENT_COLUMNS.replace(" ", "").split(",")}
    view["payload"] = json.loads(view["payload"])
    view["metadata"] = json.loads(view["metadata"])
    view["deliveries"] = [
        {k: d[k] for k in ("subscriber", "attempt", "worker_id", "at", "outcome", "error")}
        for d in deliveries
    ]
    return view


def event_views(rows: list[Any], deliveries: list[Any]) -> list[dict[str, Any]]:
    """``event_view`` of each event row, given the deliveries of them all (in ``id`` order)."""
    of_event: dict[str, list[Any]] = {row["event_id"]: [] for row in rows}
    for delivery in deliveries:
        of_event[delivery["event_id"]].append(delivery)
    return [event_view(row, of_event[row["event_id"]]) for row in rows]


def retried(rows: list[Any]) -> list[str]:
    """The claimed events taken before: a retry calls only the subscribers not yet served."""
    return [row["event_id"] for row in rows if row["attempts"] > 1]


def claimed_events(rows: list[Any], delivered: list[Any]) -> list[ClaimedEvent]:
    """The claimed event rows, oldest first, each with the subscribers already delivered to
    (``delivered``: rows of event_id and subscriber)."""
    taken: dict[str, set[str]] = {}
    for d in delivered:
        taken.setdefault(d["event_id"], set()).add(d["subscriber"])
    ordered = sorted(rows, key=lambda row: row["published_at"])
    return [claimed_event(row, frozenset(taken.get(row["event_id"], ()))) for row in ordered]


def stats(by_publisher: list[Any], by_deliverer: list[Any]) -> dict[str, Any]:
    """``tasker events stats``: per worker and in total, routed/durable/fast (by the worker
    whose step published), delivered/failed (by the worker that settled), pending."""
    keys = ("routed", "durable", "fast", "delivered", "failed", "pending")
    workers: dict[str, dict[str, int]] = {}

    def of(worker: str) -> dict[str, int]:
        return workers.setdefault(worker, dict.fromkeys(keys, 0))

    for row in by_publisher:
        counts, n, mode = of(row["worker"]), int(row["n"]), row["mode"]
        counts["routed"] += n
        if mode != "fast":
            counts["durable"] += n
        if mode != "durable":
            counts["fast"] += n
        if row["state"] == "pending":
            counts["pending"] += n
    for row in by_deliverer:
        if row["state"] in ("delivered", "failed"):
            of(row["worker"])[row["state"]] += int(row["n"])
    total = dict.fromkeys(keys, 0)
    for counts in workers.values():
        for key in keys:
            total[key] += counts[key]
    return {"total": total, "workers": dict(sorted(workers.items()))}
