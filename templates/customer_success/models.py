"""Typed input and step results of ``customer_success/process_refund``. Amounts are in cents."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TicketRefundInput(BaseModel):
    """The task context as the handlers read it (``amount`` / ``reason`` accepted as aliases)."""

    model_config = ConfigDict(populate_by_name=True)

    ticket_id: str | None = None
    customer_id: str | None = None
    refund_amount: int | None = Field(default=None, alias="amount")
    refund_reason: str | None = Field(default=None, alias="reason")
    customer_email: str | None = None
    order_ref: str | None = None
    payment_id: str | None = None
    days_since_purchase: int | None = Field(default=None, ge=0)
    previous_refunds: int = Field(default=0, ge=0)
    agent_notes: str | None = None
    correlation_id: str | None = None


class TicketRefundContext(BaseModel):
    """Refund a customer from a support ticket."""

    ticket_id: str = Field(description="Support ticket (e.g. TKT-1001)")
    customer_id: str = Field(
        description="Customer id; 'vip'/'premium' or 'gold' in it sets the tier"
    )
    refund_amount: int = Field(description="Amount to refund, in cents (at most 1,000,000)")
    refund_reason: str | None = Field(
        default=None,
        description="customer_request, defective_product, wrong_item, late_delivery, "
        "duplicate_charge or service_issue",
    )
    customer_email: str | None = None
    order_ref: str | None = None
    payment_id: str | None = None
    days_since_purchase: int | None = Field(
        default=None, description="Checked against the tier's window"
    )
    previous_refunds: int = Field(default=0, description="At most 5 earlier refunds are allowed")
    agent_notes: str | None = None
    correlation_id: str | None = None


class RefundRequest(BaseModel):
    request_id: str
    ticket_id: str
    customer_id: str
    customer_tier: str
    amount: int
    reason: str | None = None
    eligible: bool
    validated_at: str


class PolicyCheck(BaseModel):
    request_id: str
    policy_id: str
    customer_tier: str
    refund_window_days: int
    days_since_purchase: int | None = None
    within_refund_window: bool
    approval_path: str  # auto_approved | standard_review | manager_review
    requires_approval: bool
    rules_applied: list[str]
    policy_compliant: bool
    checked_at: str


class Approval(BaseModel):
    approval_id: str
    request_id: str
    approved: bool
    approver: str
    approval_path: str
    auto_approved: bool
    amount_approved: int
    approved_at: str


class RefundExecution(BaseModel):
    request_id: str
    refund_id: str
    task_delegated: bool
    target_namespace: str
    target_workflow: str
    delegated_task_id: str
    correlation_id: str
    amount_refunded: int
    status: str
    executed_at: str


class TicketUpdate(BaseModel):
    ticket_id: str
    request_id: str
    previous_status: str
    new_status: str
    resolution_note: str
    refund_id: str
    delegated_task_id: str
    ticket_updated: bool
    resolved_at: str
