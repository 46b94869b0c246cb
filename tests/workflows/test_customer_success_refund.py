"""customer_success/process_refund: request rules, policy routing, approval, and handler runs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tasker_workflows.customer_success import services as svc
from tasker_workflows.customer_success.models import TicketRefundInput
from tasker_workflows.errors import BusinessRuleError, TransientError, WorkflowError

from tests.workflows.local_runner import run_template

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def ticket(**overrides):
    return {
        "ticket_id": "TKT-1001",
        "customer_id": "CUST-42",
        "refund_amount": 2500,
        "refund_reason": "customer_request",
        "customer_email": "jane@example.com",
        **overrides,
    }


def request(**overrides):
    return svc.validate_request(TicketRefundInput.model_validate(ticket(**overrides)), now=NOW)


@pytest.mark.parametrize(
    ("customer", "tier"),
    [
        ("CUST-42", "standard"),
        ("cust-VIP-1", "premium"),
        ("premium-9", "premium"),
        ("gold-3", "gold"),
    ],
)
def test_tier_comes_from_the_customer_id(customer, tier):
    assert request(customer_id=customer).customer_tier == tier


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"ticket_id": None}, "MISSING_FIELD"),
        ({"customer_id": " "}, "MISSING_FIELD"),
        ({"refund_amount": 0}, "INVALID_AMOUNT"),
        ({"refund_amount": 1_000_001}, "INVALID_AMOUNT"),
        ({"refund_reason": "changed_my_mind"}, "INVALID_REASON"),
        ({"ticket_id": "ticket_closed_7"}, "TICKET_CLOSED"),
        ({"ticket_id": "ticket_cancelled_7"}, "TICKET_CLOSED"),
    ],
)
def test_request_failures_are_permanent(overrides, code):
    with pytest.raises(BusinessRuleError) as caught:
        request(**overrides)
    assert caught.value.code == code


def test_amount_and_reason_aliases():
    parsed = TicketRefundInput.model_validate({"amount": 900, "reason": "wrong_item"})
    assert (parsed.refund_amount, parsed.refund_reason) == (900, "wrong_item")


@pytest.mark.parametrize(
    ("amount", "reason", "path"),
    [
        (5_000, "customer_request", "auto_approved"),
        (5_001, "customer_request", "standard_review"),
        (50_000, "defective_product", "auto_approved"),
        (50_000, "duplicate_charge", "auto_approved"),
        (50_000, "late_delivery", "standard_review"),
        (50_001, "wrong_item", "manager_review"),
        (900_000, None, "manager_review"),
    ],
)
def test_policy_routing(amount, reason, path):
    assert svc.approval_path(amount, reason) == path


@pytest.mark.parametrize(
    ("customer", "days", "ok"),
    [
        ("CUST-1", 30, True),
        ("CUST-1", 31, False),
        ("gold-1", 60, True),
        ("gold-1", 61, False),
        ("vip-1", 90, True),
        ("vip-1", 91, False),
    ],
)
def test_refund_window_by_tier(customer, days, ok):
    refund = request(customer_id=customer)
    if ok:
        assert svc.check_policy(refund, days, 0, now=NOW).within_refund_window
    else:
        with pytest.raises(BusinessRuleError) as caught:
            svc.check_policy(refund, days, 0, now=NOW)
        assert caught.value.code == "OUTSIDE_REFUND_WINDOW"


def test_more_than_five_earlier_refunds_is_refused():
    assert svc.check_policy(request(), None, 5, now=NOW).policy_compliant
    with pytest.raises(BusinessRuleError) as caught:
        svc.check_policy(request(), None, 6, now=NOW)
    assert caught.value.code == "TOO_MANY_REFUNDS"


def test_approval_is_by_the_system_or_a_manager():
    small = request()
    assert (
        svc.approve(small, svc.check_policy(small, None, 0, now=NOW), now=NOW).approver == "system"
    )
    large = request(refund_amount=80_000)
    approval = svc.approve(large, svc.check_policy(large, None, 0, now=NOW), now=NOW)
    assert approval.approver.startswith("mgr_") and not approval.auto_approved


@pytest.mark.parametrize(
    ("ticket_id", "error", "code"),
    [
        ("ticket_denied_1", BusinessRuleError, "APPROVAL_DENIED"),
        ("ticket_pending_1", TransientError, "AWAITING_APPROVAL"),
    ],
)
def test_approval_triggers(ticket_id, error, code):
    refund = request(ticket_id=ticket_id)
    with pytest.raises(WorkflowError) as caught:
        svc.approve(refund, svc.check_policy(refund, None, 0, now=NOW), now=NOW)
    assert type(caught.value) is error and caught.value.code == code


# --- through the handlers -------------------------------------------------------------------


async def test_happy_path_resolves_the_ticket_and_delegates_to_payments():
    run = await run_template("customer_success", "process_refund", ticket(correlation_id="corr-1"))
    assert run.status == "complete" and len(run.steps) == 5
    execution = run.steps["execute_refund_workflow"].results
    assert (execution["target_namespace"], execution["target_workflow"]) == (
        "payments",
        "process_refund",
    )
    assert execution["correlation_id"] == "corr-1"
    final = run.steps["update_ticket_status"].results
    assert final["new_status"] == "resolved"
    assert final["delegated_task_id"] == execution["delegated_task_id"]


@pytest.mark.parametrize(
    ("overrides", "step", "attempts", "code"),
    [
        ({"refund_amount": 2_000_000}, "validate_refund_request", 1, "INVALID_AMOUNT"),
        ({"refund_reason": "bored"}, "validate_refund_request", 1, "INVALID_REASON"),
        ({"ticket_id": "ticket_closed"}, "validate_refund_request", 1, "TICKET_CLOSED"),
        ({"previous_refunds": 6}, "check_refund_policy", 1, "TOO_MANY_REFUNDS"),
        ({"days_since_purchase": 45}, "check_refund_policy", 1, "OUTSIDE_REFUND_WINDOW"),
        ({"ticket_id": "ticket_denied"}, "get_manager_approval", 1, "APPROVAL_DENIED"),
        ({"ticket_id": "ticket_pending"}, "get_manager_approval", 1, "AWAITING_APPROVAL"),
        ({"ticket_id": "ticket_locked"}, "update_ticket_status", 3, "TICKET_LOCKED"),
    ],
)
async def test_every_failure_path_blocks_at_its_step(overrides, step, attempts, code):
    run = await run_template("customer_success", "process_refund", ticket(**overrides))
    failed = run.failed
    assert failed is not None
    assert (failed.name, failed.attempts, failed.error.error_code) == (step, attempts, code)
    assert run.status == "blocked_by_failures"


async def test_a_pending_approval_is_retryable_but_gets_only_one_attempt():
    run = await run_template(
        "customer_success", "process_refund", ticket(ticket_id="ticket_pending")
    )
    error = run.steps["get_manager_approval"].error
    assert error.retryable and error.error_type == "retryable_error"
    assert run.steps["execute_refund_workflow"].state == "pending"


async def test_gold_customers_get_a_longer_window():
    run = await run_template(
        "customer_success", "process_refund", ticket(customer_id="gold-7", days_since_purchase=45)
    )
    assert run.status == "complete"
    assert run.steps["check_refund_policy"].results["refund_window_days"] == 60
