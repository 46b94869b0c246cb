"""Which action applies, why not, and how an attempt's outcome is told (pure rules)."""

from __future__ import annotations

from console.screens.action_rules import attempt_outcome, why_not
from console.screens.new_task import unfilled_placeholders
from console.step_order import steps_in_order


def step(state: str, attempt: int = 1, code: str | None = None) -> dict:
    error = {"error_code": code, "error_type": "permanent_error"} if code else None
    return {"name": "process_payment", "current_state": state, "attempt": attempt, "error": error}


def test_an_attempt_is_told_once_it_has_ended() -> None:
    before = step("error", 1, "PAYMENT_DECLINED")
    assert attempt_outcome(before, step("pending", 1)) is None, "not run yet"
    assert attempt_outcome(before, step("in_progress", 2)) is None, "still running"
    assert attempt_outcome(before, step("error", 2, "PAYMENT_DECLINED")) == (
        "process_payment: attempt 2 → ✗ PAYMENT_DECLINED again"
    )
    assert attempt_outcome(before, step("error", 2, "CARD_EXPIRED")) == (
        "process_payment: attempt 2 → ✗ CARD_EXPIRED"
    )
    assert attempt_outcome(before, step("complete", 2)) == (
        "process_payment: attempt 2 → ✓ complete"
    )
    assert attempt_outcome(before, step("waiting_for_retry", 2, "GATEWAY_TIMEOUT")) == (
        "process_payment: attempt 2 → ↻ GATEWAY_TIMEOUT, retry waiting"
    )


def test_every_refusal_says_why_in_one_line() -> None:
    blocked = {"status": "blocked_by_failures", "steps": [step("error", 1, "X")]}
    done = {"status": "complete", "steps": [step("complete")]}
    assert why_not("retry_step", blocked, step("error")) is None
    assert why_not("give_up", blocked, None) is None
    assert why_not("retry_step", None, None) == "select a task first (↑/↓ or j/k in the task list)"
    assert why_not("retry_step", done, step("complete")) == (
        "process_payment cannot be retried: it is complete"
    )
    assert why_not("resolve_step", done, step("complete")) == (
        "process_payment cannot be resolved: it is complete"
    )
    assert why_not("retry_all", done, None) == (
        "no step of this task has failed (complete): nothing to retry"
    )
    assert why_not("cancel_task", done, None) == (
        "the task is already finished (complete): there is nothing left to cancel"
    )
    assert why_not("give_up", done, None) == (
        "give up applies to a task blocked by failures; this one is complete"
    )
    assert why_not("retry_step", blocked, step("waiting_for_retry")) is None, "r: retry now"
    assert why_not("retry_step", blocked, step("in_progress")) == (
        "process_payment cannot be retried: it is running now (x cancels the task)"
    )


def test_placeholders_left_as_they_were_are_named() -> None:
    skeleton = {"source": "", "limit": 0, "dry_run": False, "range": {"from": ""}}
    edited = {"source": "crm", "limit": 0, "dry_run": False, "range": {"from": ""}}
    assert unfilled_placeholders(edited, skeleton) == [
        "$.limit: still the skeleton's placeholder 0: fill it in or remove it",
        '$.range.from: still the skeleton\'s placeholder "": fill it in or remove it',
    ]
    assert unfilled_placeholders({"source": "crm", "limit": 5}, skeleton) == []


def test_batch_clones_come_before_the_step_that_joins_them() -> None:
    template = [("analyze", []), ("batch", ["analyze"]), ("aggregate", ["batch"])]
    created = [
        {"name": "analyze"},
        {"name": "batch", "template_step": "batch"},
        {"name": "aggregate"},
        {"name": "batch_001", "template_step": "batch"},
        {"name": "batch_002", "template_step": "batch"},
    ]
    order = [s["name"] for s in steps_in_order(created, template)]
    assert order == ["analyze", "batch", "batch_001", "batch_002", "aggregate"]
