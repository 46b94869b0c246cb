"""Every operator action, by its key, through the real engine on the showcase database.

Each test checks three things: what the console shows afterwards, the task's and step's new
states in the database, and the audit row with the operator's name and reason.
"""

from __future__ import annotations

import json

from textual.message import Message
from textual.widgets import Input, TextArea

from console.messages import ActionFailed, ActionSucceeded
from console.screens.new_task import NewTaskModal
from console.screens.results import ResultsModal
from console.showcase import Showcase
from engine.api import Engine
from engine.ids import short_id
from tests.console.support import (
    OPERATOR,
    SIZE,
    confirm_with_reason,
    console,
    detail_text,
    loaded,
    main_screen,
    select_task,
    step_cell,
    task_cell,
    tasks,
    until,
)


def step_of(task: dict, name: str) -> dict:
    return next(s for s in task["steps"] if s["name"] == name)


async def test_retry_resets_the_failed_step_with_the_reason_in_its_audit(
    engine: Engine, showcase: Showcase
) -> None:
    declined = showcase.tasks["declined"]
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, declined)
        assert main_screen(app).selected_step == "process_payment", "the failed step is selected"
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "ReasonModal", "an empty reason is refused"
        await pilot.press(*"customer updated the card", "enter")
        await until(
            pilot, lambda: step_cell(app, "process_payment", "state") == "· pending", "pending"
        )
        task = await engine.get_task(declined)
        payment = step_of(task, "process_payment")
        assert (payment["current_state"], payment["attempts"]) == ("pending", 0)
        assert task["status"] != "blocked_by_failures"
        last = (await engine.step_audit(declined, "process_payment"))[-1]
        assert (last["from_state"], last["to_state"]) == ("error", "pending")
        assert (last["by"], last["reason"]) == (OPERATOR, "customer updated the card")
        await until(pilot, lambda: "customer updated the card" in detail_text(app), "the reason")


async def test_retry_all_resets_every_failed_step_of_the_task(fresh_engine: Engine) -> None:
    engine = fresh_engine
    bad_dates = {"start_date": "2026-02-07", "end_date": "2026-02-01"}
    made = await engine.create_task(
        "analytics_pipeline", "data_pipeline", {"source": "crm", "date_range": bad_dates}
    )
    uuid = made.task["task_uuid"]
    await engine.run_until_idle(3)  # the three extracts start together and all fail
    failed = [s["name"] for s in (await engine.get_task(uuid))["steps"] if s["error"]]
    assert failed == ["extract_sales_data", "extract_inventory_data", "extract_customer_data"]
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, uuid)
        assert task_cell(app, uuid, "progress") == "0/8 ✗3"
        await confirm_with_reason(pilot, "R", "date range corrected upstream")
        await until(
            pilot,
            lambda: [step_cell(app, n, "state") for n in failed] == ["· pending"] * 3,
            "every failed step pending",
        )
        task = await engine.get_task(uuid)
        assert [step_of(task, n)["current_state"] for n in failed] == ["pending"] * 3
        for name in failed:
            last = (await engine.step_audit(uuid, name))[-1]
            assert (last["from_state"], last["to_state"], last["by"]) == (
                "error",
                "pending",
                OPERATOR,
            )
            assert last["reason"] == "date range corrected upstream"


async def test_resolve_manually_closes_the_step_and_the_task_moves_on(
    engine: Engine, showcase: Showcase
) -> None:
    declined = showcase.tasks["declined"]
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, declined)
        await confirm_with_reason(pilot, "m", "paid by bank transfer")
        await until(
            pilot,
            lambda: step_cell(app, "process_payment", "state") == "✎ resolved_manually",
            "the step resolved",
        )
        assert task_cell(app, declined, "state") == "▶ steps_in_process"
        await engine.run_until_idle()  # the dependents may run now
        await until(
            pilot,
            lambda: step_cell(app, "update_inventory", "state") == "✓ complete",
            "the next step run",
        )
        last = (await engine.step_audit(declined, "process_payment"))[-1]
        assert (last["from_state"], last["to_state"]) == ("error", "resolved_manually")
        assert (last["by"], last["reason"]) == (OPERATOR, "paid by bank transfer")


async def test_complete_with_results_lets_dependents_read_them(
    engine: Engine, showcase: Showcase
) -> None:
    approval = showcase.tasks["approval"]
    request_id = step_of(await engine.get_task(approval), "validate_refund_request")["results"][
        "request_id"
    ]
    decision = {
        "approval_id": "apr_phone",
        "request_id": request_id,
        "approved": True,
        "approver": "mgr_ops",
        "approval_path": "manager_review",
        "auto_approved": False,
        "amount_approved": 80_000,
        "approved_at": "2026-01-01T09:10:00+00:00",
    }
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, approval)
        assert main_screen(app).selected_step == "get_manager_approval"
        await pilot.press("c")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ResultsModal)
        modal.query_one("#results-json", TextArea).load_text("{not json")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "invalid JSON" in str(modal.query_one("#results-error").render())
        modal.query_one("#results-json", TextArea).load_text(json.dumps(decision))
        modal.query_one("#reason", Input).value = "approved by phone"
        modal.query_one("#reason").focus()
        await pilot.press("enter")
        await until(
            pilot,
            lambda: step_cell(app, "get_manager_approval", "state") == "✓ complete",
            "the step complete",
        )
        await engine.run_until_idle()
        await until(
            pilot, lambda: task_cell(app, approval, "state") == "✓ complete", "the task complete"
        )
        task = await engine.get_task(approval)
        assert step_of(task, "get_manager_approval")["results"] == decision
        assert step_of(task, "update_ticket_status")["results"]["new_status"] == "resolved"
        last = (await engine.step_audit(approval, "get_manager_approval"))[-1]
        assert (last["to_state"], last["by"], last["reason"]) == (
            "complete",
            OPERATOR,
            "approved by phone",
        )


