"""Checkout business rules; errors are classified here, as the seed post describes."""

from __future__ import annotations

import hashlib
from typing import Any

from tasker_core.errors import PermanentError, RetryableError

from .types import EcommerceProcessPaymentResult, EcommerceValidateCartResult

TAX_RATE = 0.08
FREE_SHIPPING_THRESHOLD = 100.0
STANDARD_SHIPPING = 9.99


def validate_cart_items(
    cart_items: list[dict[str, Any]] | None, customer_email: str | None
) -> EcommerceValidateCartResult:
    if not cart_items:
        raise PermanentError("Cart is empty", error_code="empty_cart")
    if not customer_email:
        raise PermanentError("A customer email is required", error_code="missing_email")
    items = []
    for item in cart_items:
        line_total = round(item["price"] * item["quantity"], 2)
        items.append({**item, "line_total": line_total})
    subtotal = round(sum(i["line_total"] for i in items), 2)
    tax = round(subtotal * TAX_RATE, 2)
    shipping = 0.0 if subtotal >= FREE_SHIPPING_THRESHOLD else STANDARD_SHIPPING
    return EcommerceValidateCartResult(
        validated_items=items,
        item_count=len(items),
        subtotal=subtotal,
        tax=tax,
        shipping=shipping,
        total=round(subtotal + tax + shipping, 2),
    )


def process_payment(
    cart_result: EcommerceValidateCartResult, payment_token: str | None
) -> EcommerceProcessPaymentResult:
    if payment_token == "tok_declined":
        raise PermanentError("Card declined", error_code="card_declined")
    if payment_token == "tok_gateway_timeout":
        raise RetryableError(
            "Payment gateway timed out", error_code="gateway_timeout", retry_after=5
        )
    digest = hashlib.sha256(f"{payment_token}:{cart_result.total}".encode()).hexdigest()
    return EcommerceProcessPaymentResult(
        payment_id=f"pay_{digest[:12]}", amount_charged=cart_result.total, currency="USD"
    )
