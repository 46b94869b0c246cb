"""The failures view (``F``) on the showcase database, driven by keys with Pilot: groups by
cause, a group's tasks, opening a task, marks, bulk actions after a preview, handled ones."""

from __future__ import annotations

from typing import Any, cast

from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from console.app import ConsoleApp
from console.screens.confirm import ReasonModal
from console.screens.failures import FAILURES_PALETTE, BatchProgress, FailuresScreen
from console.screens.help import KEYS
from console.screens.main import MainScreen
from console.showcase import Showcase
from engine.api import Engine
from tests.console.support import OPERATOR, SIZE, console, loaded, main_screen, plain, until

DECLINED = "PAYMENT_DECLINED"


def view(app: ConsoleApp) -> FailuresScreen:
    screen = app.screen
    assert isinstance(screen, FailuresScreen), f"not the failures view: {type(screen).__name__}"
    return screen


def table(app: ConsoleApp, which: str) -> DataTable[Any]:
    return view(app).query_one(f"#failure-{which}", DataTable)


def column(app: ConsoleApp, which: str, key: str) -> list[str]:
    rows = table(app, which)
    return [plain(rows.get_cell(row.key, key)) for row in rows.ordered_rows]


def title(app: ConsoleApp) -> str:
    return str(view(app).query_one("#failures-title", Static).render())


async def opened(pilot: Pilot) -> ConsoleApp:
    app = cast(ConsoleApp, pilot.app)
    await loaded(pilot)
    await pilot.press("F")
    await until(pilot, lambda: view(app).loaded_once, "the failure groups")
    return app


async def to_group(pilot: Pilot, code: str) -> None:
    app = cast(ConsoleApp, pilot.app)
    codes = column(app, "groups", "code")
    row = next(i for i, text in enumerate(codes) if text.startswith(code))
    table(app, "groups").move_cursor(row=row)
    await pilot.pause()


async def confirm(pilot: Pilot, key: str, reason: str) -> str:
    """Press the action's key; wait for its preview; give the reason. The preview's text."""
    app = pilot.app
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, ReasonModal), f"the dialog of {key}")
    shown = " ".join(str(s.render()) for s in app.screen.query(Static))
    app.screen.query_one("#reason", Input).value = reason
    await pilot.press("enter")
    return shown


