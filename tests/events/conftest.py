from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.api import Engine, open_engine
from engine.clock import FakeClock
from tests.events.support import DATA, HANDLERS, registries

__all__ = ["registries"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def engine(db: str | Path, clock: FakeClock) -> AsyncIterator[Engine]:
    """An engine on each backend with the ``order_events`` template."""
    async with open_engine(db, templates=[DATA], handlers=HANDLERS, clock=clock) as eng:
        yield eng
