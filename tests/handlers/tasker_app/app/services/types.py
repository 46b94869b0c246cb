"""Input and result models, as in the seed post's ``app/services/types.py``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class EcommerceOrderInput(BaseModel):
    cart_items: list[dict[str, Any]] | None = None
    customer_email: str | None = None
    payment_token: str | None = None


class EcommerceValidateCartResult(BaseModel):
    validated_items: list[dict[str, Any]] | None = None
    item_count: int | None = None
    subtotal: float | None = None
    tax: float | None = None
    shipping: float | None = None
    total: float | None = None


class EcommerceProcessPaymentResult(BaseModel):
    payment_id: str | None = None
    amount_charged: float | None = None
    currency: str | None = None
