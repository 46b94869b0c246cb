"""Small terminals: below 120 columns the panes take turns (list, task, step), z zooms the
focused pane, the footer keeps ? Help and q Quit, help fits and scrolls, j/k move in every
list. Real engine on the showcase database, the real app under Pilot."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App
from textual.widgets._footer import FooterKey

from console.screens.help import HelpScreen
from console.showcase import Showcase
from engine.api import Engine
from tests.console.support import (
    console,
    focused,
    loaded,
    main_screen,
    select_task,
    steps,
    tasks,
    until,
)

PANES = ("tasks", "steps", "dag", "step-detail")


def visible_panes(app: App[Any]) -> set[str]:
    """The panes with room on the screen (a hidden pane, or one in a hidden row, has none)."""
    screen = main_screen(app)
    return {pane for pane in PANES if screen.query_one(f"#{pane}").region.area > 0}


def footer_keys_in_view(app: App[Any]) -> set[str]:
    """The footer keys drawn wholly inside the terminal."""
    width = app.size.width
    return {
        key.description
        for key in app.screen.query(FooterKey)
        if key.region.width and key.region.right <= width
    }


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_the_panes_take_turns_and_all_can_be_brought_back(
    engine: Engine, showcase: Showcase, size: tuple[int, int]
) -> None:
    app = console(engine)
    async with app.run_test(size=size) as pilot:
        await select_task(pilot, showcase.tasks["declined"])
        await pilot.pause()
        assert visible_panes(app) == {"tasks"}
        assert {"Help", "Quit"} <= footer_keys_in_view(app)
        await pilot.press("enter")  # the task: its steps over its graph
        await pilot.pause()
        assert visible_panes(app) == {"steps", "dag"} and app.focused is steps(app)
        await pilot.press("enter")  # the step
        await pilot.pause()
        assert visible_panes(app) == {"step-detail"}
        assert app.focused is not None and app.focused.id == "step-detail"
        await pilot.press("escape", "escape")  # back: the steps, then the list
        await pilot.pause()
        assert visible_panes(app) == {"tasks"} and focused(app) is tasks(app)
        for pane in (*PANES[1:], "tasks"):  # tab brings each pane back in turn
            await pilot.press("tab")
            await pilot.pause()
            assert app.focused is not None and app.focused.id == pane
            assert pane in visible_panes(app)
            assert {"Help", "Quit"} <= footer_keys_in_view(app)


async def test_z_zooms_the_focused_pane_and_brings_the_others_back(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=(160, 45)) as pilot:
        await select_task(pilot, showcase.tasks["pipeline"])
        await pilot.press("enter")  # focus the steps
        await pilot.pause()
        assert visible_panes(app) == set(PANES), "a wide terminal shows every pane"
        await pilot.press("z")
        await pilot.pause()
        screen = main_screen(app)
        assert screen.maximized is steps(app)
        assert steps(app).region.height > 30, "the steps fill the screen"
        await pilot.press("z")
        await pilot.pause()
        assert screen.maximized is None
        await pilot.press("tab", "z")  # the graph, zoomed; esc brings the others back
        await pilot.pause()
        assert screen.maximized is not None and screen.maximized.id == "dag"
        await pilot.press("escape")
        await pilot.pause()
        assert screen.maximized is None and visible_panes(app) == set(PANES)


async def test_help_fits_80x24_and_scrolls(engine: Engine) -> None:
    app = console(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        box = app.screen.query_one("#help")
        assert box.region.right <= 80 and box.region.bottom <= 24, "the box fits"
        assert box.max_scroll_y > 0, "more help than fits: it scrolls"
        await pilot.press("j", "j", "j")
        await until(pilot, lambda: box.scroll_y > 0, "help scrolled by j")
        await pilot.press("end")
        await until(pilot, lambda: box.scroll_y == box.max_scroll_y, "the end of help")
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "MainScreen"


async def test_j_and_k_move_in_the_task_and_step_lists(engine: Engine, showcase: Showcase) -> None:
    app = console(engine)
    async with app.run_test(size=(160, 45)) as pilot:
        await select_task(pilot, showcase.tasks["declined"])
        row = tasks(app).cursor_row
        await pilot.press("j")
        await pilot.pause()
        assert tasks(app).cursor_row == row + 1
        await pilot.press("k")
        await until(pilot, lambda: main_screen(app).current_task is not None, "the task again")
        assert tasks(app).cursor_row == row
        await pilot.press("end")
        await pilot.pause()
        assert tasks(app).cursor_row == tasks(app).row_count - 1
        await pilot.press("home")
        await pilot.pause()
        assert tasks(app).cursor_row == 0
        await select_task(pilot, showcase.tasks["declined"])
        await pilot.press("enter")
        await pilot.pause()
        first = steps(app).cursor_row
        await pilot.press("j")
        await pilot.pause()
        assert steps(app).cursor_row == first + 1
        await pilot.press("k", "k")
        await pilot.pause()
        assert steps(app).cursor_row == max(first - 1, 0)
