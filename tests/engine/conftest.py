from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.api import Engine, open_engine
from engine.clock import FakeClock
from tests.engine.support import DATA, HANDLERS


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def engine(db: str | Path, clock: FakeClock) -> AsyncIterator[Engine]:
    """An engine on each backend (the ``db`` fixture: a SQLite file or a PostgreSQL schema)."""
    async with open_engine(db, templates=[DATA], handlers=HANDLERS, clock=clock) as eng:
        yield eng
