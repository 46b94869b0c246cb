"""Refund rules of the customer-success team. Amounts are whole cents.

validate_refund_request, permanent: no ticket or customer (``MISSING_FIELD``); amount not in
1..1,000,000 cents (``INVALID_AMOUNT``); a reason outside the list (``INVALID_REASON``);
a ticket id containing ``ticket_closed`` or ``ticket_cancelled`` (``TICKET_CLOSED``).
The tier comes from the customer id: ``vip`` or ``premium`` -> premium, ``gold`` -> gold.

check_refund_policy, permanent: more than 5 earlier refunds (``TOO_MANY_REFUNDS``); past the
tier's window of 30 / 60 / 90 days (``OUTSIDE_REFUND_WINDOW``). Routing: up to $50 is
auto-approved; up to $500 for a defective product, wrong item or duplicate charge too; over
$500 goes to manager review; anything else to standard review.

get_manager_approval (one attempt, never retried): ``ticket_denied`` is refused
(``APPROVAL_DENIED``, permanent); ``ticket_pending`` is still waiting (``AWAITING_APPROVAL``,
retryable, but with one attempt the task waits for an operator to complete the step).
execute_refund_workflow hands the refund to ``payments/process_refund`` (simulated: a
deterministic delegated task id, no task is created). update_ticket_status: ``ticket_locked``
is retryable (``TICKET_LOCKED``); the ticket ends ``resolved``.
"""

from __future__ import annotations

from datetime import datetime

from ..errors import BusinessRuleError, TransientError
from ..ids import stable_hex
from .models import (
    Approval,
    PolicyCheck,
    RefundExecution,
    RefundRequest,
    TicketRefundInput,
    TicketUpdate,
)

MAX_CENTS = 1_000_000
REASONS = {
    "customer_request",
    "defective_product",
    "wrong_item",
    "late_delivery",
    "duplicate_charge",
    "service_issue",
}
FAST_TRACK_REASONS = {"defective_product", "wrong_item", "duplicate_charge"}
WINDOW_DAYS = {"standard": 30, "gold": 60, "premium": 90}
MAX_PREVIOUS_REFUNDS = 5
AUTO_APPROVE_CENTS = 5_000
FAST_TRACK_CENTS = 50_000


def customer_tier(customer_id: str) -> str:
    lowered = customer_id.lower()
    if "vip" in lowered or "premium" in lowered:
        return "premium"
    return "gold" if "gold" in lowered else "standard"


def validate_request(request: TicketRefundInput, *, now: datetime) -> RefundRequest:
    ticket, customer = (request.ticket_id or "").strip(), (request.customer_id or "").strip()
    if not ticket or not customer:
        missing = "ticket_id" if not ticket else "customer_id"
        raise BusinessRuleError(
            f"{missing} is missing from the refund request", code="MISSING_FIELD"
        )
    amount = request.refund_amount or 0
    if not 0 < amount <= MAX_CENTS:
        raise BusinessRuleError(
            f"refund_amount must be between 1 and {MAX_CENTS} cents, got {request.refund_amount}",
            code="INVALID_AMOUNT",
        )
    if request.refund_reason is not None and request.refund_reason not in REASONS:
        raise BusinessRuleError(
            f"refund_reason {request.refund_reason!r} is not one of {', '.join(sorted(REASONS))}",
            code="INVALID_REASON",
        )
    if "ticket_closed" in ticket or "ticket_cancelled" in ticket:
        raise BusinessRuleError(f"ticket {ticket} is closed; reopen it first", code="TICKET_CLOSED")
    return RefundRequest(
        request_id="rr_" + stable_hex("refund-request", ticket, customer, amount),
        ticket_id=ticket,
        customer_id=customer,
        customer_tier=customer_tier(customer),
        amount=amount,
        reason=request.refund_reason,
        eligible=True,
        validated_at=now.isoformat(),
    )


