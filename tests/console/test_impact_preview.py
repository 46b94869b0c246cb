"""Every action dialog previews its impact before the operator confirms; ``E`` edits the
context and retries. Real engine, real shipped handlers, real Textual app through Pilot."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Label, Static, TextArea

from console.showcase import Showcase
from console.widgets.impact_preview import ImpactPreview
from engine.api import Engine
from engine.ids import short_id
from tests.console.support import (
    OPERATOR,
    SIZE,
    console,
    main_screen,
    select_step,
    select_task,
    step_cell,
    until,
)

# 80 phone cases: the card is charged, then the stock (75) is short: blocked after the charge.
SHORT_STOCK = {
    "customer_email": "ivy@example.com",
    "payment_token": "tok_visa_4242",
    "items": [{"sku": "SKU-004", "name": "Phone case", "quantity": 80, "unit_price": 4.20}],
}


async def charged_then_blocked(engine: Engine) -> str:
    made = await engine.create_task("order_processing", "ecommerce", SHORT_STOCK)
    await engine.run_until_idle(1)
    task = await engine.get_task(made.task_uuid)
    assert task["status"] == "blocked_by_failures"
    return made.task_uuid


def preview_of(app: Any) -> str:
    preview = app.screen.query_one(ImpactPreview)
    return "\n".join(preview.lines)


async def open_dialog(pilot: Any, key: str) -> str:
    """Press the action's key; the dialog's preview once the engine has answered."""
    await pilot.press(key)
    await until(pilot, lambda: bool(pilot.app.screen.query(ImpactPreview)), "a dialog")
    await until(pilot, lambda: bool(pilot.app.screen.query_one(ImpactPreview).lines), "preview")
    return preview_of(pilot.app)


async def test_retry_previews_what_runs_again_and_what_stands(
    engine: Engine, showcase: Showcase
) -> None:
    declined = showcase.tasks["declined"]
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, declined)
        text = await open_dialog(pilot, "r")
        title = str(app.screen.query_one(".dialog-title", Label).content)
        assert title == f"Retry step process_payment of task {short_id(declined)}?"
        assert "runs again: process_payment" in text
        assert "then runs: update_inventory, create_order, send_confirmation" in text
        assert "validate_cart completed: subtotal" in text
        await pilot.press("escape")
        text = await open_dialog(pilot, "R")
        assert "runs again: process_payment" in text


async def test_resolve_names_the_dependent_that_will_fail_for_want_of_results(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, showcase.tasks["declined"])
        text = await open_dialog(pilot, "m")
        assert "will fail for want of results:" in text
        assert "create_order: @depends_on(payment=process_payment, ProcessPaymentResult)" in text


async def test_complete_checks_the_typed_results_against_the_dependents_model(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, showcase.tasks["declined"])
        text = await open_dialog(pilot, "c")
        assert "dependents expect:" in text and "payment_id, transaction_id" in text
        app.screen.query_one(TextArea).text = '{"payment_id": "pay_1"}'
        await until(pilot, lambda: "will fail" in preview_of(app), "the typed results checked")
        assert "transaction_id: Field required" in preview_of(app)


async def test_cancel_after_a_charge_says_it_does_not_refund(fresh_engine: Engine) -> None:
    uuid = await charged_then_blocked(fresh_engine)
    app = console(fresh_engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, uuid)
        text = await open_dialog(pilot, "x")
        title = str(app.screen.query_one(".dialog-title", Label).content)
        assert title == f"Cancel task {short_id(uuid)}?", "the dialog names the task"
        assert "stops: update_inventory, create_order, send_confirmation" in text
        assert "amount_charged $362.88, status completed; cancelling does not refund it" in text
        assert "tok_visa" not in text
        await pilot.press("escape")
        text = await open_dialog(pilot, "g")
        assert "giving up does not refund it" in text


async def test_edit_context_shows_the_masked_diff_then_retries_with_the_new_context(
    fresh_engine: Engine,
) -> None:
    uuid = await charged_then_blocked(fresh_engine)
    app = console(fresh_engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, uuid)
        await pilot.press("E")
        await until(pilot, lambda: type(app.screen).__name__ == "EditContextModal", "the editor")
        area = app.screen.query_one(TextArea)
        assert '"payment_token": "••••"' in area.text, "secrets are masked in the editor"
        area.text = area.text.replace('"quantity": 80', '"quantity": 70')
        diff = app.screen.query_one("#context-diff", Static)
        await until(pilot, lambda: "$.items[0].quantity: 80 → 70" in str(diff.content), "the diff")
        app.screen.query_one("#reason", Input).value = "customer accepts 70"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: type(app.screen).__name__ == "MainScreen", "confirmed")
        await until(pilot, lambda: "pending" in step_cell(app, "update_inventory", "state"), "rr")
    task = await fresh_engine.get_task(uuid)
    assert task["context"]["items"][0]["quantity"] == 70
    assert task["context"]["payment_token"] == "tok_visa_4242", "the masked token kept its value"
    audit = await fresh_engine.task_audit(uuid)
    edited = next(row for row in audit if "context_diff" in (row["metadata"] or {}))
    assert edited["metadata"]["context_diff"] == ["~ $.items[0].quantity: 80 → 70"]
    assert (edited["by"], edited["reason"]) == (OPERATOR, "customer accepts 70")


async def test_edit_context_refuses_a_bad_context_in_the_dialog_and_writes_nothing(
    fresh_engine: Engine,
) -> None:
    uuid = await charged_then_blocked(fresh_engine)
    before = await fresh_engine.task_audit(uuid)
    app = console(fresh_engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, uuid)
        await pilot.press("E")
        await until(pilot, lambda: type(app.screen).__name__ == "EditContextModal", "the editor")
        error = app.screen.query_one("#context-error", Label)
        area = app.screen.query_one(TextArea)
        app.screen.query_one("#reason", Input).value = "try"
        area.text = "{not json"
        await pilot.press("ctrl+s")
        assert "invalid JSON at line 1" in str(error.content)
        area.text = '{"customer_email": "ivy@example.com", "items": "none"}'
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "input_schema" in str(error.content), "the refusal")
        assert "$.items: expected array" in str(error.content)
        assert type(app.screen).__name__ == "EditContextModal", "the dialog stays open"
    assert await fresh_engine.task_audit(uuid) == before


async def test_edit_context_on_a_finished_task_says_why_not(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, showcase.tasks["complete"])
        assert main_screen(app).why_not("edit_context") == (
            "the task is finished (complete): its context can no longer change"
        )
        await pilot.press("E")
        await pilot.pause()
        assert type(app.screen).__name__ == "MainScreen"


async def test_the_waiting_retry_s_run_now_dialog_previews_too(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, showcase.tasks["waiting"])
        await select_step(pilot, "process_payment")
        text = await open_dialog(pilot, "r")
        assert "runs again: process_payment" in text


def test_e_is_in_the_help_and_the_palette() -> None:
    from console.app import PALETTE
    from console.screens.help import KEYS

    assert any("E" in key.split(" / ") and "edit the context" in what for key, what in KEYS)
    assert any(action == "edit_context" for action, _, _ in PALETTE)


async def test_ctrl_o_without_an_editor_or_a_terminal_says_why_in_one_line(
    fresh_engine: Engine, monkeypatch: Any
) -> None:
    from textual.notifications import Notify

    uuid = await charged_then_blocked(fresh_engine)
    app = console(fresh_engine)
    seen: list[Any] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await select_task(pilot, uuid)
        await pilot.press("E")
        await until(pilot, lambda: type(app.screen).__name__ == "EditContextModal", "the editor")
        monkeypatch.delenv("EDITOR", raising=False)
        await pilot.press("ctrl+o")
        monkeypatch.setenv("EDITOR", "true")
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert type(app.screen).__name__ == "EditContextModal"
    toasts = [str(m.notification.message) for m in seen if isinstance(m, Notify)]
    assert "$EDITOR is not set: edit the JSON here" in toasts
    assert any(t.startswith("cannot open $EDITOR:") for t in toasts), toasts


async def test_at_80x24_the_dialog_scrolls_and_the_reason_still_confirms(
    fresh_engine: Engine,
) -> None:
    uuid = await charged_then_blocked(fresh_engine)
    app = console(fresh_engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await select_task(pilot, uuid)
        text = await open_dialog(pilot, "x")
        assert "cancelling does not refund it" in text
        reason = app.screen.query_one("#reason", Input)
        assert app.screen.focused is reason and reason.region.height > 0, "reason in view"
        await pilot.press(*"dup", "enter")
        await until(pilot, lambda: type(app.screen).__name__ == "MainScreen", "confirmed")
    task = await fresh_engine.get_task(uuid)
    assert task["status"] == "cancelled"
