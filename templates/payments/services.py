"""Refund rules of the payments team. Amounts are whole cents.

validate_payment_eligibility, permanent unless noted: amount <= 0 (``INVALID_AMOUNT``);
currency other than USD/EUR/GBP/CAD/AUD (``UNSUPPORTED_CURRENCY``) or over its maximum
(``AMOUNT_OVER_LIMIT``, USD $50,000); crypto, or a gift card over $500
(``REFUND_NOT_SUPPORTED``); a fraud score (a hash of order reference and e-mail, 0-99)
above 85 (``FRAUD_SUSPECTED``). Test triggers in the payment id or the e-mail:
``pay_test_insufficient`` (``INSUFFICIENT_FUNDS``), ``pay_test_ineligible``
(``REFUND_WINDOW_EXPIRED``), ``pay_test_processing`` (retryable ``PAYMENT_STILL_PROCESSING``).

process_gateway_refund: ``pay_test_gateway_timeout`` retryable (``GATEWAY_TIMEOUT``),
``pay_test_gateway_error`` permanent (``GATEWAY_REJECTED``), a gateway we do not know
retryable (``GATEWAY_UNAVAILABLE``). update_payment_records: ``pay_test_record_lock``
retryable (``RECORD_LOCKED``); writes two balanced ledger entries. notify_customer: no
e-mail (``MISSING_EMAIL``) or an ``@test_bounce`` address (``EMAIL_BOUNCED``) permanent;
``@test_rate_limit`` retryable (``EMAIL_RATE_LIMITED``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..errors import BusinessRuleError, TransientError
from ..ids import stable_hex, stable_int
from ..outbox import Outbox
from .models import (
    Eligibility,
    GatewayRefund,
    LedgerEntry,
    PaymentRecords,
    RefundInput,
    RefundNotification,
)

MAX_CENTS = {
    "USD": 5_000_000,
    "EUR": 4_500_000,
    "GBP": 4_000_000,
    "CAD": 6_500_000,
    "AUD": 7_500_000,
}
GIFT_CARD_MAX_CENTS = 50_000
FRAUD_THRESHOLD = 85
KNOWN_GATEWAYS = {"stripe", "adyen", "braintree", "simulator"}
ORIGINAL_EXTRA_CENTS = 100_000  # the simulated original charge is the refund plus $1,000


def _triggered(trigger: str, *texts: str | None) -> bool:
    return any(trigger in (text or "") for text in texts)


def fraud_score(order_ref: str, email: str | None) -> int:
    """0-99, the same for the same order reference and e-mail."""
    return stable_int("fraud", order_ref, (email or "").lower(), below=100)


def validate_eligibility(request: RefundInput, *, now: datetime) -> Eligibility:
    payment_id = (request.payment_id or "").strip()
    if not payment_id:
        raise BusinessRuleError(
            "payment_id is missing: name the payment to refund", code="MISSING_PAYMENT"
        )
    amount = request.refund_amount or 0
    if amount <= 0:
        raise BusinessRuleError(
            f"refund_amount must be above 0 cents, got {request.refund_amount}",
            code="INVALID_AMOUNT",
        )
    currency = request.currency.upper()
    if currency not in MAX_CENTS:
        raise BusinessRuleError(
            f"currency {request.currency} is not refundable here; use one of {', '.join(MAX_CENTS)}",
            code="UNSUPPORTED_CURRENCY",
        )
    if amount > MAX_CENTS[currency]:
        raise BusinessRuleError(
            f"refund of {amount} cents is over the {currency} maximum of {MAX_CENTS[currency]}",
            code="AMOUNT_OVER_LIMIT",
        )
    texts = (payment_id, request.customer_email)
    if _triggered("pay_test_insufficient", *texts):
        raise BusinessRuleError(
            "the merchant balance cannot cover this refund", code="INSUFFICIENT_FUNDS"
        )
    if _triggered("pay_test_ineligible", *texts):
        raise BusinessRuleError(
            "the payment is past its refund window", code="REFUND_WINDOW_EXPIRED"
        )
    if _triggered("pay_test_processing", *texts):
        raise TransientError(
            "the payment is still processing; it can be refunded once settled",
            code="PAYMENT_STILL_PROCESSING",
            retry_after=30,
        )
    method = request.payment_method.lower()
    if method == "crypto" or (method == "gift_card" and amount > GIFT_CARD_MAX_CENTS):
        raise BusinessRuleError(
            f"refunds to {method} of {amount} cents are not supported; refund another way",
            code="REFUND_NOT_SUPPORTED",
        )
    order_ref = request.order_ref or payment_id
    score = fraud_score(order_ref, request.customer_email)
    if score > FRAUD_THRESHOLD:
        raise BusinessRuleError(
            f"refund rejected: fraud score {score} is above {FRAUD_THRESHOLD}",
            code="FRAUD_SUSPECTED",
        )
    original = amount + ORIGINAL_EXTRA_CENTS
    return Eligibility(
        payment_id=payment_id,
        order_ref=order_ref,
        refund_amount=amount,
        currency=currency,
        original_amount=original,
        refund_percentage=round(100 * amount / original, 2),
        payment_method=method,
        gateway=request.gateway.lower(),
        fraud_score=score,
        eligible=True,
        validated_at=now.isoformat(),
    )


def refund_at_gateway(eligibility: Eligibility, *, id_seed: str, now: datetime) -> GatewayRefund:
    if _triggered("pay_test_gateway_timeout", eligibility.payment_id):
        raise TransientError("the refund gateway timed out; will retry", code="GATEWAY_TIMEOUT")
    if _triggered("pay_test_gateway_error", eligibility.payment_id):
        raise BusinessRuleError("the gateway rejected the refund", code="GATEWAY_REJECTED")
    if eligibility.gateway not in KNOWN_GATEWAYS:
        raise TransientError(
            f"gateway {eligibility.gateway!r} is not reachable from here; will retry",
            code="GATEWAY_UNAVAILABLE",
        )
    return GatewayRefund(
        refund_id="re_" + stable_hex("refund", id_seed, length=16),
        payment_id=eligibility.payment_id,
        amount_processed=eligibility.refund_amount,
        currency=eligibility.currency,
        gateway=eligibility.gateway,
        gateway_status="succeeded",
        gateway_txn_id="gtx_" + stable_hex("gateway-txn", id_seed, length=16),
        settlement_id="stl_" + stable_hex("settlement", id_seed),
        estimated_arrival=(now + timedelta(days=7)).date().isoformat(),
        processed_at=now.isoformat(),
    )


def record_refund(
    eligibility: Eligibility, refund: GatewayRefund, *, now: datetime
) -> PaymentRecords:
    if _triggered("pay_test_record_lock", eligibility.payment_id):
        raise TransientError("the payment record is locked by another writer", code="RECORD_LOCKED")
    entries = [
        LedgerEntry(
            account="refunds_payable",
            type="debit",
            amount=refund.amount_processed,
            currency=refund.currency,
        ),
        LedgerEntry(
            account="accounts_receivable",
            type="credit",
            amount=refund.amount_processed,
            currency=refund.currency,
        ),
    ]
    full = refund.amount_processed >= eligibility.original_amount
    return PaymentRecords(
        record_id="rec_" + stable_hex("record", refund.refund_id),
        payment_id=refund.payment_id,
        refund_id=refund.refund_id,
        journal_id="jrn_" + stable_hex("journal", refund.refund_id),
        ledger_entries=entries,
        balanced=sum(e.amount for e in entries if e.type == "debit")
        == sum(e.amount for e in entries if e.type == "credit"),
        payment_status="refunded" if full else "partially_refunded",
        recorded_at=now.isoformat(),
    )


def notify(
    email: str | None, refund: GatewayRefund, outbox: Outbox, *, message_key: str, now: datetime
) -> RefundNotification:
    if not email or "@" not in email:
        raise BusinessRuleError(
            "customer_email is missing: the refund cannot be announced", code="MISSING_EMAIL"
        )
    if "@test_bounce" in email:
        raise BusinessRuleError(f"mail to {email} bounced", code="EMAIL_BOUNCED")
    if "@test_rate_limit" in email:
        raise TransientError(
            "the mail provider is rate limiting us", code="EMAIL_RATE_LIMITED", retry_after=10
        )
    amount = f"{refund.amount_processed / 100:.2f} {refund.currency}"
    stored, _ = outbox.deliver(
        message_key=message_key,
        workflow="payments/process_refund",
        channel="email",
        recipient=email,
        subject=f"Your refund of {amount} is on its way",
        body=f"We refunded {amount} for payment {refund.payment_id}; expect it by {refund.estimated_arrival}.",
        template="refund_processed",
        created_at=now.isoformat(),
    )
    return RefundNotification(
        notification_id="ntf_" + stable_hex("notification", message_key),
        message_id=stored.message_id,
        recipient=stored.recipient,
        channel="email",
        subject=stored.subject,
        template="refund_processed",
        refund_id=refund.refund_id,
        refund_amount=refund.amount_processed,
        status="sent",
        sent_at=stored.created_at,
    )
