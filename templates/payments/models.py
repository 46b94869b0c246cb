"""Typed input and step results of ``payments/process_refund``. Amounts are in cents."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RefundInput(BaseModel):
    """The task context as the handlers read it (``amount`` / ``reason`` accepted as aliases)."""

    model_config = ConfigDict(populate_by_name=True)

    payment_id: str | None = None
    refund_amount: int | None = Field(default=None, alias="amount")
    currency: str = "USD"
    refund_reason: str | None = Field(default=None, alias="reason")
    customer_email: str | None = None
    order_ref: str | None = None
    payment_method: str = "card"
    gateway: str = "simulator"
    partial_refund: bool = False


class RefundContext(BaseModel):
    """Refund a captured payment."""

    payment_id: str = Field(description="Payment to refund (pay_...)")
    refund_amount: int = Field(description="Amount to refund, in cents")
    currency: str = Field(default="USD", description="USD, EUR, GBP, CAD or AUD")
    refund_reason: str | None = Field(default=None, description="Why the refund is made")
    customer_email: str | None = Field(default=None, description="Who is told about it")
    order_ref: str | None = Field(default=None, description="Order reference (default: payment_id)")
    payment_method: str = Field(default="card", description="card, gift_card or crypto")
    gateway: str = Field(default="simulator", description="stripe, adyen, braintree or simulator")
    partial_refund: bool = False


class Eligibility(BaseModel):
    payment_id: str
    order_ref: str
    refund_amount: int
    currency: str
    original_amount: int
    refund_percentage: float
    payment_method: str
    gateway: str
    fraud_score: int
    eligible: bool
    validated_at: str


class GatewayRefund(BaseModel):
    refund_id: str
    payment_id: str
    amount_processed: int
    currency: str
    gateway: str
    gateway_status: str
    gateway_txn_id: str
    settlement_id: str
    estimated_arrival: str
    processed_at: str


class LedgerEntry(BaseModel):
    account: str
    type: str  # debit | credit
    amount: int
    currency: str


class PaymentRecords(BaseModel):
    record_id: str
    payment_id: str
    refund_id: str
    journal_id: str
    ledger_entries: list[LedgerEntry]
    balanced: bool
    payment_status: str
    recorded_at: str


class RefundNotification(BaseModel):
    notification_id: str
    message_id: str
    recipient: str
    channel: str
    subject: str
    template: str
    refund_id: str
    refund_amount: int
    status: str
    sent_at: str
