"""Stores behind one contract; ``open_store(url)`` picks the backend from the URL."""

from __future__ import annotations

import re

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


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):/")


def check_url(url: str) -> None:
    """``StoreError`` for a URL of a database this engine cannot open (``mysql://…`` was
    taken for a file path). The message names the scheme alone: a URL may carry a password."""
    match = _SCHEME.match(str(url))
    if match is None or is_postgres(url) or str(url).startswith("sqlite:///"):
        return
    scheme = match.group(1)
    if scheme.lower() == "sqlite":
        raise StoreError(
            "a sqlite URL takes three slashes before its path: sqlite:///tasker.db, or "
            "sqlite:////absolute/path/tasker.db"
        )
    raise StoreError(
        f"unsupported database URL scheme '{scheme}://'; --db takes a SQLite file path "
        "(or sqlite:///path) or a postgresql:// URL"
    )


def sqlite_path(url: str) -> str:
    """The file of a ``sqlite:///path`` URL or a plain path."""
    url = str(url)
    return url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url


async def open_store(url: str) -> Store:
    """Open ``postgresql://…``, ``sqlite:///path`` or a plain file path (the embedded default).

    Opening creates the schema or upgrades it; a schema newer than this code is refused.
    """
    check_url(url)
    if is_postgres(url):
        from engine.store.postgres.store import PostgresStore

        return await PostgresStore.open(str(url))
    from engine.store.sqlite.store import SqliteStore

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
    "check_url",
    "is_postgres",
    "open_store",
    "sqlite_path",
]
