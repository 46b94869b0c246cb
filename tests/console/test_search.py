"""``/`` finds orders: a customer's e-mail, an error code, with what matched on each row, the
right count in the title, and a one-line message for a query that cannot be read."""

from __future__ import annotations

from textual.widgets import Input

from console.app import ConsoleApp
from console.showcase import Showcase
from engine.api import Engine
from tests.console.support import (
    SIZE,
    console,
    key_values,
    loaded,
    main_screen,
    task_cell,
    tasks,
    until,
)


def shown(app: ConsoleApp) -> set[str]:
    return set(key_values(row.key for row in tasks(app).ordered_rows))


async def test_a_customer_email_finds_the_order_and_names_the_field(
    engine: Engine, showcase: Showcase
) -> None:
    declined = showcase.tasks["declined"]
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        everything = tasks(app).row_count
        await pilot.press("slash", *"bo@example.com")
        await until(pilot, lambda: shown(app) == {declined}, "the order of bo@example.com")
        assert task_cell(app, declined, "task").endswith(" · ctx.customer_email")
        assert tasks(app).border_title == f"tasks {everything} · 1 match “bo@example.com”"
        await pilot.press("enter")  # keep it; the shown task is the one found
        await until(
            pilot,
            lambda: (main_screen(app).current_task or {}).get("task_uuid") == declined,
            "the found task's steps",
        )


async def test_an_error_code_finds_the_declined_orders_and_counts_them(
    engine: Engine, showcase: Showcase
) -> None:
    found = await engine.search_tasks("code:PAYMENT_DECLINED")
    declined = {showcase.tasks["declined"], showcase.tasks["gave_up"]}
    assert {t["task_uuid"] for t in found["tasks"]} == declined  # the showcase's two
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        everything = tasks(app).row_count
        await pilot.press("slash", *"code:PAYMENT_DECLINED")
        await until(pilot, lambda: shown(app) == declined, "the declined orders")
        assert all(task_cell(app, uuid, "task").endswith(" · code") for uuid in declined)
        title = f"tasks {everything} · 2 match “code:PAYMENT_DECLINED”"
        assert tasks(app).border_title == title
        await pilot.press(*" state:blocked")  # narrowed: the one still blocked
        await until(pilot, lambda: shown(app) == {showcase.tasks["declined"]}, "the blocked one")
        assert str(tasks(app).border_title).startswith(f"tasks {everything} · 1 match")


async def test_a_malformed_query_says_why_in_one_line_and_keeps_the_list(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"colour")
        await until(pilot, lambda: tasks(app).row_count == 0, "no task named colour")
        await pilot.press(*":red")
        await until(pilot, lambda: "⚠" in str(tasks(app).border_title), "the problem")
        title = str(tasks(app).border_title)
        assert "⚠ unknown field 'colour:'; use code:, step:, state: or ctx.KEY:" in title
        assert "\n" not in title
        await pilot.press("ctrl+u", *"ctx.customer_email:ada")  # read again once fixed
        ada = {showcase.tasks["complete"], showcase.tasks["refund"]}
        await until(pilot, lambda: shown(app) == ada, "ada's two tasks")
        assert "⚠" not in str(tasks(app).border_title)
        assert main_screen(app).query_one("#filter", Input).value == "ctx.customer_email:ada"


async def test_a_search_over_http_says_what_it_can_match(
    engine: Engine, showcase: Showcase
) -> None:
    """The remote data source cannot search contents: the title says so, names still filter."""
    from console.data import SearchUnavailable

    async def unavailable(query: str, limit: int = 1000) -> dict[str, object]:
        raise SearchUnavailable("over HTTP, / matches ids, names and states of loaded tasks")

    engine.search_tasks = unavailable  # type: ignore[method-assign]
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"diamond")
        await until(pilot, lambda: "over HTTP" in str(tasks(app).border_title), "the notice")
        assert showcase.tasks["diamond"] in shown(app)