async def test_groups_by_cause_then_a_groups_tasks_then_the_task_in_the_main_screen(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        codes = column(app, "groups", "code")
        assert sorted(c.split()[0] for c in codes) == [
            "AWAITING_APPROVAL",
            DECLINED,
            "RATE_LIMITED",
        ]
        assert "3 outstanding in 3 groups" in title(app)
        row = codes.index(f"{DECLINED} (PERMANENT)")
        assert column(app, "groups", "step")[row] == "process_payment"
        assert column(app, "groups", "template")[row] == "order_processing"
        sample = column(app, "groups", "sample")[row]
        assert sample.startswith("card declined by the issuer (token ••••)")  # masked

        await to_group(pilot, DECLINED)
        await pilot.press("enter")
        await until(pilot, lambda: table(app, "tasks").display, "the group's tasks")
        declined = showcase.tasks["declined"]
        assert column(app, "tasks", "uuid") == [declined[-8:]]
        assert "enter opens a task" in title(app)
        await pilot.press("escape")  # back to the groups
        await until(pilot, lambda: table(app, "groups").display, "the groups again")
        await pilot.press("enter", "enter")  # the group, then its one task
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
        main = main_screen(app)
        await until(
            pilot,
            lambda: main.current_task is not None and main.current_task["task_uuid"] == declined,
            "the task opened from the failures view",
        )


async def test_marked_groups_are_retried_as_one_batch_after_a_preview(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    seen: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await opened(pilot)
        await to_group(pilot, DECLINED)
        await pilot.press("space")  # marks it; the cursor moves on
        assert "●" in column(app, "groups", "mark")[[c.split()[0] for c in column(
            app, "groups", "code")].index(DECLINED)]  # fmt: skip
        shown = await confirm(pilot, "R", "the customer updated the card")
        assert "retry process_payment in 1 task; 0 running; 3 dependents will run after it" in (
            shown
        )
        declined = showcase.tasks["declined"]

        async def reset() -> bool:
            task = await engine.get_task(declined)
            return bool(task["steps"][1]["current_state"] == "pending")

        await until(pilot, lambda: "1 done" in str(
            view(app).query_one("#failures-status", Static).render()), "the batch")  # fmt: skip
        progress = [(m.done, m.total) for m in seen if isinstance(m, BatchProgress)]
        assert set(progress) == {(1, 1)}  # one failed step: 1 of 1 (seen as it bubbles up)
        audit = await engine.step_audit(declined, "process_payment")
        assert audit[-1]["by"] == OPERATOR and audit[-1]["metadata"]["action"] == "reset"
        assert audit[-1]["reason"].startswith("the customer updated the card [batch ")
        await until(
            pilot,
            lambda: DECLINED not in " ".join(column(app, "groups", "code")),
            "the retried group gone from the outstanding ones",
        )
        assert await reset()


async def test_give_up_and_resolve_act_on_marked_tasks_and_h_shows_handled_ones(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        await to_group(pilot, DECLINED)
        await pilot.press("enter")
        await until(pilot, lambda: table(app, "tasks").display, "the group's tasks")
        await pilot.press("space")
        shown = await confirm(pilot, "g", "customer cancelled by phone")
        assert "give up 1 task (process_payment failed); 0 running; 3 dependents will not run" in (
            shown
        )
        declined = showcase.tasks["declined"]
        await until(pilot, lambda: not table(app, "tasks").display, "the group gone")
        assert (await engine.get_task(declined))["status"] == "error"

        await to_group(pilot, "AWAITING_APPROVAL")
        shown = await confirm(pilot, "m", "approved on the phone")  # nothing marked: the cursor's
        assert "resolve get_manager_approval in 1 task" in shown
        approval = showcase.tasks["approval"]
        await until(pilot, lambda: len(column(app, "groups", "code")) == 1, "one group left")
        step = next(
            s for s in (await engine.get_task(approval))["steps"]
            if s["name"] == "get_manager_approval"
        )  # fmt: skip
        assert step["current_state"] == "resolved_manually"

        await pilot.press("h")
        await until(pilot, lambda: "outstanding and handled" in title(app), "handled ones")
        await until(pilot, lambda: len(column(app, "groups", "code")) == 4, "the handled groups")
        tasks = column(app, "groups", "tasks")
        codes = [c.split()[0] for c in column(app, "groups", "code")]
        assert tasks[codes.index(DECLINED)] == "0/2 open"  # given up here, and the earlier one
        assert tasks[codes.index("GATEWAY_ERROR")] == "0/1 open"  # the retried checkout
        await pilot.press("h")
        await until(pilot, lambda: len(column(app, "groups", "code")) == 1, "outstanding only")


async def test_the_view_follows_new_failures_live_and_esc_closes_it(engine: Engine) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        assert len(column(app, "groups", "code")) == 3
        made = await engine.create_task(
            "order_processing", "ecommerce",
            {"customer_email": "ivy@example.com", "payment_token": "tok_test_declined",
             "items": [{"sku": "SKU-9", "name": "Lamp", "quantity": 1, "unit_price": 20.0}]},
        )  # fmt: skip
        await engine.run_until_idle()
        assert (await engine.get_task(made.task_uuid))["status"] == "blocked_by_failures"

        def declined_tasks() -> str:  # looked up each time: a retry may close another group
            codes = [c.split()[0] for c in column(app, "groups", "code")]
            return (
                column(app, "groups", "tasks")[codes.index(DECLINED)] if DECLINED in codes else ""
            )

        await until(pilot, lambda: declined_tasks() == "2", "the new failure, live")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")


async def test_f_is_in_the_footer_help_and_palette_of_both_screens(engine: Engine) -> None:
    bound = {b.key: b.action for b in cast("list[Any]", MainScreen.BINDINGS)}
    assert bound["F"] == "app.failures"
    own = {b.key: b.action for b in cast("list[Any]", FailuresScreen.BINDINGS)}
    assert (own["space"], own["R"], own["g"], own["m"], own["h"]) == (
        "mark", "act('retry')", "act('give_up')", "act('resolve')", "toggle_handled"
    )  # fmt: skip
    [failures_help] = [what for key, what in KEYS if key == "F"]
    assert all(k in failures_help for k in ("enter:", "space:", "R / g / m:", "h:"))
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Failures view" in titles
        await opened(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {title for _, title, _ in FAILURES_PALETTE} <= titles
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
