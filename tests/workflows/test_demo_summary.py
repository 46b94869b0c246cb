"""The demo's summary facts, computed from task views and the gateway's charges (pure)."""

from __future__ import annotations

from rich.console import Console
from tasker_workflows.demo.companions import companion_scenarios
from tasker_workflows.demo.gateway_state import Charge
from tasker_workflows.demo.mix import ScenarioKind, build_order_mix
from tasker_workflows.demo.report import render_summary
from tasker_workflows.demo.summary import DemoTask, summarise

STEPS = [
    "validate_cart",
    "process_payment",
    "update_inventory",
    "create_order",
    "send_confirmation",
]


def _charge(token, cents, key, requests=1):
    return Charge(
        id=f"pay_{key}",
        transaction_id="txn",
        authorization_code="AUTH",
        idempotency_key=key,
        token=token,
        amount_cents=cents,
        currency="USD",
        status="succeeded",
        created_at="2026-01-01T00:00:00+00:00",
        sequence=1,
        requests=requests,
    )


def _order_view(scenario, *, status=None, attempts=None, code=None):
    """The get_task view of an order that ended as ``scenario`` says, unless told otherwise."""
    status = status or scenario.expected_status
    attempts = attempts or scenario.expected_payment_attempts
    blocked = status == "blocked_by_failures"
    code = code or scenario.expected_error_code
    steps = []
    for name in STEPS:
        state = "complete" if not blocked else "pending"
        error = None
        if name == "validate_cart":
            state = "complete"
        if name == "process_payment" and blocked:
            state = "error"
            kind = (
                "permanent_error" if scenario.kind == ScenarioKind.DECLINED else "retryable_error"
            )
            error = {"error_type": kind, "error_code": code}
        tries = attempts if name == "process_payment" else (1 if state == "complete" else 0)
        steps.append(
            {
                "name": name,
                "current_state": state,
                "attempts": tries,
                "max_attempts": 2,
                "error": error,
            }
        )
    return {"status": status, "steps": steps}


def _companion_view(scenario):
    blocked = scenario.expected_status == "blocked_by_failures"
    step = {"name": "only", "current_state": "complete", "attempts": 1, "max_attempts": 1}
    if blocked:
        step = {
            "name": scenario.expected_failed_step,
            "current_state": "error",
            "attempts": 1,
            "max_attempts": 1,
            "error": {"error_type": "retryable_error", "error_code": scenario.expected_error_code},
        }
    return {"status": scenario.expected_status, "steps": [{"error": None, **step}]}


def _intended_run(orders=40, seed=2):
    """Tasks, views and charges of a run where everything ended as its scenario intends."""
    tasks, views, charges = [], {}, []
    for n, scenario in enumerate(build_order_mix(orders, seed)):
        uuid = f"order-{n:08d}"
        tasks.append(DemoTask(scenario, uuid, created=True))
        views[uuid] = _order_view(scenario)
        if scenario.expected_charges:
            replays = 1 if scenario.kind in ("slow", "post_charge_timeout") else 0
            key = f"{uuid}:process_payment"
            charges.append(
                _charge(scenario.token, scenario.expected_amount_cents, key, 1 + replays)
            )
    for n, companion in enumerate(companion_scenarios(seed)):
        uuid = f"companion-{n:04d}"
        tasks.append(DemoTask(companion, uuid, created=False))
        views[uuid] = _companion_view(companion)
    return tasks, views, charges


def _first(tasks, kind):
    return next(t for t in tasks if getattr(t.scenario, "kind", None) == kind)


