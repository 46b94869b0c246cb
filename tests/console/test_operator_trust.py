"""The operator stays on the task they act on, hears what came of it, and no key is a silent
no-op; attempts are numbered one way; a finished step shows no stale error; the first frame
does not claim an empty database. Real engine, real SQLite file, the real app under Pilot."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from textual.message import Message
from textual.notifications import Notify
from textual.widgets import TextArea

from console.app import ConsoleApp
from console.json_schema import schema_errors
from console.screens.new_task import NewTaskModal
from console.showcase import Showcase
from engine.api import Engine
from engine.labels import default_operator
from tests.console.support import (
    SIZE,
    confirm_with_reason,
    console,
    detail_text,
    header_text,
    loaded,
    main_screen,
    select_step,
    select_task,
    step_cell,
    task_cell,
    tasks,
    until,
)
from tests.console.test_operator_actions import choose_template


def toasts(seen: list[Message]) -> list[str]:
    return [str(m.notification.message) for m in seen if isinstance(m, Notify)]


async def test_the_acted_on_task_stays_selected_and_its_next_attempt_is_announced(
    engine: Engine, showcase: Showcase
) -> None:
    declined = showcase.tasks["declined"]
    seen: list[Message] = []
    app = console(engine)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"state:blocked", "enter")
        await select_task(pilot, declined)
        await confirm_with_reason(pilot, "r", "customer says the card works now")
        await until(
            pilot, lambda: step_cell(app, "process_payment", "state") == "· pending", "pending"
        )
        assert "blocked" not in task_cell(app, declined, "state"), "it left the filter"
        assert tasks(app).selected_uuid == declined, "and is still listed and selected"
        shown = main_screen(app).current_task
        assert shown is not None and shown["task_uuid"] == declined
        assert str(tasks(app).border_title).endswith("· +1 acted on")
        assert step_cell(app, "process_payment", "attempts") == "1/3"  # one run, two to come

        await engine.run_until_idle()  # the same card is declined again
        announced = "process_payment: attempt 2 → ✗ PAYMENT_DECLINED again"
        await until(pilot, lambda: announced in toasts(seen), "the outcome of the retry")
        assert tasks(app).selected_uuid == declined
        await until(pilot, lambda: step_cell(app, "process_payment", "attempts") == "2/3", "2/3")
        audit = await engine.step_audit(declined, "process_payment")
        assert audit[-1]["attempt"] == 2, "the audit numbers the attempt as the table does"
        step = next(
            s
            for s in (await engine.get_task(declined))["steps"]
            if s["name"] == ("process_payment")
        )
        assert (step["attempt"], step["attempts"], step["max_attempts"]) == (2, 1, 2)


async def test_give_up_in_a_filtered_list_keeps_the_task_and_counts_right(
    engine: Engine, showcase: Showcase
) -> None:
    """g on a blocked task in the blocked-only list: it turns to error (out of the filter)
    yet stays listed and selected, and the next key acts on it, not on a neighbour."""
    declined = showcase.tasks["declined"]
    seen: list[Message] = []
    app = console(engine)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await loaded(pilot)
        everything = tasks(app).row_count
        await pilot.press("slash", *"state:error", "enter")
        await until(pilot, lambda: tasks(app).row_count == 1, "the one task in error")
        assert tasks(app).border_title == f"tasks {everything} · 1 match “state:error”"
        await pilot.press("slash", "ctrl+u", *"state:blocked", "enter")
        await select_task(pilot, declined)
        await confirm_with_reason(pilot, "g", "card cannot be charged")
        await until(pilot, lambda: task_cell(app, declined, "state") == "✗ error", "error")
        assert any(t.startswith("gave up on task") for t in toasts(seen))
        assert tasks(app).selected_uuid == declined
        shown = main_screen(app).current_task
        assert shown is not None and shown["task_uuid"] == declined
        assert (
            tasks(app).border_title == f"tasks {everything} · 1 match “state:blocked” · +1 acted on"
        )
        await pilot.press("x")  # on the task given up: says why, acts on no other task
        await until(
            pilot,
            lambda: (
                "the task is already finished (error): there is nothing left to cancel"
                in toasts(seen)
            ),
            "why x did nothing",
        )
        assert type(app.screen).__name__ == "MainScreen"


async def test_a_key_that_does_not_apply_says_why(engine: Engine, showcase: Showcase) -> None:
    seen: list[Message] = []
    app = console(engine)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await select_task(pilot, showcase.tasks["complete"])
        assert app.screen.check_action("cancel_task", ()) is None, "dimmed in the footer"
        await pilot.press("x")
        await until(
            pilot,
            lambda: (
                "the task is already finished (complete): there is nothing left to cancel"
                in toasts(seen)
            ),
            "why x did nothing",
        )
        await pilot.press("r")
        await until(
            pilot,
            lambda: any("cannot be retried: it is complete" in t for t in toasts(seen)),
            "why r did nothing on a complete step",
        )
        await pilot.press("g")
        await until(
            pilot,
            lambda: (
                "give up applies to a task blocked by failures; this one is complete"
                in toasts(seen)
            ),
            "why g did nothing",
        )


async def test_a_step_resolved_by_hand_shows_no_stale_error_its_history_keeps_it(
    engine: Engine, showcase: Showcase
) -> None:
    declined = showcase.tasks["declined"]
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, declined)
        assert "PAYMENT_DECLINED" in step_cell(app, "process_payment", "error")
        await confirm_with_reason(pilot, "m", "paid by bank transfer")
        await until(
            pilot,
            lambda: step_cell(app, "process_payment", "state") == "✎ resolved_manually",
            "the step resolved",
        )
        assert step_cell(app, "process_payment", "error") == ""
        assert step_cell(app, "process_payment", "message") == ""
        await select_step(pilot, "process_payment")
        await until(pilot, lambda: "paid by bank transfer" in detail_text(app), "the audit")
        current, _, history = detail_text(app).partition("\nattempts\n")
        assert "PAYMENT_DECLINED" not in current, "no error shown as the step's own"
        assert "\nerror\n" not in current
        assert "PAYMENT_DECLINED" in history, "attempt 1's error stays in its history"
        assert "resolved by erin" in history
        last = (await engine.step_audit(declined, "process_payment"))[-1]
        assert last["metadata"]["previous_error"]["error_code"] == "PAYMENT_DECLINED"


class HeldEngine:
    """The real engine, whose task list answers only when the test lets it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.gate = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    async def list_tasks(self, **kwargs: Any) -> Any:
        await self.gate.wait()
        return await self._engine.list_tasks(**kwargs)