def approval_path(amount: int, reason: str | None) -> str:
    if amount <= AUTO_APPROVE_CENTS:
        return "auto_approved"
    if amount <= FAST_TRACK_CENTS and reason in FAST_TRACK_REASONS:
        return "auto_approved"
    return "manager_review" if amount > FAST_TRACK_CENTS else "standard_review"


def check_policy(
    refund: RefundRequest, days_since_purchase: int | None, previous_refunds: int, *, now: datetime
) -> PolicyCheck:
    if previous_refunds > MAX_PREVIOUS_REFUNDS:
        raise BusinessRuleError(
            f"customer already had {previous_refunds} refunds (at most {MAX_PREVIOUS_REFUNDS})",
            code="TOO_MANY_REFUNDS",
        )
    window = WINDOW_DAYS[refund.customer_tier]
    if days_since_purchase is not None and days_since_purchase > window:
        raise BusinessRuleError(
            f"purchase was {days_since_purchase} days ago; the {refund.customer_tier} window is {window} days",
            code="OUTSIDE_REFUND_WINDOW",
        )
    path = approval_path(refund.amount, refund.reason)
    return PolicyCheck(
        request_id=refund.request_id,
        policy_id=f"POL-{refund.customer_tier.upper()}-2026",
        customer_tier=refund.customer_tier,
        refund_window_days=window,
        days_since_purchase=days_since_purchase,
        within_refund_window=True,
        approval_path=path,
        requires_approval=path != "auto_approved",
        rules_applied=["amount_limit", "refund_window", "refund_history", f"routing:{path}"],
        policy_compliant=True,
        checked_at=now.isoformat(),
    )


def approve(refund: RefundRequest, policy: PolicyCheck, *, now: datetime) -> Approval:
    if "ticket_denied" in refund.ticket_id:
        raise BusinessRuleError("the manager denied this refund", code="APPROVAL_DENIED")
    if "ticket_pending" in refund.ticket_id:
        raise TransientError(
            "waiting for a manager's decision; complete this step with the approval",
            code="AWAITING_APPROVAL",
        )
    auto = not policy.requires_approval
    return Approval(
        approval_id="apr_" + stable_hex("approval", refund.request_id),
        request_id=refund.request_id,
        approved=True,
        approver="system" if auto else "mgr_" + stable_hex("manager", refund.customer_id, length=6),
        approval_path=policy.approval_path,
        auto_approved=auto,
        amount_approved=refund.amount,
        approved_at=now.isoformat(),
    )


def delegate_refund(
    refund: RefundRequest, approval: Approval, correlation_id: str | None, *, now: datetime
) -> RefundExecution:
    delegated = stable_hex("delegated", refund.request_id, length=32)
    return RefundExecution(
        request_id=refund.request_id,
        refund_id="re_" + stable_hex("cs-refund", refund.request_id, length=16),
        task_delegated=True,
        target_namespace="payments",
        target_workflow="process_refund",
        delegated_task_id=f"{delegated[:8]}-{delegated[8:12]}-{delegated[12:16]}-{delegated[16:20]}-{delegated[20:]}",
        correlation_id=correlation_id or refund.request_id,
        amount_refunded=approval.amount_approved,
        status="delegated",
        executed_at=now.isoformat(),
    )


def resolve_ticket(
    refund: RefundRequest, execution: RefundExecution, *, now: datetime
) -> TicketUpdate:
    if "ticket_locked" in refund.ticket_id:
        raise TransientError(
            f"ticket {refund.ticket_id} is locked by an agent", code="TICKET_LOCKED"
        )
    return TicketUpdate(
        ticket_id=refund.ticket_id,
        request_id=refund.request_id,
        previous_status="open",
        new_status="resolved",
        resolution_note=(
            f"Refund of {execution.amount_refunded / 100:.2f} handed to payments "
            f"(task {execution.delegated_task_id})"
        ),
        refund_id=execution.refund_id,
        delegated_task_id=execution.delegated_task_id,
        ticket_updated=True,
        resolved_at=now.isoformat(),
    )
