"""Checkout business rules: cart validation, card-token rules, inventory, order, confirmation.

Pure functions of their inputs plus ``now`` and an ``id_seed`` (the task uuid), so a retried
step produces the same ids. Failures raise ``BusinessRuleError`` (permanent) or
``TransientError`` (retryable); the handlers turn them into Tasker errors.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ..errors import BusinessRuleError, TransientError
from ..ids import stable_hex
from ..outbox import Outbox
from .models import (
    CartLine,
    CreateOrderResult,
    InventoryChange,
    ProcessPaymentResult,
    ReservedProduct,
    SendConfirmationResult,
    UpdateInventoryResult,
    ValidateCartResult,
)
from .pricing import cart_totals, line_total, to_decimal, to_money

# --- validate_cart ---------------------------------------------------------------------------


def validate_cart(
    raw_items: list[dict[str, Any]] | None, customer_email: str | None, *, now: datetime
) -> ValidateCartResult:
    """Check every line and price the cart; the first bad line fails the step permanently."""
    if not raw_items:
        raise BusinessRuleError("cart is empty: submit at least one item", code="EMPTY_CART")
    _check_email(customer_email)
    lines = [_validated_line(position, raw) for position, raw in enumerate(raw_items, start=1)]
    totals = cart_totals(to_decimal(line.line_total) for line in lines)
    return ValidateCartResult(
        validated_items=lines,
        item_count=len(lines),
        subtotal=float(totals.subtotal),
        tax=float(totals.tax),
        tax_rate=float(totals.tax_rate),
        shipping=float(totals.shipping),
        free_shipping=totals.free_shipping,
        total=float(totals.total),
        validated_at=now.isoformat(),
    )


def _check_email(customer_email: str | None) -> None:
    if not customer_email or not customer_email.strip():
        raise BusinessRuleError(
            "customer_email is missing: the order needs an address for its confirmation",
            code="MISSING_EMAIL",
        )
    local, _, domain = customer_email.strip().partition("@")
    if not local or "." not in domain:
        raise BusinessRuleError(
            f"customer_email {customer_email!r} is not an e-mail address", code="INVALID_EMAIL"
        )


def _validated_line(position: int, raw: object) -> CartLine:
    if not isinstance(raw, dict):
        raise BusinessRuleError(f"item {position} is not an object", code="INVALID_ITEM")
    sku, name = raw.get("sku"), raw.get("name")
    if not isinstance(sku, str) or not sku.strip():
        raise BusinessRuleError(f"item {position} has no sku", code="INVALID_ITEM")
    if not isinstance(name, str) or not name.strip():
        raise BusinessRuleError(f"item {position} ({sku}) has no name", code="INVALID_ITEM")
    quantity = _whole_number(raw.get("quantity", 0))
    if quantity is None or quantity < 1:
        raise BusinessRuleError(
            f"item {position} ({sku}) quantity must be a whole number of at least 1, "
            f"got {raw.get('quantity')!r}",
            code="INVALID_QUANTITY",
        )
    try:
        unit_price = to_decimal(raw.get("unit_price", 0))
    except ValueError:
        unit_price = Decimal(0)
    if unit_price <= 0:
        raise BusinessRuleError(
            f"item {position} ({sku}) unit_price must be above 0, got {raw.get('unit_price')!r}",
            code="INVALID_PRICE",
        )
    return CartLine(
        sku=sku,
        name=name,
        quantity=quantity,
        unit_price=float(unit_price),
        line_total=float(line_total(quantity, unit_price)),
    )


def _whole_number(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


# --- process_payment: card-token rules ---------------------------------------------------------

SUCCESS_TOKEN = "tok_test_success"


class TokenRule(StrEnum):
    """What a test card token does at the gateway."""

    APPROVE = "approve"  # any token not listed below
    DECLINE = "decline"  # tok_test_declined: permanent
    INSUFFICIENT_FUNDS = "insufficient_funds"  # tok_test_insufficient_funds: permanent
    GATEWAY_ERROR = "gateway_error"  # tok_test_gateway_error: retryable, every attempt
    TIMEOUT = "timeout"  # tok_test_timeout: retryable, every attempt
    TIMEOUT_ONCE = "timeout_once"  # tok_test_timeout_once: retryable, first attempt only


TOKEN_RULES = {
    "tok_test_declined": TokenRule.DECLINE,
    "tok_test_insufficient_funds": TokenRule.INSUFFICIENT_FUNDS,
    "tok_test_gateway_error": TokenRule.GATEWAY_ERROR,
    "tok_test_timeout": TokenRule.TIMEOUT,
    "tok_test_timeout_once": TokenRule.TIMEOUT_ONCE,
}


def effective_token(token: str | None) -> str:
    """A missing or blank token means the success token (the reference app's default)."""
    return token.strip() if token and token.strip() else SUCCESS_TOKEN


def token_rule(token: str | None) -> TokenRule:
    return TOKEN_RULES.get(effective_token(token), TokenRule.APPROVE)


def declined(code: str, token: str) -> BusinessRuleError:
    """The permanent error for a card the issuer refused (``PAYMENT_DECLINED`` or
    ``INSUFFICIENT_FUNDS``)."""
    reason = "insufficient funds" if code == "INSUFFICIENT_FUNDS" else "declined by the issuer"
    return BusinessRuleError(
        f"card {reason} (token {token}); the customer must use another card", code=code
    )


def simulate_charge(
    token: str | None,
    amount: Decimal,
    *,
    idempotency_key: str,
    now: datetime,
    first_attempt: bool = True,
) -> ProcessPaymentResult:
    """Apply the token rules in-process, for runs without an HTTP gateway configured."""
    token = effective_token(token)
    rule = token_rule(token)
    if rule is TokenRule.TIMEOUT_ONCE and first_attempt:
        raise TransientError(
            "payment gateway timed out (this test card times out once), will retry",
            code="GATEWAY_TIMEOUT",
        )
    if rule is TokenRule.DECLINE:
        raise declined("PAYMENT_DECLINED", token)
    if rule is TokenRule.INSUFFICIENT_FUNDS:
        raise declined("INSUFFICIENT_FUNDS", token)
    if rule is TokenRule.GATEWAY_ERROR:
        raise TransientError("payment gateway error, will retry", code="GATEWAY_ERROR")
    if rule is TokenRule.TIMEOUT:
        raise TransientError("payment gateway timed out, will retry", code="GATEWAY_TIMEOUT")
    return ProcessPaymentResult(
        payment_id="pay_" + stable_hex("payment", idempotency_key, length=12),
        transaction_id="txn_" + stable_hex("txn", idempotency_key, length=16),
        authorization_code=stable_hex("auth", token, amount, idempotency_key).upper(),
        amount_charged=float(to_money(amount)),
        currency="USD",
        payment_method_type="card",
        gateway_response="approved",
        status="completed",
        idempotency_key=idempotency_key,
        gateway="simulated",
        processed_at=now.isoformat(),
    )


# --- update_inventory ----------------------------------------------------------------------

WAREHOUSE = "WH-EAST-01"
DEFAULT_STOCK = 200
STOCK_BY_SKU = {"SKU-001": 500, "SKU-002": 250, "SKU-003": 100, "SKU-004": 75, "SKU-005": 1000}


def stock_for(sku: str) -> int:
    """Units on hand for a SKU in the simulated warehouse (200 unless listed)."""
    return STOCK_BY_SKU.get(sku, DEFAULT_STOCK)


def reserve_inventory(
    lines: list[CartLine], *, id_seed: str, now: datetime
) -> UpdateInventoryResult:
    """Reserve every line, or fail permanently naming each SKU that is short."""
    short = [line for line in lines if line.quantity > stock_for(line.sku)]
    if short:
        listing = ", ".join(
            f"{line.sku} (asked {line.quantity}, {stock_for(line.sku)} in stock)" for line in short
        )
        raise BusinessRuleError(
            f"out of stock: {listing}",
            code="OUT_OF_STOCK",
            details={"skus": [line.sku for line in short]},
        )
    products, changes = [], []
    for index, line in enumerate(lines):
        on_hand = stock_for(line.sku)
        products.append(
            ReservedProduct(
                sku=line.sku,
                name=line.name,
                quantity_reserved=line.quantity,
                previous_quantity=on_hand,
                new_quantity=on_hand - line.quantity,
                reservation_id="res_" + stable_hex("reservation", id_seed, index, line.sku),
                warehouse=WAREHOUSE,
                status="reserved",
            )
        )
        changes.append(
            InventoryChange(
                sku=line.sku,
                change_type="reservation",
                quantity=-line.quantity,
                reason="order_checkout",
                log_id="log_" + stable_hex("change", id_seed, index, line.sku),
            )
        )
    return UpdateInventoryResult(
        updated_products=products,
        total_items_reserved=sum(line.quantity for line in lines),
        inventory_changes=changes,
        inventory_log_id="log_" + stable_hex("inventory", id_seed),
        updated_at=now.isoformat(),
    )


# --- create_order and send_confirmation ---------------------------------------------------------

DELIVERY_DAYS = 7


def create_order(
    cart: ValidateCartResult,
    payment: ProcessPaymentResult,
    inventory: UpdateInventoryResult,
    customer_email: str,
    *,
    id_seed: str,
    now: datetime,
) -> CreateOrderResult:
    """The confirmed order record; delivery is estimated a week out."""
    suffix = stable_hex("order", id_seed, length=8).upper()
    return CreateOrderResult(
        order_id=f"ORD-{suffix}",
        order_number=f"ORD-{now:%Y%m%d}-{suffix}",
        customer_email=customer_email,
        items=cart.validated_items,
        item_count=cart.item_count,
        subtotal=cart.subtotal,
        tax=cart.tax,
        shipping=cart.shipping,
        total=cart.total,
        total_amount=cart.total,
        payment_id=payment.payment_id,
        transaction_id=payment.transaction_id,
        authorization_code=payment.authorization_code,
        updated_products=inventory.updated_products,
        inventory_log_id=inventory.inventory_log_id,
        status="confirmed",
        created_at=now.isoformat(),
        estimated_delivery=(now + timedelta(days=DELIVERY_DAYS)).strftime("%B %d, %Y"),
    )


CONFIRMATION_TEMPLATE = "order_confirmation_v2"


def send_confirmation(
    order: CreateOrderResult,
    customer_email: str | None,
    outbox: Outbox,
    *,
    message_key: str,
    now: datetime,
) -> SendConfirmationResult:
    """Put the confirmation e-mail in the outbox once, however often the step runs."""
    recipient = customer_email or order.customer_email or "unknown@example.com"
    subject = f"Order Confirmation - {order.order_id}"
    units = "item" if order.item_count == 1 else "items"
    body = (
        f"Thank you for your order {order.order_number}: {order.item_count} {units}, "
        f"total ${order.total:.2f}. Estimated delivery: {order.estimated_delivery}."
    )
    message, _ = outbox.deliver(
        message_key=message_key,
        workflow="ecommerce/order_processing",
        channel="email",
        recipient=recipient,
        subject=subject,
        body=body,
        template=CONFIRMATION_TEMPLATE,
        created_at=now.isoformat(),
    )
    return SendConfirmationResult(
        email_sent=True,
        recipient=message.recipient,
        email_type="order_confirmation",
        message_id=message.message_id,
        subject=message.subject,
        body_preview=message.body[:100],
        channel="email",
        template=CONFIRMATION_TEMPLATE,
        status="sent",
        sent_at=message.created_at,
    )
