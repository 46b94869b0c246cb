"""``make screenshots``: SVGs of the console over the showcase database, into ``screenshots/``.

The showcase (``console.showcase``) is the same database on every run and the console's clock
stands still, so the images change only when the console or the workflows do.
Usage: ``python -m console.screenshots [FOLDER]``.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from textual.pilot import Pilot

from console.app import ConsoleApp
from console.screens.grid import GridScreen
from console.screens.main import MainScreen
from console.showcase import OPERATOR, Showcase, build_showcase, showcase_clock
from console.widgets.impact_preview import ImpactPreview
from console.widgets.step_detail import StepDetail
from console.widgets.steps_table import StepsTable
from console.widgets.task_table import TaskTable
from engine.api import open_engine

SIZE = (150, 44)
WAIT_S = 30.0
TITLE = "tasker console"


@dataclass(frozen=True)
class Shot:
    name: str
    what: str
    task_role: str | None = None  # the showcase task to select first
    keys: tuple[str, ...] = ()
    size: tuple[int, int] = SIZE
    scenes: tuple[str, ...] = ()  # the showcase's optional tasks it needs (showcase.SCENES)
    step: str | None = None  # the step to select (and focus the step pane on) before the keys


SHOTS = (
    Shot("task-list", "the task list, with the newest task open"),
    Shot("retry-countdown", "a diamond checkout counting down to a retry", "waiting"),
    Shot("blocked-task", "a checkout blocked by a declined card", "declined"),
    Shot("new-task", "the new-task dialog", "declined", ("n",)),
    Shot("help", "every key and state glyph", None, ("question_mark",)),
    Shot("failures", "the failures view: outstanding failed steps grouped by cause", None, ("F",)),
    Shot(
        "attempt-history",
        "the step pane, zoomed: a payment's attempts, a 503 then a charge, with the headline",
        "retried",
        ("z",),
        step="process_payment",
    ),
    Shot(
        "grid",
        "G: the newest checkouts × their steps, failures counted per step",
        "declined",
        ("G",),
    ),
    Shot(
        "small-terminal",
        "80x24: the panes take turns; enter on a task shows its steps over its graph",
        "declined",
        ("enter",),
        (80, 24),
    ),
    Shot(
        "impact-preview",
        "x on a checkout whose card was charged: what cancelling does not undo",
        "charged",
        ("x",),
        scenes=("charged",),
    ),
)


async def _until(pilot: Pilot[Any], condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the console never showed {what}")
        await pilot.pause(0.05)


async def _settle_on(pilot: Pilot[Any], app: ConsoleApp, shot: Shot, showcase: Showcase) -> None:
    """Wait for the list, select the task, wait until its steps and history are shown."""
    main = cast(MainScreen, app.screen)
    table = main.query_one(TaskTable)
    await _until(pilot, lambda: table.row_count == len(showcase.tasks), "every task")
    if shot.task_role is not None:
        table.move_cursor(row=table.get_row_index(showcase.tasks[shot.task_role]))
    detail = main.query_one(StepDetail)

    def shown() -> bool:
        return (
            main.query_one(StepsTable).task_uuid == table.selected_uuid
            and detail.shown is not None
            and "loading…" not in str(getattr(detail.shown, "renderables", ""))
            and main.selected_step is not None
            and main.transitions.get((table.selected_uuid, main.selected_step)) is not None
        )

    await _until(pilot, shown, "the selected task")
    if shot.step is not None:
        await _until(pilot, lambda: shot.step in main.query_one(StepsTable).steps, shot.step)
        steps = main.query_one(StepsTable)
        steps.move_cursor(row=steps.get_row_index(shot.step))
        await _until(pilot, lambda: main.selected_step == shot.step, shot.step)
        await _until(pilot, shown, f"the history of {shot.step}")
        main.focus_pane("step-detail")


async def take(showcase: Showcase, shot: Shot) -> str:
    """The SVG of one shot, with ids that do not change from run to run."""
    async with open_engine(showcase.db, clock=showcase_clock(showcase)) as engine:
        app = ConsoleApp(engine, db_label="showcase.db", operator=OPERATOR, cursor_blink=False)
        async with app.run_test(size=shot.size) as pilot:
            await _settle_on(pilot, app, shot, showcase)
            await pilot.press(*shot.keys)
            await _until(pilot, lambda: getattr(app.screen, "loaded_once", True), shot.name)
            await pilot.pause(0.2)
            if app.screen.query(ImpactPreview):  # an action dialog: its preview, worked out
                preview = app.screen.query_one(ImpactPreview)
                await _until(pilot, lambda: bool(preview.lines), "the impact preview")
            if isinstance(app.screen, GridScreen):
                grid = app.screen
                await _until(pilot, lambda: grid.grid is not None, "the grid's rows")
                await pilot.pause(0.1)
            await pilot.wait_for_scheduled_animations()
            svg = app.export_screenshot(title=TITLE, simplify=True)
    return re.sub(r"\bterminal-\d+", f"terminal-{shot.name}", svg)


async def write_screenshots(folder: Path) -> list[tuple[Path, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        showcases: dict[tuple[str, ...], Showcase] = {}
        written = []
        for shot in SHOTS:
            if shot.scenes not in showcases:  # one build per set of scenes
                db = Path(scratch) / f"showcase-{len(showcases)}.db"
                showcases[shot.scenes] = await build_showcase(db, shot.scenes)
            path = folder / f"{shot.name}.svg"
            path.write_text(await take(showcases[shot.scenes], shot))
            written.append((path, shot.what))
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else Path("screenshots")
    for path, what in asyncio.run(write_screenshots(folder)):
        print(f"{path}  {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
