"""The console driven by keys, as an operator would (against the in-memory facade for now)."""

from __future__ import annotations

import io

from rich.console import Console

from console.app import ConsoleApp
from console.screens.confirm import ReasonModal
from console.screens.new_task import NewTaskModal
from console.widgets.dag_view import DagView
from console.widgets.header import ConsoleHeader
from console.widgets.step_detail import StepDetail
from console.widgets.steps_table import StepsTable
from console.widgets.task_table import TaskTable

SIZE = (160, 45)


def detail_text(app) -> str:
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(app.screen.query_one(StepDetail).shown)
    return console.export_text()


async def open_app(fake, pilot_size=SIZE):
    app = ConsoleApp(fake, db_label="tasker.db", poll_s=0.05)
    return app


async def select_task(pilot, app, uuid: str) -> None:
    table = app.screen.query_one(TaskTable)
    await pilot.pause()
    table.move_cursor(row=table.get_row_index(uuid))
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def select_step(pilot, app, name: str) -> None:
    steps = app.screen.query_one(StepsTable)
    steps.move_cursor(row=steps.get_row_index(name))
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_the_list_shows_every_task_newest_first_with_state_and_progress(fake):
    app = await open_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(TaskTable)
        keys = [row.key.value for row in table.ordered_rows]
        assert keys == sorted(fake.tasks, key=lambda u: -fake.tasks[u]["created_at"])
        row = table.get_row(fake.blocked)
        assert row[2].plain == "✗ blocked_by_failures"
        assert row[3].plain == "1/4 ✗1"
        header = app.screen.query_one(ConsoleHeader).render()
        assert "1 blocked_by_failures" in str(header)


async def test_a_blocked_task_shows_its_graph_its_failed_step_and_the_error(fake):
    app = await open_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, app, fake.blocked)
        await select_step(pilot, app, "process_payment")
        dag = app.screen.query_one(DagView).picture.plain()
        assert "[✓ validate_cart]" in dag and "[✗ process_payment]" in dag
        steps = app.screen.query_one(StepsTable)
        cells = steps.get_row("process_payment")
        assert cells[3].plain == "PERMANENT card_declined"
        text = detail_text(app)
        assert "card declined" in text and "Traceback" in text


async def test_a_waiting_step_counts_down_to_its_retry_with_the_rule_that_set_the_delay(fake):
    app = await open_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, app, fake.waiting)
        steps = app.screen.query_one(StepsTable)
        row = steps.get_row("process_payment")
        assert row[4].plain == "retry in 3.2s"
        assert row[5] == "exponential 100 ms × 2^1, Retry-After 2 s"
        fake.clock.advance(1_000)
        await pilot.pause(0.2)
        assert steps.get_row("process_payment")[4].plain == "retry in 2.2s"


async def test_retrying_a_failed_step_asks_a_reason_and_the_engine_records_it(fake):
    app = await open_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, app, fake.blocked)
        await select_step(pilot, app, "process_payment")
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReasonModal)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReasonModal), "an empty reason is refused"
        await pilot.press(*"card replaced", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        assert fake.calls[-1] == ("reset_step", fake.blocked, "process_payment", "card replaced")
        assert fake.step(fake.blocked, "process_payment")["current_state"] == "pending"
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        steps = app.screen.query_one(StepsTable)
        assert steps.get_row("process_payment")[1].plain == "· pending"


async def test_backing_out_of_a_confirmation_changes_nothing(fake):
    app = await open_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, app, fake.blocked)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert fake.calls == []
        assert fake.tasks[fake.blocked]["status"] == "blocked_by_failures"


async def test_give_up_is_offered_only_for_a_blocked_task(fake):
    app = await open_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, app, fake.waiting)
        await pilot.press("g")
        await pilot.pause()
        assert not isinstance(app.screen, ReasonModal)
        await select_task(pilot, app, fake.blocked)
        await pilot.press("g")
        await pilot.pause()
        await pilot.press(*"customer gone", "enter")
        await app.workers.wait_for_complete()
        assert fake.calls[-1] == ("give_up", fake.blocked, "customer gone")


async def test_the_filter_narrows_the_list_by_state_and_escape_clears_it(fake):
    app = await open_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("slash", *"state:blocked")
        await pilot.pause()
        table = app.screen.query_one(TaskTable)
        assert [r.key.value for r in table.ordered_rows] == [fake.blocked]
        await pilot.press("escape")
        await pilot.pause()
        assert table.row_count == 3


async def test_changes_made_elsewhere_update_the_row_in_place_and_keep_the_selection(fake):
    app = await open_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, app, fake.blocked)
        table = app.screen.query_one(TaskTable)
        fake.tasks[fake.waiting]["status"] = "complete"
        fake.touch(fake.waiting)
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        assert table.get_row(fake.waiting)[2].plain == "✓ complete"
        assert table.selected_uuid == fake.blocked


async def test_secrets_in_the_context_are_masked_until_revealed(fake):
    app = await open_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, app, fake.blocked)
        await select_step(pilot, app, "process_payment")
        assert "••••4242" in detail_text(app)
        assert "tok_visa_4242" not in detail_text(app)
        await pilot.press("v")
        await pilot.pause()
        assert "tok_visa_4242" in detail_text(app)


async def test_a_new_task_is_checked_against_the_schema_then_created_and_selected(fake):
    app = await open_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, NewTaskModal)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NewTaskModal), "the placeholder context is not valid"
        status = str(modal.query_one("#context-status").render())
        assert "$.customer_email: must match @" in status
        editor = modal.query_one("#context-json")
        editor.load_text('{"customer_email": "bo@example.com", "payment_token": "tok_1"}')
        await pilot.pause()
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        assert fake.calls[-1][0] == "create_task"
        new = next(u for u, t in fake.tasks.items() if t["context"].get("payment_token") == "tok_1")
        assert app.screen.query_one(TaskTable).selected_uuid == new


async def test_help_lists_every_key_of_the_design_and_each_is_bound(fake):
    from console.screens.help import KEYS
    from console.screens.main import MainScreen

    listed = {part.strip() for key, _ in KEYS for part in key.split("/") if part.strip()}
    listed |= {"/"} if any(k == "/" for k, _ in KEYS) else set()
    design = ["/", "enter", "tab", "n", "r", "R", "m", "c", "x", "g", "space", "?", "ctrl+p", "q"]
    assert [k for k in design if k not in listed] == []
    bound = {b.key for b in MainScreen.BINDINGS} | {b.key for b in ConsoleApp.BINDINGS}
    for key in ["slash", "n", "r", "R", "m", "c", "x", "g", "space", "question_mark", "q"]:
        assert key in bound
    app = await open_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "MainScreen"
