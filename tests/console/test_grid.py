"""The grid (G): the newest tasks of a template × their steps, a failure count per step."""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text
from textual.widgets import DataTable, Static

from console.formatting import NOT_CREATED
from console.grid_model import build_grid, folded_state, rows_that_fit
from console.screens.grid import GridScreen, cell_description
from console.screens.help import KEYS, HelpScreen
from console.showcase import Showcase
from engine.api import Engine
from tests.console.support import (
    SIZE,
    console,
    header_text,
    main_screen,
    select_task,
    steps,
    tasks,
    until,
)


def step(name: str, state: str, template_step: str | None = None, code: str | None = None):
    return {
        "name": name, "template_step": template_step or name, "current_state": state,
        "attempts": 1, "error_code": code, "error_type": "permanent_error" if code else None,
    }  # fmt: skip


def test_clones_fold_into_their_template_step_and_failures_are_counted() -> None:
    rows = [
        {"task_uuid": "a", "status": "blocked_by_failures", "created_at": 2, "steps": [
            step("split", "complete"), step("work_1", "complete", "work"),
            step("work_2", "error", "work", "BAD_ROW"), step("later", "pending"),
        ]},
        {"task_uuid": "b", "status": "complete", "created_at": 1, "steps": [
            step("split", "complete"), step("work_1", "complete", "work"),
        ]},
    ]  # fmt: skip
    grid = build_grid(rows, ["split", "work", "later"])
    assert grid.columns == ("split", "work", "later")
    first, second = grid.rows
    assert [c.state for c in first.cells] == ["complete", "error", "pending"]
    assert first.cells[1].error_code == "BAD_ROW"
    assert first.cells[1].states_summary() == "2 steps: 1 error, 1 complete"
    assert second.cells[2].state == NOT_CREATED  # never created: a branch not taken
    assert [grid.column_count_text(n) for n in range(3)] == ["✗0/2", "✗1/2", "✗0/2"]
    assert folded_state(["complete", "waiting_for_retry", "in_progress"]) == "waiting_for_retry"
    assert grid.first_failure() == (0, 2)
    assert build_grid(rows[1:], ["split", "work"]).first_failure() == (0, 1)
    assert rows_that_fit(48) == 40 and rows_that_fit(3) == 5


def grid_screen(app: Any) -> GridScreen:
    screen = app.screen
    assert isinstance(screen, GridScreen), f"{type(screen).__name__} is on top"
    return screen


def text_of(screen: GridScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_g_shows_the_selected_tasks_template_and_enter_opens_a_task(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, showcase.tasks["declined"])
        await pilot.press("G")
        await until(pilot, lambda: isinstance(app.screen, GridScreen), "the grid")
        grid = grid_screen(app)
        await until(pilot, lambda: grid.grid is not None, "the grid's rows")
        assert grid.grid is not None
        assert "ecommerce/order_processing" in text_of(grid, "#grid-legend")
        checkouts = [
            t for t in (await engine.list_tasks(limit=100)) if t["name"] == "order_processing"
        ]
        assert len(grid.grid.rows) == len(checkouts)
        payment = grid.grid.columns.index("process_payment")
        failed = grid.grid.failures(payment)
        assert failed >= 1 and grid.grid.column_count_text(payment) == f"✗{failed}/{len(checkouts)}"
        table = grid.query_one(DataTable)
        newest_failure = next(r for r in grid.grid.rows if r.cells[payment].failed)
        assert table.cursor_coordinate == (grid.grid.rows.index(newest_failure), payment + 1)
        label = table.ordered_columns[table.get_column_index("step:process_payment")].label
        assert isinstance(label, Text) and f"✗{failed}/{len(checkouts)}" in label.plain

        declined = showcase.tasks["declined"]
        table.move_cursor(row=table.get_row_index(declined), column=payment + 1)
        await until(pilot, lambda: "PAYMENT_DECLINED" in text_of(grid, "#grid-cell"), "the code")
        assert "process_payment" in text_of(grid, "#grid-cell")
        assert "✗ error" in text_of(grid, "#grid-cell")

        table.move_cursor(row=table.get_row_index(showcase.tasks["complete"]))
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, GridScreen), "the main screen")
        main = main_screen(app)
        await until(
            pilot, lambda: tasks(app).selected_uuid == showcase.tasks["complete"], "the task"
        )
        await until(pilot, lambda: steps(app).task_uuid == showcase.tasks["complete"], "steps")
        assert app.focused is steps(app)
        assert main.current_task is not None


async def test_the_grid_refreshes_live_changes_template_with_t_and_closes_with_esc(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, showcase.tasks["declined"])
        await pilot.press("G")
        await until(pilot, lambda: isinstance(app.screen, GridScreen), "the grid")
        grid = grid_screen(app)
        await until(pilot, lambda: grid.grid is not None, "the grid's rows")
        assert grid.grid is not None
        before = len(grid.grid.rows)
        table = grid.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(showcase.tasks["complete"]))
        made = await engine.create_task(
            "order_processing", "ecommerce",
            {"customer_email": "new@example.com", "payment_token": "tok_visa_4242",
             "items": [{"sku": "S", "name": "n", "quantity": 1, "unit_price": 1.0}]},
        )  # fmt: skip
        await until(
            pilot,
            lambda: grid.grid is not None and grid.grid.rows[0].task_uuid == made.task_uuid,
            "the new task on top",
        )
        assert grid.grid is not None and len(grid.grid.rows) == before + 1
        under = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        assert under == showcase.tasks["complete"], "the cursor stays on its task"
        legend = text_of(grid, "#grid-legend")
        await pilot.press("t")
        await until(pilot, lambda: text_of(grid, "#grid-legend") != legend, "another template")
        assert "grid · ecommerce/order_processing_diamond " in text_of(grid, "#grid-legend")
        await pilot.press("T")
        await until(
            pilot,
            lambda: "grid · ecommerce/order_processing " in text_of(grid, "#grid-legend"),
            "the first template again",
        )
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, GridScreen), "the main screen")
        assert tasks(app).selected_uuid == showcase.tasks["declined"]