async def test_the_first_frame_says_loading_not_no_tasks(engine: Engine) -> None:
    held = HeldEngine(engine)
    app = console(held)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "loading tasks…" in header_text(app)
        assert "no tasks yet" not in header_text(app)
        assert tasks(app).border_title == "tasks · loading…"
        held.gate.set()
        await loaded(pilot)
        assert "loading" not in header_text(app)
        assert str(tasks(app).border_title).startswith("tasks ")


async def test_the_new_task_form_checks_the_handlers_models_and_unfilled_placeholders(
    engine: Engine,
) -> None:
    """The analytics skeleton passes input_schema but not the handlers' @inputs models;
    the form says so before the task exists, and a task made here names its operator."""
    app = ConsoleApp(engine, db_label="tasker.db", poll_s=0.05)  # no operator given
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("n")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, NewTaskModal)
        await choose_template(pilot, modal, "data_pipeline/analytics_pipeline@1.0.0")
        editor = modal.query_one("#context-json", TextArea)
        skeleton = json.loads(editor.text)
        assert skeleton["source"] == "" and skeleton["date_range"]["start_date"] == ""

        def status() -> str:
            return str(modal.query_one("#context-status").render())

        assert '✗ $.source: still the skeleton\'s placeholder "": fill it in' in status()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is modal, "a skeleton left as it is is not sent"

        filled = {**skeleton, "source": "production", "granularity": "daily"}
        filled["date_range"] = {"start_date": "last monday", "end_date": "2026-01-31"}
        filled.pop("record_limit")
        filled.pop("pipeline_id")
        editor.load_text(json.dumps(filled))
        await pilot.pause()
        assert (
            schema_errors(
                filled, engine.template("data_pipeline", "analytics_pipeline").input_schema
            )
            == []
        ), "the schema alone accepts it"
        assert status().startswith("✗ $.date_range.start_date: Input should be a valid date")
        assert "(@inputs of extract_sales_data, extract_inventory_data, extract_customer_data)" in (
            status()
        )
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is modal, "a context the handlers' models refuse is not sent"

        filled["date_range"]["start_date"] = "2026-01-01"
        editor.load_text(json.dumps(filled))
        await pilot.pause()
        assert status() == (
            "✓ the context matches the template's input_schema and its handlers' @inputs models"
        )
        before = len(await engine.list_tasks(limit=100))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: type(app.screen).__name__ == "MainScreen", "the form closed")
        await until(pilot, lambda: tasks(app).row_count == before + 1, "the new task")
        created = (await engine.list_tasks(limit=1))[0]
        assert created["initiator"] == default_operator() and created["initiator"]
        await engine.run_until_idle()
        task = await engine.get_task(created["task_uuid"])
        assert task["status"] == "complete", "the context the form let through runs"
