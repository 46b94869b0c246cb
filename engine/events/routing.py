"""Which events a finished attempt publishes, and by which road (pure: no I/O).

A step's ``publishes_events`` entries are checked against the attempt's outcome
(``condition``), shaped by their publisher (``engine.events.publishing``) and routed:

- ``durable`` (the default): written to the outbox in the same transaction as the step's
  outcome, then delivered at least once by a worker (``engine.events.relay``);
- ``fast``: handed to the in-process subscribers after the commit, at most once;
- ``broadcast``: Tasker's "both". Here both roads lead to the same subscribers, so a broadcast
  event takes the durable road (written with the outcome, delivered at once by the worker
  that ran the step) and is counted as durable and fast in the statistics.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from engine.events.publishing import EventDeclaration, PublisherRegistry, StepEventContext
from engine.events.subscribing import DomainEvent
from engine.states import StepState

log = logging.getLogger("tasker.events")

DURABLE, FAST, BROADCAST = "durable", "fast", "broadcast"
NONE: tuple[RoutedEvent, ...] = ()
_WARNED: set[str] = set()  # publishers named by templates but not registered, warned of once


@dataclass(frozen=True)
class RoutedEvent:
    """One event a step published, ready for the outbox or the bus."""

    event_id: str
    name: str
    delivery_mode: str  # durable, fast or broadcast
    payload: dict[str, Any]
    metadata: dict[str, Any]
    task_uuid: str
    step_uuid: str
    step_name: str
    namespace: str
    correlation_id: str
    published_at: int

    @property
    def durable(self) -> bool:
        return self.delivery_mode != FAST

    def outbox_row(self, published_by: str) -> tuple[Any, ...]:
        """The row ``domain_events`` stores (``engine.store.event_rows.OUTBOX_INSERT``): due at
        once."""
        return (
            self.event_id,
            self.task_uuid,
            self.step_uuid,
            self.step_name,
            self.namespace,
            self.name,
            self.delivery_mode,
            json.dumps(self.payload, separators=(",", ":"), default=str),
            json.dumps(self.metadata, separators=(",", ":"), default=str),
            published_by,
            self.published_at,
            self.published_at,
        )

    def to_domain_event(self) -> DomainEvent:
        return DomainEvent(
            event_id=self.event_id,
            event_name=self.name,
            payload=self.payload,
            metadata=self.metadata,
            task_uuid=self.task_uuid,
            step_uuid=self.step_uuid,
            step_name=self.step_name,
            namespace=self.namespace,
            correlation_id=self.correlation_id,
            delivery_mode=self.delivery_mode,
            published_at=self.published_at,
        )


def condition_holds(condition: str | None, to_state: StepState, failed: bool) -> bool:
    """``success`` (the default): the step completed; ``failure``: the attempt failed;
    ``retryable_failure``: it failed and will be retried; ``permanent_failure``: it failed
    for good; ``always``: every attempt."""
    match condition or "success":
        case "success":
            return not failed and to_state is StepState.COMPLETE
        case "failure":
            return failed
        case "retryable_failure":
            return failed and to_state is StepState.WAITING_FOR_RETRY
        case "permanent_failure":
            return failed and to_state is StepState.ERROR
        case "always":
            return True
    return False


def missing_required(schema: dict[str, Any] | None, payload: dict[str, Any]) -> list[str]:
    """The top-level ``required`` keys of an object schema that ``payload`` lacks (the only
    part of the JSON Schema checked here)."""
    if not isinstance(schema, dict):
        return []
    required = schema.get("required")
    return [key for key in required if key not in payload] if isinstance(required, list) else []


def route(
    declarations: Sequence[dict[str, Any]],
    ctx: StepEventContext,
    to_state: StepState,
    now_ms: int,
    publishers: PublisherRegistry,
) -> tuple[RoutedEvent, ...]:
    """The events a finished attempt publishes: each declaration whose condition holds, run
    through its publisher. A publisher that declines or fails, or a payload without its
    schema's required keys, publishes nothing (and never fails the step)."""
    routed: list[RoutedEvent] = []
    for entry in declarations:
        declaration = EventDeclaration.from_template(entry)
        if not condition_holds(declaration.condition, to_state, not ctx.success):
            continue

        emit = partial(_emit, declaration, ctx, now_ms, routed)
        publisher = publishers.get_or_default(declaration.publisher)
        if (
            declaration.publisher
            and publishers.get(declaration.publisher) is None
            and declaration.publisher not in _WARNED
        ):
            _WARNED.add(declaration.publisher)
            log.warning("publisher %r of event %s is not registered; using the default",
                        declaration.publisher, declaration.name)  # fmt: skip
        publisher.publish(ctx, declaration.name, emit=emit)
    return tuple(routed)


def _emit(
    declaration: EventDeclaration,
    ctx: StepEventContext,
    now_ms: int,
    routed: list[RoutedEvent],
    name: str,
    payload: dict[str, Any],
    metadata: dict[str, Any],
) -> None:
    """A publisher's finished event: checked against its schema, routed by its mode."""
    missing = missing_required(declaration.schema, payload)
    if missing:
        raise ValueError(f"payload lacks {', '.join(missing)}, which its schema requires")
    mode = declaration.delivery_mode or DURABLE
    routed.append(
        RoutedEvent(
            uuid.uuid4().hex,
            name,
            mode if mode in (DURABLE, FAST, BROADCAST) else DURABLE,
            payload,
            metadata,
            ctx.task_uuid,
            ctx.step_uuid,
            ctx.step_name,
            ctx.namespace,
            ctx.correlation_id,
            now_ms,
        )
    )