async def test_g_is_in_the_help_footer_and_palette(engine: Engine) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        assert any(key == "G" and "grid" in what for key, what in KEYS)
        await pilot.press("escape")
        main = main_screen(app)
        assert "grid" in {b.binding.action for b in main.active_bindings.values() if b.binding.show}
        titles = [c.title for c in app.get_system_commands(main)]
        assert "Grid of recent tasks" in titles


def activity(app: Any) -> tuple[str, str]:
    """The header's two sparklines: tasks completed, tasks failed, per 10 s."""
    found = re.search(r"✓(.{12}) ✗(.{12}) /10s", header_text(app))
    assert found, f"no sparkline in {header_text(app)!r}"
    return found.group(1), found.group(2)


async def test_the_header_counts_completions_and_failures_per_10_s(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, showcase.tasks["declined"])
        completed, failed = activity(app)
        assert completed.strip(), "the showcase's last checkouts completed within 2 minutes"
        assert failed[-1] == " " and completed[-1] == " ", "nothing in the last 10 s yet"
        for token in ("tok_test_declined", "tok_visa_4242"):
            await engine.create_task(
                "order_processing", "ecommerce",
                {"customer_email": "new@example.com", "payment_token": token,
                 "items": [{"sku": "S", "name": "n", "quantity": 1, "unit_price": 1.0}]},
            )  # fmt: skip
        await engine.run_until_idle()
        await until(
            pilot,
            lambda: activity(app)[1][-1] != " " and activity(app)[0][-1] != " ",
            "a failure and a completion in the last 10 s",
        )
        shown = [bar != " " for bar in activity(app)[0][:-1]]
        assert shown == [bar != " " for bar in completed[:-1]], "earlier buckets keep their events"
        now = [bar != " " for bar in activity(app)[0]]
        engine.clock.advance(10_000)  # type: ignore[attr-defined]  # the showcase's FakeClock
        await until(
            pilot,
            lambda: [bar != " " for bar in activity(app)[0]] == [*now[1:], False],
            "the line sliding on by 10 s with nothing new",
        )


async def test_a_batchs_clones_fold_into_their_worker_steps_column(fresh_engine: Engine) -> None:
    batch = await fresh_engine.create_task("csv_import", "inventory", {"batch_size": 30})
    approval = await fresh_engine.create_task(
        "conditional_approval",
        "approvals",
        {"request_id": "EXP-7", "amount": 2500, "requester": "ada", "purpose": "desk"},
    )
    await fresh_engine.run_until_idle()
    app = console(fresh_engine)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(GridScreen(await fresh_engine.get_task(batch.task["task_uuid"])))
        await until(pilot, lambda: isinstance(app.screen, GridScreen), "the grid")
        grid = grid_screen(app)
        await until(pilot, lambda: grid.grid is not None, "the grid's rows")
        assert grid.grid is not None
        assert "process_csv_batch" in grid.grid.columns
        assert not any(c.startswith("process_csv_batch_") for c in grid.grid.columns)
        cell = grid.grid.rows[0].cells[grid.grid.columns.index("process_csv_batch")]
        assert len(cell.steps) == 4 and cell.state == "complete"
        table = grid.query_one(DataTable)
        shown = table.get_cell(batch.task["task_uuid"], "step:process_csv_batch")
        assert shown.plain.strip() == "✓4"
        table.move_cursor(column=grid.grid.columns.index("process_csv_batch") + 1)
        await until(pilot, lambda: "4 steps: 4 complete" in text_of(grid, "#grid-cell"), "clones")

        for _ in grid.choices:  # t until the approvals' template, never round twice
            if "approvals/conditional_approval" in text_of(grid, "#grid-legend"):
                break
            await pilot.press("t")
        await until(pilot, lambda: grid.grid is not None, "the approval's grid")
        assert grid.grid is not None
        [row] = grid.grid.rows
        assert "newest 1 task × " in text_of(grid, "#grid-legend")
        assert row.task_uuid == approval.task["task_uuid"]
        states = dict(zip(grid.grid.columns, (c.state for c in row.cells), strict=True))
        assert states["manager_approval"] == "complete"
        assert states["auto_approve"] == NOT_CREATED, "a branch the decision did not take"


def test_task_data_in_a_cell_is_shown_literally() -> None:
    hostile = step("charge", "error", code="[bold]X[/bold]\x1b[2J")
    grid = build_grid(
        [{"task_uuid": "0" * 36, "status": "error", "created_at": 0, "steps": [hostile]}],
        ["charge"],
    )
    text = cell_description("0" * 36, "charge", grid.rows[0].cells[0]).plain
    assert "[bold]X[/bold]" in text and "\x1b" not in text
