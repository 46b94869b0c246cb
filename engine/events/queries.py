"""What ``tasker events`` and the console read of domain events, through the engine."""

from __future__ import annotations

from typing import Any, Protocol, cast

from engine.masking import masked, secret_values

DEFAULT_LIMIT = 100


class EventReads(Protocol):
    async def list_events(self, task_uuid: str | None, limit: int) -> list[dict[str, Any]]: ...
    async def event_stats(self) -> dict[str, Any]: ...
    async def resolve_task_uuid(self, prefix: str) -> str: ...


def _reads(store: object) -> EventReads:
    return cast(EventReads, store)


async def list_events(
    store: object, task: str | None = None, limit: int = DEFAULT_LIMIT, reveal: bool = False
) -> list[dict[str, Any]]:
    """The newest events first (of one task, given any unique prefix of its uuid), each with
    its deliveries; values under secret-sounding keys masked, also where a text quotes them."""
    reads = _reads(store)
    task_uuid = await reads.resolve_task_uuid(task) if task else None
    events = await reads.list_events(task_uuid, limit)
    return events if reveal else masked(events, secret_values(events))


async def step_events(store: object, task_uuid: str, step_name: str) -> list[dict[str, Any]]:
    """The events one step of a task published, oldest first."""
    events = await list_events(store, task_uuid, limit=1000)
    return [e for e in reversed(events) if e["step_name"] == step_name]


async def event_stats(store: object) -> dict[str, Any]:
    """``{"total": {...}, "workers": {worker_id: {...}}}`` with routed, durable, fast,
    delivered, failed and pending."""
    return await _reads(store).event_stats()