async def test_cancel_stops_the_task_and_its_unfinished_steps(
    engine: Engine, showcase: Showcase
) -> None:
    pending = showcase.tasks["pending"]
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, pending)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("escape")  # backing out changes nothing
        await pilot.pause()
        assert (await engine.get_task(pending))["status"] == "pending"
        await confirm_with_reason(pilot, "x", "customer withdrew")
        await until(
            pilot, lambda: task_cell(app, pending, "state") == "⊘ cancelled", "the task cancelled"
        )
        task = await engine.get_task(pending)
        assert {s["current_state"] for s in task["steps"]} == {"cancelled"}
        last = (await engine.task_audit(pending))[-1]
        assert (last["from_state"], last["to_state"]) == ("pending", "cancelled")
        assert (last["by"], last["reason"]) == (OPERATOR, "customer withdrew")
        await pilot.press("x")  # a cancelled task cannot be cancelled again: no dialog
        await pilot.pause()
        assert type(app.screen).__name__ == "MainScreen"


async def test_give_up_closes_a_blocked_task_as_error_and_is_offered_only_then(
    engine: Engine, showcase: Showcase
) -> None:
    declined, waiting = showcase.tasks["declined"], showcase.tasks["waiting"]
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, waiting)
        assert app.screen.check_action("give_up", ()) is None  # dimmed in the footer
        await pilot.press("g")
        await pilot.pause()
        assert type(app.screen).__name__ == "MainScreen"
        await select_task(pilot, declined)
        await confirm_with_reason(pilot, "g", "card cannot be charged")
        await until(pilot, lambda: task_cell(app, declined, "state") == "✗ error", "error")
        last = (await engine.task_audit(declined))[-1]
        assert (last["from_state"], last["to_state"]) == ("blocked_by_failures", "error")
        assert (last["by"], last["reason"]) == (OPERATOR, "card cannot be charged")


async def test_a_refused_action_is_one_line_and_changes_nothing(
    engine: Engine, showcase: Showcase
) -> None:
    declined = showcase.tasks["declined"]
    app = console(engine)
    seen: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await select_task(pilot, declined)
        await engine.give_up(declined, "closed from the CLI meanwhile", "bob")
        await confirm_with_reason(pilot, "r", "too late")
        await until(pilot, lambda: any(isinstance(m, ActionFailed) for m in seen), "a refusal")
        (refusal,) = {m.text for m in seen if isinstance(m, ActionFailed)}
        assert "step actions need an unfinished task" in refusal and "\n" not in refusal
        assert step_of(await engine.get_task(declined), "process_payment")["current_state"] == (
            "error"
        )


async def test_new_task_checks_the_schema_creates_and_selects_it(engine: Engine) -> None:
    context = {
        "customer_email": "kim@example.com",
        "payment_token": "tok_visa_9999",
        "items": [{"sku": "SKU-002", "name": "Charger", "quantity": 1, "unit_price": 24.5}],
    }
    app = console(engine)
    seen: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await loaded(pilot)
        before = tasks(app).row_count
        await pilot.press("n")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, NewTaskModal)
        await choose_template(pilot, modal, "ecommerce/order_processing@1.0.0")
        example = json.loads(modal.query_one("#context-json", TextArea).text)
        assert example["items"] == [{"sku": "", "name": "", "quantity": 0, "unit_price": 0}]
        assert set(example) == {"items", "customer_email", "payment_token", "shipping_address"}
        modal.query_one("#context-json", TextArea).load_text(json.dumps({"customer_email": 7}))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NewTaskModal), "a context the schema refuses is not sent"
        status = str(modal.query_one("#context-status").render())
        assert status == (
            "✗ $: missing required property 'items'\n"
            "✗ $.customer_email: expected string, got integer"
        )
        modal.query_one("#context-json", TextArea).load_text(json.dumps(context))
        await pilot.pause()
        assert "matches the template's input_schema" in str(
            modal.query_one("#context-status").render()
        )
        await pilot.press("ctrl+s")
        await until(pilot, lambda: tasks(app).row_count == before + 1, "the new task")
        created = (await engine.list_tasks(limit=1))[0]
        await until(pilot, lambda: tasks(app).selected_uuid == created["task_uuid"], "selection")
        assert (created["initiator"], created["reason"]) == (OPERATOR, "created from the console")
        assert task_cell(app, created["task_uuid"], "state") == "· pending"

        await pilot.press("n")  # the same context again: the existing task, not a second one
        await pilot.pause()
        app.screen.query_one("#context-json", TextArea).load_text(json.dumps(context))
        await pilot.press("ctrl+s")
        duplicate = f"a task with this identity exists: showing {short_id(created['task_uuid'])}"
        await until(
            pilot,
            lambda: any(isinstance(m, ActionSucceeded) and m.text == duplicate for m in seen),
            "the duplicate notice",
        )
        assert tasks(app).selected_uuid == created["task_uuid"]
        assert len(await engine.list_tasks(limit=100)) == before + 1


async def choose_template(pilot, modal: NewTaskModal, key: str) -> None:
    """Open the template picker and walk to ``key`` with the arrow keys."""
    options = sorted(modal.templates)
    modal.query_one("#template").focus()
    await pilot.press("enter")
    await pilot.pause()
    current = options.index(modal.selected) if modal.selected in options else 0
    target = options.index(key)
    await pilot.press(*(["down"] * (target - current) or ["up"] * (current - target)), "enter")
    await pilot.pause()
    assert modal.selected == key
