"""The real console, driven by Pilot over a real SQLite file of hostile tasks: every pane shows
the text literally, nothing reaches the terminal as a control sequence, the console neither
crashes nor exits, and secrets stay masked (until revealed, which the header then says)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Label, Select, TextArea

from console.dag_render import NAME_WIDTH
from console.widgets.dag_view import DagView
from console.widgets.header import REVEALED_SIGN
from engine.api import Engine, open_engine
from engine.clock import FakeClock
from engine.literal import visible
from tests.console.support import (
    console,
    detail_text,
    header_text,
    main_screen,
    select_task,
    step_cell,
    steps,
    task_cell,
    tasks,
    until,
)
from tests.hostile.build import (
    CANCEL_REASON,
    FAILING_STEP,
    HANDLERS,
    INITIATOR,
    LAST_STEP,
    NAME,
    NAMESPACE,
    RESULT_SECRET,
    RESULTS_STEP,
    SCHEMA_KEY,
    SECRETS,
    SHOWN_MS,
    Hostile,
    build_hostile,
)
from tests.hostile.corpus import SHOWN, missing_from, raw_controls_in

SIZE = (160, 45)
CLEAR_SECRETS = ("sk_live_hostile_abc", "4111 1111 1111 1111", "5555555555554444", RESULT_SECRET)


@pytest.fixture(scope="module")
def hostile_original(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    return asyncio.run(build_hostile(tmp_path_factory.mktemp("hostile")))


@pytest.fixture
async def engine(hostile_original: Hostile, tmp_path: Path) -> AsyncIterator[Engine]:
    copy = tmp_path / "hostile.db"
    copy.write_bytes(hostile_original.db.read_bytes())
    async with open_engine(
        copy,
        templates=[str(hostile_original.templates)],
        handlers=[str(HANDLERS)],
        clock=FakeClock(SHOWN_MS),
    ) as opened:
        yield opened


def screen_text(app: App[Any]) -> str:
    """What the terminal is sent for the whole screen (as an SVG's text)."""
    return app.export_screenshot()


async def select_step(pilot: Pilot, name: str) -> None:
    """Move the steps table's cursor to the step and wait for its name and history."""
    app = pilot.app
    steps(app).move_cursor(row=steps(app).get_row_index(name))
    await until(pilot, lambda: visible(name) in detail_text(app), f"step {visible(name)}")
    await until(pilot, lambda: "loading…" not in detail_text(app), "its history")


def status_line(app: App[Any]) -> Any:
    """The new-task dialog's verdict on the context, as drawn."""
    return app.screen.query_one("#context-status", Label).render()


def still_running(app: App[Any]) -> bool:
    return app.is_running and app.return_code is None


async def test_every_pane_shows_hostile_text_literally(
    engine: Engine, hostile_original: Hostile
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, hostile_original.failed)
        uuid = hostile_original.failed
        # the task list
        assert task_cell(app, uuid, "task") == f"{NAMESPACE}/{visible(NAME)}@1.0.0"
        assert task_cell(app, uuid, "initiator") == visible(INITIATOR)
        # the steps of the task
        assert step_cell(app, FAILING_STEP, "step") == visible(FAILING_STEP)
        assert step_cell(app, LAST_STEP, "step") == visible(LAST_STEP)
        assert step_cell(app, FAILING_STEP, "message").startswith(SHOWN["closing tag"])
        assert "[/x]␛[2J" in step_cell(app, FAILING_STEP, "error")
        # the graph
        picture = app.screen.query_one(DagView).picture
        assert picture is not None
        for name in (RESULTS_STEP, FAILING_STEP, LAST_STEP):
            assert visible(name, limit=NAME_WIDTH) in picture.plain()
        # the step pane: the whole message, the results, the context
        await select_step(pilot, FAILING_STEP)
        detail = detail_text(app)
        assert missing_from(detail) == []
        assert "L" * 100 in detail.replace("\n", "")  # the 10 kB line, wrapped in the pane
        assert [s for s in CLEAR_SECRETS if s in detail] == []
        assert "token ••••" in detail, "a secret of a step's results, quoted in an error"
        assert "card ••••1111" in detail
        await select_step(pilot, RESULTS_STEP)
        assert missing_from(detail_text(app)) == []  # the results echo the corpus
        # what reaches the terminal
        shown = screen_text(app)
        assert raw_controls_in(shown) == []
        assert [s for s in CLEAR_SECRETS if s in shown] == []
        assert still_running(app)


async def test_the_failures_view_shows_hostile_text_literally(
    engine: Engine, hostile_original: Hostile
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, hostile_original.failed)
        await pilot.press("F")
        await until(pilot, lambda: getattr(app.screen, "loaded_once", False), "the failures")
        shown = screen_text(app)
        assert raw_controls_in(shown) == []
        assert [s for s in CLEAR_SECRETS if s in shown] == []
        text = shown.replace("&#160;", " ")
        assert "token ••••" in text  # the sample message, masked, in the group pane
        await pilot.press("enter")  # the group's tasks: the hostile template's task
        await until(pilot, lambda: getattr(app.screen, "open_group", None) is not None, "tasks")
        assert raw_controls_in(screen_text(app)) == []
        await pilot.press("R")  # the preview names the hostile step literally
        await until(pilot, lambda: type(app.screen).__name__ == "ReasonModal", "the preview")
        assert raw_controls_in(screen_text(app)) == [] and still_running(app)


async def test_the_audit_shows_a_hostile_reason_and_operator_literally(
    engine: Engine, hostile_original: Hostile
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, hostile_original.cancelled)
        await select_step(pilot, RESULTS_STEP)
        detail = detail_text(app)
        assert visible(CANCEL_REASON) in detail and visible(INITIATOR) in detail
        assert raw_controls_in(screen_text(app)) == [] and still_running(app)


async def test_dialogs_and_toasts_show_step_names_literally(
    engine: Engine, hostile_original: Hostile
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, hostile_original.failed)
        await select_step(pilot, FAILING_STEP)
        await pilot.press("r")
        await until(pilot, lambda: type(app.screen).__name__ == "ReasonModal", "the retry dialog")
        title = app.screen.query_one(".dialog-title", Label)
        assert visible(FAILING_STEP) in str(title.render())
        assert raw_controls_in(screen_text(app)) == []
        app.screen.query_one("#reason", Input).value = CANCEL_REASON
        await pilot.press("enter")
        await until(
            pilot,
            lambda: any(visible(FAILING_STEP) in n.message for n in app._notifications),
            "a toast naming the step",
        )
        assert raw_controls_in(screen_text(app)) == []
        await pilot.press("c")
        await until(pilot, lambda: type(app.screen).__name__ == "ResultsModal", "complete")
        assert visible(FAILING_STEP) in str(app.screen.query_one(".dialog-title", Label).render())
        await pilot.press("escape")
        await until(pilot, lambda: type(app.screen).__name__ == "MainScreen", "the main screen")
        await pilot.press("n")
        await until(pilot, lambda: type(app.screen).__name__ == "NewTaskModal", "new task")
        select = app.screen.query_one("#template", Select)
        assert select.value == f"{NAMESPACE}/{NAME}@1.0.0"
        assert raw_controls_in(screen_text(app)) == []
        assert visible(NAME)[:20] in screen_text(app).replace("&#160;", " ")
        app.screen.query_one("#context-json", TextArea).load_text("{}")  # misses SCHEMA_KEY
        await until(pilot, lambda: "✗" in str(status_line(app)), "the context's problems")
        assert visible(SCHEMA_KEY) in str(status_line(app)) and still_running(app)
        await pilot.press("escape")
        app.notify(f"hostile {SHOWN['window title']} \x1b]0;x\x07 [/x]" + "L" * 10_240)
        await pilot.pause()
        assert raw_controls_in(screen_text(app)) == [] and still_running(app)


async def test_a_filter_with_brackets_and_controls_is_shown_and_matches(
    engine: Engine, hostile_original: Hostile
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: tasks(app).row_count == 2, "both tasks")
        await pilot.press("slash")
        await pilot.press(*"night-ops")
        await pilot.pause()
        main_screen(app).query_one("#filter", Input).value = "[/x] night\x1b[2J"
        await until(pilot, lambda: tasks(app).row_count == 0, "the filtered list")
        main_screen(app).query_one("#filter", Input).value = "[/x] night"
        await until(pilot, lambda: tasks(app).row_count == 2, "the filtered list")
        assert "match&#160;“[/x]&#160;night”" in screen_text(app)  # the title, as drawn
        assert still_running(app) and raw_controls_in(screen_text(app)) == []


async def test_revealed_secrets_are_signalled_in_the_header_until_masked_again(
    engine: Engine, hostile_original: Hostile
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, hostile_original.failed)
        await select_step(pilot, FAILING_STEP)
        assert REVEALED_SIGN.strip() not in header_text(app)
        await pilot.press("v")
        await until(pilot, lambda: str(SECRETS["apiKey"]) in detail_text(app), "revealed secrets")
        assert REVEALED_SIGN.strip() in header_text(app)
        assert RESULT_SECRET in detail_text(app) and "4111 1111 1111 1111" in detail_text(app)
        await pilot.press("tab")  # the sign stays while the operator works
        await pilot.pause()
        assert REVEALED_SIGN.strip() in header_text(app)
        await pilot.press("v")
        await until(pilot, lambda: str(SECRETS["apiKey"]) not in detail_text(app), "masked again")
        assert REVEALED_SIGN.strip() not in header_text(app)
        assert steps(app).reveal is False
