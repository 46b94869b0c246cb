"""Driving the console as an operator does, and reading back what it shows."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from typing import Any

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input
from textual.widgets.data_table import RowKey

from console.app import ConsoleApp
from console.screens.main import MainScreen
from console.showcase import Showcase, showcase_clock
from console.widgets.header import ConsoleHeader
from console.widgets.step_detail import StepDetail
from console.widgets.steps_table import StepsTable
from console.widgets.task_table import TaskTable
from engine.api import open_engine

SIZE = (150, 44)
OPERATOR = "erin"
WAIT_S = 20.0  # generous: the machine is shared; a passing test never waits this long


def console(engine: Any, **options: Any) -> ConsoleApp:
    options.setdefault("db_label", "tasker.db")
    options.setdefault("operator", OPERATOR)
    options.setdefault("poll_s", 0.05)
    return ConsoleApp(engine, **options)


async def until(pilot: Pilot, condition: Callable[[], bool], what: str) -> None:
    """Let the app run until ``condition()`` holds; fail naming ``what`` if it never does."""
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"the console never showed {what}")
        await pilot.pause(0.05)


def tasks(app: App[Any]) -> TaskTable:
    return app.screen.query_one(TaskTable)


def steps(app: App[Any]) -> StepsTable:
    return app.screen.query_one(StepsTable)


def key_values(keys: Iterable[RowKey]) -> list[str]:
    """The values of a table's row keys (each row of the console's tables has one)."""
    values = []
    for key in keys:
        assert key.value is not None, "a row without a key"
        values.append(key.value)
    return values


def main_screen(app: App[Any]) -> MainScreen:
    """The screen on top, which must be the main screen."""
    screen = app.screen
    assert isinstance(screen, MainScreen), f"{type(screen).__name__} is on top"
    return screen


def focused(app: App[Any]) -> Widget | None:
    """The focused widget, read afresh (keys pressed since may have moved the focus)."""
    return app.focused


def plain(cell: Any) -> str:
    return cell.plain if hasattr(cell, "plain") else str(cell)


def task_cell(app: App[Any], uuid: str, column: str) -> str:
    return plain(tasks(app).get_cell(uuid, column))


def step_cell(app: App[Any], name: str, column: str) -> str:
    return plain(steps(app).get_cell(name, column))


def header_text(app: App[Any]) -> str:
    return str(app.screen.query_one(ConsoleHeader).render())


def detail_text(app: App[Any]) -> str:
    return main_detail_text(app.screen)


def main_detail_text(screen: Any) -> str:
    """The step pane's text (of the main screen, also while a dialog is over it)."""
    shown = screen.query_one(StepDetail).shown
    out = Console(width=140, record=True, file=io.StringIO())
    out.print(shown)
    return out.export_text()


async def loaded(pilot: Pilot) -> None:
    """Wait for the first list of tasks."""
    app = pilot.app
    await until(pilot, lambda: tasks(app).row_count > 0, "any task")


async def select_task(pilot: Pilot, uuid: str) -> None:
    """Move the list's cursor to the task and wait for its steps."""
    app = pilot.app
    await until(pilot, lambda: tasks(app).has_row(uuid), f"task {uuid}")
    tasks(app).focus()
    tasks(app).move_cursor(row=tasks(app).get_row_index(uuid))
    await until(
        pilot,
        lambda: steps(app).task_uuid == uuid and main_screen(app).current_task is not None,
        f"the steps of task {uuid}",
    )


async def select_step(pilot: Pilot, name: str) -> None:
    """Move the steps table's cursor to the step and wait for its transitions."""
    app = pilot.app
    steps(app).move_cursor(row=steps(app).get_row_index(name))
    await until(pilot, lambda: "transitions" in detail_text(app) and name in detail_text(app), name)
    await until(pilot, lambda: "loading…" not in detail_text(app), f"the history of {name}")


async def confirm_with_reason(pilot: Pilot, key: str, reason: str, typed: bool = False) -> None:
    """Press an action's key, give the reason the confirmation asks for, press enter.

    ``typed``: key by key (each key repaints the dialog over the screen: slow on purpose)."""
    await pilot.press(key)
    await pilot.pause()
    modal = pilot.app.screen
    assert type(modal).__name__ == "ReasonModal", f"{key} asked no confirmation"
    if typed:
        await pilot.press(*reason)
    else:
        modal.query_one("#reason", Input).value = reason
    await pilot.press("enter")
    await pilot.pause()


class ShowcaseConsole(ConsoleApp):
    """The console over a showcase database that opens its Engine on the app's own event
    loop: ``snap_compare`` starts the app with ``App.run``, outside any test loop."""

    def __init__(self, showcase: Showcase) -> None:
        super().__init__(
            None, db_label="showcase.db", operator=OPERATOR, poll_s=0.05, cursor_blink=False
        )
        self.showcase = showcase
        self._opened: Any = None

    async def on_load(self) -> None:
        self._opened = open_engine(self.showcase.db, clock=showcase_clock(self.showcase))
        self.engine = await self._opened.__aenter__()

    async def on_unmount(self) -> None:
        if self._opened is not None:
            await self._opened.__aexit__(None, None, None)
