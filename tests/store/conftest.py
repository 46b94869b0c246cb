from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.store import Store, open_store


@pytest.fixture
async def store(db: str | Path) -> AsyncIterator[Store]:
    """A store on each backend (the ``db`` fixture: a SQLite file or a PostgreSQL schema)."""
    opened = await open_store(str(db))
    try:
        yield opened
    finally:
        await opened.close()
