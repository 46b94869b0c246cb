"""How the console looks, screen by screen, on the showcase database (fixed clock and ids).

Update after an intended change with ``pytest tests/console/test_snapshots.py
--snapshot-update`` and look at the SVGs before committing them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from console.screens.grid import GridScreen
from console.screens.main import MainScreen
from console.showcase import Showcase, build_showcase
from console.widgets.impact_preview import ImpactPreview
from console.widgets.task_table import TaskTable
from tests.console.support import (
    SIZE,
    ShowcaseConsole,
    loaded,
    main_detail_text,
    select_task,
    until,
)


def opened(task_role: str | None = None, *keys: str):
    """Wait for the list, select the task with that role, then press ``keys``."""

    async def run_before(pilot: Pilot) -> None:
        await loaded(pilot)
        app = pilot.app
        assert isinstance(app, ShowcaseConsole)
        if task_role is not None:
            await select_task(pilot, app.showcase.tasks[task_role])
        await pilot.press(*keys)
        await settled(pilot)
        if pilot.app.screen.query(ImpactPreview):  # an action dialog: its preview, worked out
            preview = pilot.app.screen.query_one(ImpactPreview)
            await until(pilot, lambda: bool(preview.lines), "the impact preview")

    return run_before


async def settled(pilot: Pilot) -> None:
    """Wait until the panes show the task under the cursor, history included."""
    main = pilot.app.screen_stack[0]
    assert isinstance(main, MainScreen)
    table = main.query_one(TaskTable)

    def shown() -> bool:
        task = main.current_task
        return (
            task is not None
            and task["task_uuid"] == table.selected_uuid
            and "loading…" not in main_detail_text(main)
        )

    await until(pilot, shown, "the selected task")


class TestTaskList:
    def test_the_list_header_and_the_newest_task(self, snap_compare, showcase: Showcase):
        """The operator opens the console."""
        assert snap_compare(ShowcaseConsole(showcase), terminal_size=SIZE, run_before=opened())

    def test_filtered_by_state(self, snap_compare, showcase: Showcase):
        """The operator types /state:blocked."""
        app = ShowcaseConsole(showcase)
        run = opened(None, "slash", *"state:blocked", "enter")
        assert snap_compare(app, terminal_size=SIZE, run_before=run)

    def test_searched_by_error_code(self, snap_compare, showcase: Showcase):
        """The operator types /code:PAYMENT_DECLINED: each row says it matched by code."""

        async def run_before(pilot: Pilot) -> None:
            await loaded(pilot)
            await pilot.press("slash", *"code:PAYMENT_DECLINED", "enter")
            table = pilot.app.screen_stack[0].query_one(TaskTable)
            await until(pilot, lambda: table.hits is not None and table.row_count == 2, "hits")
            await settled(pilot)

        app = ShowcaseConsole(showcase)
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


class TestTaskDetail:
    def test_blocked_by_a_permanent_error(self, snap_compare, showcase: Showcase):
        """The operator opens the checkout whose card was declined."""
        app = ShowcaseConsole(showcase)
        assert snap_compare(app, terminal_size=SIZE, run_before=opened("declined"))

    def test_retry_counting_down(self, snap_compare, showcase: Showcase):
        """The operator opens the diamond checkout waiting out a Retry-After."""
        app = ShowcaseConsole(showcase)
        assert snap_compare(app, terminal_size=SIZE, run_before=opened("waiting"))

    def test_fan_out_fan_in_graph(self, snap_compare, showcase: Showcase):
        """The operator opens the analytics pipeline (three extracts, one aggregate)."""
        app = ShowcaseConsole(showcase)
        assert snap_compare(app, terminal_size=SIZE, run_before=opened("pipeline"))


class TestDialogs:
    def test_new_task(self, snap_compare, showcase: Showcase):
        """The operator presses n on a checkout."""
        app = ShowcaseConsole(showcase)
        assert snap_compare(app, terminal_size=SIZE, run_before=opened("declined", "n"))

    def test_retry_asks_a_reason(self, snap_compare, showcase: Showcase):
        """The operator presses r on the declined payment."""
        app = ShowcaseConsole(showcase)
        assert snap_compare(app, terminal_size=SIZE, run_before=opened("declined", "r"))

    def test_help(self, snap_compare, showcase: Showcase):
        """The operator presses ?."""
        app = ShowcaseConsole(showcase)
        run = opened(None, "question_mark")
        assert snap_compare(app, terminal_size=SIZE, run_before=run)


@pytest.fixture(scope="module")
def charged(tmp_path_factory: pytest.TempPathFactory) -> Showcase:
    """The showcase plus a checkout charged, then blocked by short stock."""
    import asyncio

    folder: Path = tmp_path_factory.mktemp("charged")
    return asyncio.run(build_showcase(folder / "showcase.db", ("charged",)))


class TestImpactPreview:
    def test_cancel_after_a_charge(self, snap_compare, charged: Showcase):
        """The operator presses x on the checkout whose card was charged before it blocked."""
        app = ShowcaseConsole(charged)
        assert snap_compare(app, terminal_size=SIZE, run_before=opened("charged", "x"))

    def test_edit_context_dialog(self, snap_compare, charged: Showcase):
        """The operator presses E on the checkout blocked by short stock."""
        app = ShowcaseConsole(charged)
        assert snap_compare(app, terminal_size=SIZE, run_before=opened("charged", "E"))


def failures_view(*keys: str, handled: bool = False):
    """Wait for the list, press F, wait for the groups (and, with ``handled``, press h and
    wait for the handled ones too), then press ``keys``."""

    async def run_before(pilot: Pilot) -> None:
        await loaded(pilot)
        await pilot.press("F")
        screen = pilot.app.screen
        await until(pilot, lambda: getattr(screen, "loaded_once", False), "failures")
        if handled:
            await pilot.press("h")
            await until(pilot, lambda: len(getattr(screen, "groups", ())) == 4, "handled ones")
        await pilot.press(*keys)
        await pilot.pause(0.1)

    return run_before


class TestFailuresView:
    def test_groups_by_cause(self, snap_compare, showcase: Showcase):
        """The operator presses F: outstanding failed steps grouped by cause."""
        app = ShowcaseConsole(showcase)
        assert snap_compare(app, terminal_size=SIZE, run_before=failures_view())

    def test_a_groups_tasks_marked(self, snap_compare, showcase: Showcase):
        """F, h (handled ones too), the declined payments' group, space on its open task."""
        app = ShowcaseConsole(showcase)
        run = failures_view("k", "enter", "j", "space", handled=True)
        assert snap_compare(app, terminal_size=SIZE, run_before=run)


