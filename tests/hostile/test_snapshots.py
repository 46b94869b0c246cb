"""How a hostile task looks, at 160x45 and at 80x24: every value drawn literally, controls as
visible pictures, secrets masked (seeded ids and a stopped clock make each frame the same).

Update after an intended change with ``pytest tests/hostile/test_snapshots.py
--snapshot-update`` and look at the SVGs before committing them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual.pilot import Pilot

from console.app import ConsoleApp
from console.widgets.step_detail import StepDetail
from engine.api import open_engine
from engine.clock import FakeClock
from engine.literal import visible
from tests.console.support import OPERATOR, main_detail_text, select_task, steps, until
from tests.hostile.build import FAILING_STEP, HANDLERS, SHOWN_MS, Hostile, build_hostile


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    return asyncio.run(build_hostile(tmp_path_factory.mktemp("hostile")))


class HostileConsole(ConsoleApp):
    """The console over the hostile database, opening its Engine on the app's own loop
    (``snap_compare`` runs the app outside any test loop)."""

    def __init__(self, hostile: Hostile) -> None:
        super().__init__(
            None, db_label="hostile.db", operator=OPERATOR, poll_s=0.05, cursor_blink=False
        )
        self.hostile = hostile
        self._opened: Any = None

    async def on_load(self) -> None:
        self._opened = open_engine(
            self.hostile.db,
            templates=[str(self.hostile.templates)],
            handlers=[str(HANDLERS)],
            clock=FakeClock(SHOWN_MS),
        )
        self.engine = await self._opened.__aenter__()

    async def on_unmount(self) -> None:
        if self._opened is not None:
            await self._opened.__aexit__(None, None, None)


async def failed_step_shown(pilot: Pilot) -> None:
    """Select the failed task and wait until the step pane shows its failed step's history."""
    app = pilot.app
    assert isinstance(app, HostileConsole)
    await select_task(pilot, app.hostile.failed)
    await until(pilot, lambda: steps(app).selected_step == FAILING_STEP, "the failed step")
    main = app.screen_stack[0]

    def shown() -> bool:
        text = main_detail_text(main)
        return visible(FAILING_STEP) in text and "hostile-worker" in text

    await until(pilot, shown, "the failed step's history")
    assert main.query_one(StepDetail).shown is not None


class TestHostileTask:
    def test_wide_terminal(self, snap_compare, hostile: Hostile):
        """The operator opens the hostile task at 160x45."""
        app = HostileConsole(hostile)
        assert snap_compare(app, terminal_size=(160, 45), run_before=failed_step_shown)

    def test_small_terminal(self, snap_compare, hostile: Hostile):
        """The operator opens the hostile task at 80x24."""
        app = HostileConsole(hostile)
        assert snap_compare(app, terminal_size=(80, 24), run_before=failed_step_shown)
