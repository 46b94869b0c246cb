"""Stores behind one contract; ``open_store(url)`` picks the backend from the URL."""

from __future__ import annotations

from engine.store.base import (
    AmbiguousPrefix,
    ClaimedStep,
    Finished,
    IllegalAction,
    StepNotFound,
    StepPlan,
    Store,
    StoreError,
    TaskNotFound,
    TaskPlan,
)


def is_postgres(url: str) -> bool:
    return str(url).startswith(("postgresql://", "postgres://"))


def sqlite_path(url: str) -> str:
    """The file of a ``sqlite:///path`` URL or a plain path."""
    url = str(url)
    return url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url


async def open_store(url: str) -> Store:
    """Open ``postgresql://…``, ``sqlite:///path`` or a plain file path (the embedded default).

    Opening creates the schema or upgrades it; a schema newer than this code is refused.
    """
    if is_postgres(url):
        from engine.store.postgres import PostgresStore

        return await PostgresStore.open(str(url))
    from engine.store.sqlite import SqliteStore

    return await SqliteStore.open(sqlite_path(url))


__all__ = [
    "AmbiguousPrefix",
    "ClaimedStep",
    "Finished",
    "IllegalAction",
    "StepNotFound",
    "StepPlan",
    "Store",
    "StoreError",
    "TaskNotFound",
    "TaskPlan",
    "is_postgres",
    "open_store",
    "sqlite_path",
]