SMALL = (80, 24)
LARGE = (160, 45)


class TestSmallAndLargeTerminals:
    def test_small_list(self, snap_compare, showcase: Showcase):
        """80x24: the list alone, ? Help and q Quit in the footer."""
        app = ShowcaseConsole(showcase)
        assert snap_compare(app, terminal_size=SMALL, run_before=opened("declined"))

    def test_small_task(self, snap_compare, showcase: Showcase):
        """80x24, enter on the declined checkout: its steps over its graph."""
        app = ShowcaseConsole(showcase)
        assert snap_compare(app, terminal_size=SMALL, run_before=opened("declined", "enter"))

    def test_small_step(self, snap_compare, showcase: Showcase):
        """80x24, enter again: the failed step's detail."""
        app = ShowcaseConsole(showcase)
        run = opened("declined", "enter", "enter")
        assert snap_compare(app, terminal_size=SMALL, run_before=run)

    def test_small_help(self, snap_compare, showcase: Showcase):
        """80x24, ?: the help wraps inside the terminal and scrolls."""
        app = ShowcaseConsole(showcase)
        assert snap_compare(app, terminal_size=SMALL, run_before=opened(None, "question_mark"))

    def test_small_refusal_says_why(self, snap_compare, showcase: Showcase):
        """80x24, x on a complete task: a toast says why nothing happened."""
        app = ShowcaseConsole(showcase)
        assert snap_compare(app, terminal_size=SMALL, run_before=opened("complete", "x"))

    def test_large_blocked_task(self, snap_compare, showcase: Showcase):
        """160x45: every pane at once on the declined checkout."""
        app = ShowcaseConsole(showcase)
        assert snap_compare(app, terminal_size=LARGE, run_before=opened("declined"))

    def test_large_zoomed_steps(self, snap_compare, showcase: Showcase):
        """160x45, enter then z: the steps fill the screen."""
        app = ShowcaseConsole(showcase)
        run = opened("pipeline", "enter", "z")
        assert snap_compare(app, terminal_size=LARGE, run_before=run)


def grid_opened(*keys: str):
    """On the declined checkout, G, then wait for the grid's rows and press ``keys``."""

    async def run_before(pilot: Pilot) -> None:
        await opened("declined", "G")(pilot)
        grid = pilot.app.screen
        assert isinstance(grid, GridScreen)
        await until(pilot, lambda: grid.grid is not None, "the grid's rows")
        await pilot.press(*keys)
        await pilot.pause()

    return run_before


class TestGrid:
    def test_the_checkouts_grid(self, snap_compare, showcase: Showcase):
        """G on a checkout: its template's newest tasks × steps, failures counted per step."""
        app = ShowcaseConsole(showcase)
        assert snap_compare(app, terminal_size=SIZE, run_before=grid_opened())

    def test_small_grid_then_up_from_the_newest_failure(self, snap_compare, showcase: Showcase):
        """80x24, G: the cursor starts on the newest failure; up: a payment complete at attempt 2."""
        app = ShowcaseConsole(showcase)
        assert snap_compare(app, terminal_size=SMALL, run_before=grid_opened("up"))
