"""payments/process_refund: eligibility rules, triggers, ledger, and runs through the handlers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tasker_workflows.errors import BusinessRuleError, TransientError, WorkflowError
from tasker_workflows.outbox import Outbox
from tasker_workflows.payments import services as svc
from tasker_workflows.payments.models import RefundInput

from tests.workflows.local_runner import run_template

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
EMAIL = "jane@example.com"


def order_ref_scoring(above: bool) -> str:
    """An order reference whose fraud score with EMAIL is above (or not above) 85."""
    return next(
        ref
        for ref in (f"ORD-{n}" for n in range(1000))
        if (svc.fraud_score(ref, EMAIL) > svc.FRAUD_THRESHOLD) is above
    )


CLEAN_REF = order_ref_scoring(above=False)


def refund(**overrides):
    return {
        "payment_id": "pay_abc123",
        "refund_amount": 2500,
        "customer_email": EMAIL,
        "order_ref": CLEAN_REF,
        **overrides,
    }


def eligibility(**overrides):
    return svc.validate_eligibility(RefundInput.model_validate(refund(**overrides)), now=NOW)


def test_an_eligible_refund():
    result = eligibility()
    assert (result.refund_amount, result.currency, result.original_amount) == (2500, "USD", 102500)
    assert result.fraud_score <= 85 and result.eligible


def test_aliases_amount_and_reason_are_accepted():
    request = RefundInput.model_validate({"payment_id": "pay_x", "amount": 700, "reason": "fraud"})
    assert (request.refund_amount, request.refund_reason) == (700, "fraud")


def test_fraud_score_is_deterministic():
    assert svc.fraud_score("ORD-1", EMAIL) == svc.fraud_score("ORD-1", EMAIL.upper())


@pytest.mark.parametrize(
    ("overrides", "error", "code"),
    [
        ({"refund_amount": 0}, BusinessRuleError, "INVALID_AMOUNT"),
        ({"refund_amount": -5}, BusinessRuleError, "INVALID_AMOUNT"),
        ({"payment_id": ""}, BusinessRuleError, "MISSING_PAYMENT"),
        ({"currency": "JPY"}, BusinessRuleError, "UNSUPPORTED_CURRENCY"),
        ({"refund_amount": 5_000_001}, BusinessRuleError, "AMOUNT_OVER_LIMIT"),
        ({"currency": "gbp", "refund_amount": 4_000_001}, BusinessRuleError, "AMOUNT_OVER_LIMIT"),
        ({"payment_id": "pay_test_insufficient"}, BusinessRuleError, "INSUFFICIENT_FUNDS"),
        (
            {"customer_email": "pay_test_ineligible@example.com"},
            BusinessRuleError,
            "REFUND_WINDOW_EXPIRED",
        ),
        ({"payment_id": "pay_test_processing_1"}, TransientError, "PAYMENT_STILL_PROCESSING"),
        ({"payment_method": "crypto"}, BusinessRuleError, "REFUND_NOT_SUPPORTED"),
        (
            {"payment_method": "gift_card", "refund_amount": 50_001},
            BusinessRuleError,
            "REFUND_NOT_SUPPORTED",
        ),
        ({"order_ref": order_ref_scoring(above=True)}, BusinessRuleError, "FRAUD_SUSPECTED"),
    ],
)
def test_eligibility_failures(overrides, error, code):
    with pytest.raises(WorkflowError) as caught:
        eligibility(**overrides)
    assert type(caught.value) is error and caught.value.code == code


def test_a_gift_card_up_to_500_dollars_is_refundable():
    assert (
        eligibility(payment_method="gift_card", refund_amount=50_000).payment_method == "gift_card"
    )


@pytest.mark.parametrize(
    ("overrides", "error", "code"),
    [
        ({"payment_id": "pay_test_gateway_timeout"}, TransientError, "GATEWAY_TIMEOUT"),
        ({"payment_id": "pay_test_gateway_error"}, BusinessRuleError, "GATEWAY_REJECTED"),
        ({"gateway": "paypal"}, TransientError, "GATEWAY_UNAVAILABLE"),
    ],
)
def test_gateway_failures(overrides, error, code):
    with pytest.raises(WorkflowError) as caught:
        svc.refund_at_gateway(eligibility(**overrides), id_seed="t", now=NOW)
    assert type(caught.value) is error and caught.value.code == code


def test_records_are_two_balanced_entries():
    checked = eligibility()
    records = svc.record_refund(
        checked, svc.refund_at_gateway(checked, id_seed="t", now=NOW), now=NOW
    )
    assert [(e.account, e.type, e.amount) for e in records.ledger_entries] == [
        ("refunds_payable", "debit", 2500),
        ("accounts_receivable", "credit", 2500),
    ]
    assert records.balanced and records.payment_status == "partially_refunded"


# --- through the handlers -------------------------------------------------------------------


async def test_happy_path_refunds_and_notifies(outbox_file):
    run = await run_template("payments", "process_refund", refund())
    assert run.status == "complete" and len(run.steps) == 4
    (mail,) = Outbox(outbox_file).messages()
    assert mail.recipient == EMAIL and "25.00 USD" in mail.subject
    assert run.steps["notify_customer"].results["message_id"] == mail.message_id


@pytest.mark.parametrize(
    ("overrides", "step", "attempts", "code"),
    [
        ({"refund_amount": 0}, "validate_payment_eligibility", 1, "INVALID_AMOUNT"),
        (
            {"order_ref": order_ref_scoring(above=True)},
            "validate_payment_eligibility",
            1,
            "FRAUD_SUSPECTED",
        ),
        (
            {"payment_id": "pay_test_processing"},
            "validate_payment_eligibility",
            3,
            "PAYMENT_STILL_PROCESSING",
        ),
        (
            {"payment_id": "pay_test_gateway_timeout"},
            "process_gateway_refund",
            2,
            "GATEWAY_TIMEOUT",
        ),
        ({"payment_id": "pay_test_gateway_error"}, "process_gateway_refund", 1, "GATEWAY_REJECTED"),
        ({"gateway": "paypal"}, "process_gateway_refund", 2, "GATEWAY_UNAVAILABLE"),
        ({"payment_id": "pay_test_record_lock"}, "update_payment_records", 3, "RECORD_LOCKED"),
        ({"customer_email": None}, "notify_customer", 1, "MISSING_EMAIL"),
        ({"customer_email": "jane@test_bounce.example"}, "notify_customer", 1, "EMAIL_BOUNCED"),
        (
            {"customer_email": "jane@test_rate_limit.example"},
            "notify_customer",
            5,
            "EMAIL_RATE_LIMITED",
        ),
    ],
)
async def test_every_failure_path_blocks_at_its_step(outbox_file, overrides, step, attempts, code):
    run = await run_template("payments", "process_refund", refund(**overrides))
    failed = run.failed
    assert failed is not None
    assert (failed.name, failed.attempts, failed.error.error_code) == (step, attempts, code)
    assert run.status == "blocked_by_failures"
    assert Outbox(outbox_file).messages() == []


async def test_rate_limited_notification_asks_for_a_delay(outbox_file):
    run = await run_template(
        "payments", "process_refund", refund(customer_email="j@test_rate_limit.example")
    )
    failed = run.failed
    assert failed is not None
    assert failed.error.retry_after_s == 10.0


async def test_a_fractional_cent_amount_is_a_validation_error(outbox_file):
    run = await run_template("payments", "process_refund", refund(refund_amount=12.5))
    failed = run.failed
    assert failed is not None
    assert failed.error.error_type == "validation_error"
