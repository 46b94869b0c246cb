"""What the console shows of a real database: list, header, graph, steps, detail, keys.

The showcase database was written by the shipped workflows through the engine; the console's
clock stands still at the showcase's moment, so ages and countdowns are exact.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from textual.binding import Binding
from textual.widgets import Input

from console.app import PALETTE, ConsoleApp
from console.screens.help import KEYS, HelpScreen
from console.screens.main import MainScreen
from console.showcase import Showcase
from console.widgets.dag_view import DagView
from engine.api import Engine, open_engine
from engine.clock import FakeClock
from engine.ids import short_id
from tests.console.support import (
    SIZE,
    console,
    detail_text,
    focused,
    header_text,
    key_values,
    loaded,
    main_screen,
    select_step,
    select_task,
    step_cell,
    steps,
    task_cell,
    tasks,
    until,
)
from tests.engine.support import DATA, HANDLERS


def shown_order(app: ConsoleApp) -> list[str]:
    return key_values(row.key for row in tasks(app).ordered_rows)


async def test_the_list_shows_each_task_newest_first_with_its_state_and_progress(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        listed = await engine.list_tasks(limit=100)
        assert shown_order(app) == [t["task_uuid"] for t in listed]
        declined, waiting = showcase.tasks["declined"], showcase.tasks["waiting"]
        assert task_cell(app, declined, "uuid") == short_id(declined)
        assert task_cell(app, declined, "task") == "ecommerce/order_processing@1.0.0"
        assert task_cell(app, declined, "state") == "✗ blocked_by_failures"
        assert task_cell(app, declined, "progress") == "1/5 ✗1"
        assert task_cell(app, waiting, "state") == "↻ waiting_for_retry"
        assert task_cell(app, showcase.tasks["complete"], "age") == "7m"
        assert task_cell(app, declined, "initiator") == "storefront"
        assert tasks(app).border_title == f"tasks {len(listed)}"


async def test_the_header_names_the_database_the_worker_and_counts_per_state(
    engine: Engine,
) -> None:
    app = console(engine, db_label="showcase.db")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        counts = await engine.task_counts()
        text = header_text(app)
        assert "showcase.db" in text and "observing (no embedded worker)" in text
        for state, count in counts.items():
            assert f"{count} {state}" in text
        assert "6 complete" in text and "2 blocked_by_failures" in text


async def test_a_blocked_task_shows_graph_failed_step_error_and_who_did_what(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, showcase.tasks["declined"])
        await select_step(pilot, "process_payment")
        picture = app.screen.query_one(DagView).picture
        assert picture is not None
        dag = picture.plain()
        assert "[✓ validate_cart]" in dag and "[✗ process_payment]" in dag
        assert "[· update_inventory]" in dag and "│" in dag
        assert step_cell(app, "process_payment", "error") == "PERMANENT PAYMENT_DECLINED"
        assert step_cell(app, "process_payment", "attempts") == "1/2"
        assert step_cell(app, "validate_cart", "duration").endswith(" ms")
        text = detail_text(app)
        assert "PERMANENT  permanent_error  PAYMENT_DECLINED" in text
        assert "card declined by the issuer (token ••••)" in text
        assert "tok_test_declined" not in text, "a secret quoted in a message is masked"
        assert "in_progress → error" in text and "showcase-worker" in text
        assert "validated_items" in text, "the dependency's results are shown"


async def test_a_waiting_step_counts_down_with_the_rule_that_set_the_delay(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, showcase.tasks["waiting"])
        assert main_screen(app).selected_step == "process_payment"
        payment = next(
            s for s in (await engine.get_task(showcase.tasks["waiting"]))["steps"]
            if s["name"] == "process_payment"
        )  # fmt: skip
        left_ms = payment["next_retry_at"] - showcase.now_ms
        assert step_cell(app, "process_payment", "retry") == f"retry in {left_ms / 1000:.1f}s"
        assert step_cell(app, "process_payment", "rule") == (
            "exponential 100 ms × 2^0, Retry-After 2 s"
        )
        assert step_cell(app, "process_payment", "error") == "RETRYABLE RATE_LIMITED"
        clock = engine.clock
        assert isinstance(clock, FakeClock)
        clock.advance(1_000)
        await until(
            pilot,
            lambda: (
                step_cell(app, "process_payment", "retry")
                == f"retry in {(left_ms - 1000) / 1000:.1f}s"
            ),
            "the countdown move on",
        )
        clock.advance(5_000)
        await until(
            pilot, lambda: step_cell(app, "process_payment", "retry") == "retry due", "retry due"
        )


async def test_an_unclassified_error_shows_its_traceback(tmp_path: Path) -> None:
    async with open_engine(
        tmp_path / "t.db", templates=[DATA], handlers=HANDLERS, clock=FakeClock()
    ) as engine:
        made = await engine.create_task(
            "flaky_chain", "testing", {"script": {"first": ["crash", "crash", "crash"]}}
        )
        await engine.run_until_idle()
        app = console(engine)
        async with app.run_test(size=SIZE) as pilot:
            await select_task(pilot, made.task["task_uuid"])
            await select_step(pilot, "first")
            assert step_cell(app, "first", "error") == "UNCLASSIFIED"
            text = detail_text(app)
            assert "Traceback (most recent call last)" in text
            assert "RuntimeError: unexpected None" in text


async def test_slash_filters_by_text_and_by_state_and_escape_in_the_box_clears(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        everything = tasks(app).row_count
        await pilot.press("slash", *"state:blocked")
        await pilot.pause()
        blocked = {showcase.tasks["declined"], showcase.tasks["approval"]}
        assert set(shown_order(app)) == blocked
        assert tasks(app).border_title == f"tasks {everything} · 2 match “state:blocked”"
        await pilot.press("escape")  # in the box: clears the filter
        await pilot.pause()
        assert tasks(app).row_count == everything
        await pilot.press("slash", *"diamond")
        await pilot.pause()
        diamonds = [t["task_uuid"] for t in await engine.list_tasks(limit=100)]
        diamonds = [
            u for u in diamonds if (await engine.get_task(u))["name"] == "order_processing_diamond"
        ]
        assert set(shown_order(app)) == set(diamonds)
        await pilot.press("enter")  # keep the filter, back to the list
        assert app.focused is tasks(app)
        await pilot.press("escape")  # outside the box esc only moves the focus
        await pilot.pause()
        assert set(shown_order(app)) == set(diamonds)
        await pilot.press("slash", "escape")  # the box again: esc there clears it
        await pilot.pause()
        assert tasks(app).row_count == everything


async def test_a_kept_filter_survives_esc_and_tab_and_typed_keys(
    engine: Engine, showcase: Showcase
) -> None:
    """enter keeps the filter; esc from a detail pane, tab round the panes and ? typed on
    the way change nothing listed; bare state words filter as help says."""
    app = console(engine)
    blocked = {showcase.tasks["declined"], showcase.tasks["approval"]}
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        everything = tasks(app).row_count
        await pilot.press("slash", *"blocked", "enter")
        await pilot.pause()
        assert set(shown_order(app)) == blocked, "a bare state word filters by state"
        assert tasks(app).border_title == f"tasks {everything} · 2 match “blocked”"
        await pilot.press("enter")  # open the task: its steps
        await pilot.pause()
        await pilot.press("enter")  # open the step: its detail
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "step-detail"
        await pilot.press("escape", "escape")  # back to the steps, back to the list
        await pilot.pause()
        assert app.focused is tasks(app)
        for _ in range(5):  # once round the panes and on: never into the filter box
            await pilot.press("tab")
            await pilot.pause()
            assert app.focused is not None and app.focused.id != "filter"
            await pilot.press("question_mark")
            await pilot.pause()
            assert type(app.screen).__name__ == "HelpScreen", "? is help, not filter text"
            await pilot.press("escape")
            await pilot.pause()
        assert set(shown_order(app)) == blocked
        assert main_screen(app).query_one("#filter", Input).value == "blocked"
        await pilot.press("slash", "ctrl+u", *"waiting", "enter")
        await pilot.pause()
        waiting = {
            t["task_uuid"]
            for t in await engine.list_tasks(limit=100)
            if t["status"].startswith("waiting")
        }
        assert waiting and set(shown_order(app)) == waiting
        assert tasks(app).border_title == f"tasks {everything} · {len(waiting)} match “waiting”"


async def test_s_and_header_clicks_sort_the_list(engine: Engine, showcase: Showcase) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        newest_first = shown_order(app)
        assert str(tasks(app).columns[tasks(app).ordered_columns[4].key].label) == "age ▼"
        await pilot.press("s")  # age → initiator
        await pilot.press("s")  # initiator → uuid
        await pilot.pause()
        assert tasks(app).sort_column == "uuid"
        assert shown_order(app) == sorted(newest_first, key=short_id)
        await pilot.click("#tasks", offset=(4, 1))  # the uuid header again: reversed
        await pilot.pause()
        assert shown_order(app) == sorted(newest_first, key=short_id, reverse=True)
        await pilot.press("s", "s", "s")  # task, state, progress
        await pilot.pause()
        progress = [task_cell(app, u, "progress") for u in shown_order(app)]
        fractions = [int(p.split("/")[0]) / int(p.split("/")[1].split()[0]) for p in progress]
        assert fractions == sorted(fractions)


async def test_changes_made_elsewhere_update_rows_in_place_and_keep_the_selection(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, showcase.tasks["declined"])
        order = shown_order(app)
        await engine.cancel_task(showcase.tasks["pending"], "from the CLI", "bob")
        await until(
            pilot,
            lambda: task_cell(app, showcase.tasks["pending"], "state") == "⊘ cancelled",
            "the cancel made elsewhere",
        )
        assert tasks(app).selected_uuid == showcase.tasks["declined"]
        assert shown_order(app) == order
        made = await engine.create_task(
            "user_registration", "microservices", {"email": "x@example.com", "full_name": "X"}
        )
        uuid = made.task["task_uuid"]
        await until(pilot, lambda: tasks(app).has_row(uuid), "the new task")
        assert shown_order(app)[0] == uuid
        assert tasks(app).selected_uuid == showcase.tasks["declined"]


async def test_secrets_are_masked_everywhere_until_revealed(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, showcase.tasks["declined"])
        await select_step(pilot, "process_payment")
        assert "tok_test_declined" not in detail_text(app)
        assert '"payment_token": "••••"' in detail_text(app)
        assert "token ••••)" in step_cell(app, "process_payment", "message")
        await pilot.press("v")
        await pilot.pause()
        assert '"payment_token": "tok_test_declined"' in detail_text(app)
        assert "(token tok_test_dec" in step_cell(app, "process_payment", "message")
        await pilot.press("v")
        await pilot.pause()
        assert "tok_test_declined" not in detail_text(app)


async def test_the_failed_step_is_selected_and_drawn_highlighted_when_a_task_opens(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, showcase.tasks["approval"])
        assert main_screen(app).selected_step == "get_manager_approval"
        assert steps(app).selected_step == "get_manager_approval"
        picture = app.screen.query_one(DagView).picture
        assert picture is not None
        line, _, _ = picture.boxes["get_manager_approval"]
        styles = {str(span.style) for span in picture.lines[line].spans}
        assert any("reverse" in style for style in styles)
        await pilot.press("enter")  # open the task: focus on its steps
        assert focused(app) is steps(app)
        await pilot.press("escape")
        assert focused(app) is tasks(app)


def test_every_key_of_the_design_is_bound_in_the_footer_help_and_palette() -> None:
    design = {
        "slash": "filter",
        "n": "new_task",
        "r": "retry_step",
        "R": "retry_all",
        "m": "resolve_step",
        "c": "complete_step",
        "x": "cancel_task",
        "g": "give_up",
        "space": "toggle_worker",
    }
    # Both classes declare their bindings as Binding objects (not tuples).
    bound = {b.key: b for b in cast("list[Binding]", MainScreen.BINDINGS)}
    for key, action in design.items():
        assert bound[key].action == action and bound[key].show, key
    assert {"question_mark", "q"} <= {b.key for b in cast("list[Binding]", ConsoleApp.BINDINGS)}
    in_help = {part.strip() for key, _ in KEYS for part in key.split(" / ")}
    for key in ("/", "enter", "tab", "n", "r", "R", "m", "c", "x", "g", "space", "?", "q"):
        assert key in in_help, key
    assert "ctrl+p" in in_help
    assert set(design.values()) <= {action for action, _, _ in PALETTE}


async def test_help_and_the_palette_open_from_their_keys(engine: Engine) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {title for _, title, _ in PALETTE} <= titles
        assert "Help" in titles


async def test_a_steps_domain_events_show_in_its_pane_with_their_deliveries(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, showcase.tasks["complete"])
        await select_step(pilot, "process_payment")
        await until(pilot, lambda: "order.paid" in detail_text(app), "the step's event")
        text = detail_text(app)
        assert "events" in text and "durable" in text and "delivered" in text
        assert "1 ok" in text  # the shipped receipts subscriber took it
        await select_step(pilot, "validate_cart")
        await until(
            pilot, lambda: detail_text(app).lstrip().startswith("validate_cart"), "the other step"
        )
        assert "order.paid" not in detail_text(app)  # a step that publishes nothing shows none