def test_a_run_that_went_as_intended_is_summarised_and_passes():
    tasks, views, charges = _intended_run()
    paid = [t for t in tasks[:40] if t.scenario.expected_charges]
    summary = summarise(tasks, views, charges, confirmations=len(paid))
    assert summary.ok and summary.problems == [] and summary.excused == []
    assert (summary.orders, summary.companions, summary.created) == (40, 4, 40)
    assert summary.charges_taken == len(paid)
    assert summary.amount_charged_cents == sum(t.scenario.expected_amount_cents for t in paid)
    assert summary.double_charged_orders == 0
    assert summary.tasks_by_status == {
        "complete": len(paid) + 3,
        "blocked_by_failures": 40 - len(paid) + 1,
    }
    assert summary.payment_attempts == sum(t.scenario.expected_payment_attempts for t in tasks[:40])
    assert all(row.as_intended == row.tasks for row in summary.kinds)
    assert [row.kind for row in summary.kinds][:6] == [str(kind) for kind in ScenarioKind]
    codes = {row.error_code: row.why for row in summary.failures}
    assert codes["PAYMENT_DECLINED"] == "permanent"
    assert codes["AWAITING_APPROVAL"] == "retryable, 1/1 attempts used"


def test_a_second_charge_for_an_order_fails_the_run():
    tasks, views, charges = _intended_run()
    order = _first(tasks, ScenarioKind.POST_CHARGE_TIMEOUT)
    charges.append(_charge(order.scenario.token, order.scenario.expected_amount_cents, "other"))
    summary = summarise(tasks, views, charges, confirmations=0)
    assert summary.double_charged_orders == 1 and not summary.ok
    (problem,) = summary.problems
    assert (
        f"order {order.scenario.index:04d}" in problem
        and "charged 2 time(s), expected 1" in problem
    )


def test_an_order_that_ended_otherwise_is_named_with_what_differs():
    tasks, views, charges = _intended_run()
    declined = _first(tasks, ScenarioKind.DECLINED)
    exhausted = _first(tasks, ScenarioKind.RETRIES_EXHAUSTED)
    views[declined.task_uuid]["status"] = "steps_in_process"
    views[exhausted.task_uuid] = _order_view(exhausted.scenario, code="SOMETHING_ELSE")
    summary = summarise(tasks, views, charges, confirmations=0)
    assert not summary.ok
    assert any("still steps_in_process" in p for p in summary.problems)
    assert any("SOMETHING_ELSE" in p and exhausted.task_uuid[-8:] in p for p in summary.problems)
    row = next(r for r in summary.kinds if r.kind == "declined")
    assert row.as_intended == row.tasks - 1


def test_tasks_an_operator_changed_are_listed_not_judged():
    tasks, views, charges = _intended_run()
    exhausted = _first(tasks, ScenarioKind.RETRIES_EXHAUSTED)
    views[exhausted.task_uuid] = _order_view(exhausted.scenario, status="complete", attempts=1)
    declined = _first(tasks, ScenarioKind.DECLINED)
    views[declined.task_uuid]["status"] = "error"  # given up
    excused = {exhausted.task_uuid: "an operator acted on process_payment"}
    summary = summarise(tasks, views, charges, confirmations=0, excused=excused)
    assert summary.ok and summary.problems == []
    assert len(summary.excused) == 2
    assert any("an operator ended it" in line for line in summary.excused)


def test_extra_payment_attempts_are_a_note_not_a_failure():
    tasks, views, charges = _intended_run()
    success = _first(tasks, ScenarioKind.SUCCESS)
    views[success.task_uuid] = _order_view(success.scenario, attempts=2)
    summary = summarise(tasks, views, charges, confirmations=0)
    assert summary.ok
    (note,) = summary.notes
    assert note.startswith("1 payment attempt(s) more than planned")


def test_the_rendered_summary_shows_the_facts_and_the_verdict():
    tasks, views, charges = _intended_run()
    summary = summarise(tasks, views, charges, confirmations=7)
    console = Console(width=140, record=True)
    console.print(render_summary(summary, "Checkout demo, seed 2", ["Run again: ..."]))
    text = console.export_text()
    for words in [
        "Checkout demo, seed 2",
        "The mix",
        "post_charge_timeout",
        "Tasks by status",
        "Failed steps, waiting for an operator",
        "PAYMENT_DECLINED",
        "orders charged twice",
        "order confirmations in the outbox",
        "✓ all 44 tasks ended as their scenarios intended",
        "Run again: ...",
    ]:
        assert words in text
