"""The impact preview, pure: what each operator action will run, fail, leave and not know."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from engine.impact import Need, impact_of, timed_out_after_start
from engine.results_summary import results_summary

CHARGE = {
    "payment_id": "pay_3f2a9c1b7d4e",
    "transaction_id": "txn_81aa",
    "amount_charged": 363.37,
    "currency": "USD",
    "status": "completed",
    "card_token": "tok_live_secret_4242",
}


class Payment(BaseModel):
    payment_id: str
    amount_charged: float


def step(name: str, state: str, deps: list[str] | None = None, **more: Any) -> dict[str, Any]:
    return {"name": name, "current_state": state, "dependencies": deps or [], **more}


def checkout(payment: str = "error", **payment_fields: Any) -> dict[str, Any]:
    """validate_cart -> process_payment -> update_inventory -> create_order."""
    return {
        "task_uuid": "t-1",
        "steps": [
            step("validate_cart", "complete", results={"subtotal": 336.45, "item_count": 2}),
            step("process_payment", payment, ["validate_cart"], **payment_fields),
            step("update_inventory", "pending", ["process_payment"]),
            step("create_order", "pending", ["update_inventory"]),
        ],
    }


NEEDS = {
    "validate_cart": (),
    "process_payment": (Need("cart", "validate_cart"),),
    "update_inventory": (Need("cart", "validate_cart"),),
    "create_order": (Need("payment", "process_payment", Payment),),
}


def test_retrying_a_step_runs_it_again_then_its_dependents() -> None:
    found = impact_of("retry_step", checkout(), "process_payment", needs=NEEDS)
    assert found.runs_again == ("process_payment",)
    assert found.then_runs == ("update_inventory", "create_order")
    assert found.not_undone == (
        "validate_cart completed: subtotal 336.45; not re-run: its results stand",
    )
    assert found.lines()[:2] == [
        "runs again: process_payment",
        "then runs: update_inventory, create_order",
    ]


def test_retry_all_runs_every_failed_step_and_says_what_still_waits() -> None:
    task = checkout()
    task["steps"].append(step("send_receipt", "pending", ["create_order", "audit_log"]))
    task["steps"].append(step("audit_log", "cancelled"))
    found = impact_of("retry_all", task)
    assert found.runs_again == ("process_payment",)
    assert found.then_runs == ("update_inventory", "create_order")
    assert found.still_waiting == ("send_receipt",)  # audit_log will never satisfy it


def test_resolving_a_step_a_dependent_reads_through_a_model_says_it_will_fail() -> None:
    found = impact_of("resolve_step", checkout(), "process_payment", needs=NEEDS)
    assert found.then_runs == ("update_inventory", "create_order")
    assert found.will_fail == (
        "create_order: @depends_on(payment=process_payment, Payment) expects results; "
        "a resolved step has none",
    )
    assert found.unknown == ()


def test_an_unknown_handler_is_said_unknown_not_guessed() -> None:
    needs = {**NEEDS, "create_order": None}
    found = impact_of("resolve_step", checkout(), "process_payment", needs=needs)
    assert found.will_fail == ()
    assert found.unknown == (
        "create_order: its handler is not known here; whether it needs process_payment's "
        "results is unknown",
    )
    nothing_known = impact_of("resolve_step", checkout(), "process_payment")
    assert len(nothing_known.unknown) == 2  # both dependents: over HTTP no handler is seen


def test_completing_with_results_checks_them_against_the_dependents_model() -> None:
    bad = impact_of(
        "complete_step", checkout(), "process_payment", needs=NEEDS, results={"payment_id": 7}
    )
    assert len(bad.will_fail) == 1
    assert bad.will_fail[0].startswith("create_order: @depends_on(payment=process_payment")
    assert "payment_id: Input should be a valid string" in bad.will_fail[0]
    assert "amount_charged: Field required" in bad.will_fail[0]
    good = impact_of("complete_step", checkout(), "process_payment", needs=NEEDS, results=CHARGE)
    assert good.will_fail == ()
    before = impact_of("complete_step", checkout(), "process_payment", needs=NEEDS)
    assert before.expects == (
        "create_order: @depends_on(payment=process_payment, Payment) needs payment_id, "
        "amount_charged",
    )


def test_cancelling_says_what_it_stops_and_what_it_does_not_refund() -> None:
    task = checkout("complete", results=CHARGE)
    task["steps"][2]["current_state"] = "error"
    found = impact_of("cancel_task", task, secrets=("tok_live_secret_4242",))
    assert found.stops == ("update_inventory", "create_order")
    assert found.runs_again == () and found.then_runs == ()
    charged = found.not_undone[1]
    assert charged == (
        "process_payment completed: payment_id pay_3f2a9c1b7d4e, transaction_id txn_81aa, "
        "amount_charged $363.37, status completed; cancelling does not refund it"
    )
    assert "tok_live" not in " ".join(found.lines())
    assert impact_of("give_up", task).not_undone[1].endswith("giving up does not refund it")


def test_a_step_that_timed_out_after_starting_is_an_unknown_outcome() -> None:
    timeout = {
        "error_type": "retryable_error",
        "error_code": "GATEWAY_TIMEOUT",
        "message": "payment gateway gave no answer within 5s",
    }
    task = checkout("waiting_for_retry", error=timeout)
    found = impact_of("cancel_task", task)
    assert found.outcome_unknown == (
        "process_payment: outcome unknown: its last attempt timed out after starting "
        "(GATEWAY_TIMEOUT); what it sent may have taken effect",
    )
    task = checkout("error", error=timeout)
    again = impact_of("retry_step", task, "process_payment")
    assert again.outcome_unknown[0].endswith(
        "running it again repeats it (safe if its handler is idempotent)"
    )


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"error_type": "handler_timeout"}, "ran past its timeout after starting"),
        ({"error_type": "timeout", "error_code": "timeout"}, "timed out after starting (timeout)"),
        (
            {"error_type": "timeout", "metadata": {"exception_type": "ConnectTimeout"}},
            None,  # the request never left
        ),
        ({"error_type": "permanent_error", "error_code": "PAYMENT_DECLINED"}, None),
        (None, None),
    ],
)
def test_which_errors_leave_the_outcome_unknown(error: Any, expected: str | None) -> None:
    assert timed_out_after_start(error) == expected


def test_a_running_step_is_named_when_cancelling() -> None:
    found = impact_of("cancel_task", checkout("in_progress"))
    assert found.outcome_unknown == (
        "process_payment is running now: it is asked to stop; what it has sent already may "
        "take effect",
    )


def test_results_summary_is_short_masked_and_literal() -> None:
    assert results_summary(None) == "no results"
    assert results_summary({"note": "x", "other": 1}) == "2 keys"
    text = results_summary({"order_id": "ORD-\x1b[2J1", "total": 12.5, "status": "ok"})
    assert text == "order_id ORD-␛[2J1, total 12.5, status ok"
    assert results_summary({"api_token_id": "abcdef123456"}) == "api_token_id ••••"


def test_an_unknown_action_or_step_is_refused() -> None:
    with pytest.raises(ValueError, match="no impact preview"):
        impact_of("explode", checkout())
    with pytest.raises(ValueError, match="no step 'nope'"):
        impact_of("retry_step", checkout(), "nope")


def test_a_context_diff_is_masked_literal_and_secrets_left_masked_keep_their_value() -> None:
    from engine.context_diff import context_diff, diff_lines, masked_for_editing, unmasked

    old = {"email": "a@x.io", "payment_token": "tok_live_abcdef", "items": [1], "gone": True}
    shown = masked_for_editing(old)
    assert shown["payment_token"] == "••••"
    edited = {**shown, "email": "b@x.io\x1b[2J", "coupon": "SPRING"}
    del edited["gone"]
    new = unmasked(edited, old)
    assert new["payment_token"] == "tok_live_abcdef", "an untouched secret keeps its value"
    assert diff_lines(context_diff(old, new)) == [
        '~ $.email: "a@x.io" → "b@x.io\\u001b[2J"',  # JSON escapes it: no control reaches
        "- $.gone: true",
        '+ $.coupon: "SPRING"',
    ]
    retyped = unmasked({**edited, "payment_token": "tok_live_new123"}, old)
    assert diff_lines(context_diff(old, retyped))[1] == '~ $.payment_token: "••••" → "••••"'


def test_needs_are_read_from_depends_on_and_unknown_for_class_handlers() -> None:
    from engine.handlers.base import StepHandler
    from engine.handlers.functional import depends_on, inputs, make_handler_class
    from engine.impact_needs import handler_needs

    @depends_on(payment=("process_payment", Payment), cart="validate_cart")
    @inputs("email")
    def create_order(payment: Any, cart: Any, email: Any) -> dict[str, Any]:
        return {}

    class ClassBased(StepHandler):
        handler_name = "class_based"

    functional = make_handler_class(create_order, "create_order")
    assert handler_needs(functional) == (
        Need("payment", "process_payment", Payment),
        Need("cart", "validate_cart"),
    )
    assert handler_needs(ClassBased) is None, "a class reads its results in code: unknown"
    assert handler_needs(None) is None, "a handler not found here: unknown"


def test_a_task_of_thousands_of_steps_previews_in_a_screenful() -> None:
    steps = [step("root", "error")]
    steps += [step(f"clone_{i}", "complete", ["root"], results={"id": i}) for i in range(3000)]
    found = impact_of("cancel_task", {"steps": steps})
    assert len(found.not_undone) == 3000, "the JSON keeps every finding"
    lines = found.lines()
    assert len(lines) == 11 and lines[-1] == "  … and 2992 more"
    assert lines[0] == "stops: root"
    many = impact_of(
        "retry_step", {"steps": [*steps, step("join", "pending", ["clone_1"])]}, "root"
    )
    assert many.lines()[1] == "then runs: join"


def test_completing_checks_the_results_against_the_step_s_own_result_schema() -> None:
    schema = {"type": "object", "required": ["payment_id"], "properties": {"payment_id": {}}}
    bad = impact_of(
        "complete_step", checkout(), "process_payment", results={"x": 1}, result_schema=schema
    )
    assert bad.will_fail[0] == (
        "process_payment: its result_schema: $: missing required property 'payment_id'"
    )
    good = impact_of(
        "complete_step", checkout(), "process_payment", results=CHARGE, result_schema=schema
    )
    assert not any("result_schema" in line for line in good.will_fail)
    before = impact_of("complete_step", checkout(), "process_payment", result_schema=schema)
    assert before.expects[0] == "process_payment: its result_schema requires payment_id"
