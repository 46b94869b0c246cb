from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.api import Engine, open_engine
from engine.clock import FakeClock
from tests.engine.support import DATA, HANDLERS


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "tasker.db"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def engine(db: Path, clock: FakeClock) -> AsyncIterator[Engine]:
    async with open_engine(db, templates=[DATA], handlers=HANDLERS, clock=clock) as eng:
        yield eng
