"""Fixtures of the console tests: real SQLite files written by the real engine.

The showcase database (``console.showcase``) is built once per session by the shipped
workflows and their handlers; each test gets its own copy and an Engine on it whose fake
clock stands at the showcase's moment.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from console.showcase import Showcase, build_showcase, showcase_clock
from engine.api import Engine, open_engine
from engine.clock import FakeClock


@pytest.fixture(autouse=True)
def handler_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Handlers send e-mail to a private outbox and charge cards by the in-process rules."""
    monkeypatch.delenv("TASKER_DEMO_GATEWAY_URL", raising=False)
    outbox = tmp_path / "outbox.db"
    monkeypatch.setenv("TASKER_DEMO_OUTBOX", str(outbox))
    return outbox


@pytest.fixture(scope="session")
def showcase_original(tmp_path_factory: pytest.TempPathFactory) -> Showcase:
    folder = tmp_path_factory.mktemp("showcase")
    return asyncio.run(build_showcase(folder / "showcase.db"))


@pytest.fixture
def showcase(showcase_original: Showcase, tmp_path: Path) -> Showcase:
    """A private copy of the showcase database."""
    copy = tmp_path / "showcase.db"
    shutil.copyfile(showcase_original.db, copy)
    return Showcase(copy, showcase_original.now_ms, dict(showcase_original.tasks))


@pytest.fixture
async def engine(showcase: Showcase) -> AsyncIterator[Engine]:
    async with open_engine(showcase.db, clock=showcase_clock(showcase)) as opened:
        yield opened


@pytest.fixture
async def fresh_engine(tmp_path: Path) -> AsyncIterator[Engine]:
    """An Engine on a new, empty database, with a fake clock."""
    async with open_engine(tmp_path / "tasker.db", clock=FakeClock()) as opened:
        yield opened
