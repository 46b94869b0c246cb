"""Stores behind one contract; ``open_store(url)`` picks the backend from the URL."""

from __future__ import annotations

from engine.store.base import (
    AmbiguousPrefix,
    ClaimedStep,
    IllegalAction,
    StepNotFound,
    StepPlan,
    Store,
    StoreError,
    TaskNotFound,
    TaskPlan,
)


async def open_store(url: str) -> Store:
    """Open ``sqlite:///path`` or a plain file path (the embedded default)."""
    from engine.store.sqlite import SqliteStore

    if url.startswith(("postgresql://", "postgres://")):
        raise StoreError("PostgreSQL is not supported yet; use a SQLite file path for --db")
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
    return await SqliteStore.open(path)


__all__ = [
    "AmbiguousPrefix",
    "ClaimedStep",
    "IllegalAction",
    "StepNotFound",
    "StepPlan",
    "Store",
    "StoreError",
    "TaskNotFound",
    "TaskPlan",
    "open_store",
]
