"""Typed inputs and step results of the checkout (the FastAPI reference app's contract).

Money is carried as float dollars in results (the reference contract and JSON), computed in
Decimal by ``pricing``. The per-step ``result_schema`` blocks of the templates are generated
from these models, and a test keeps the two in agreement.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class EcommerceOrderInput(BaseModel):
    """The task context as the handlers read it; cart rules are checked by the service."""

    items: list[dict[str, Any]] | None = None
    cart_items: list[dict[str, Any]] | None = None  # alias used by the Rails and Bun apps
    payment_token: str | None = None
    customer_email: str | None = None
    shipping_address: str | dict[str, Any] | None = None

    def cart(self) -> list[dict[str, Any]]:
        """The first non-empty of ``items`` and ``cart_items``."""
        return self.items or self.cart_items or []


class CartItem(BaseModel):
    """One cart line as a caller submits it (the template's ``input_schema``)."""

    model_config = ConfigDict(extra="forbid")

    sku: str
    name: str
    quantity: int
    unit_price: float


class OrderContext(BaseModel):
    """The documented task context: what ``input_schema`` describes."""

    items: list[CartItem]
    customer_email: str
    payment_token: str | None = None
    shipping_address: str | None = None


class CartLine(BaseModel):
    sku: str
    name: str
    quantity: int
    unit_price: float
    line_total: float


class ValidateCartResult(BaseModel):
    validated_items: list[CartLine]
    item_count: int
    subtotal: float
    tax: float
    tax_rate: float
    shipping: float
    free_shipping: bool
    total: float
    validated_at: str


class ProcessPaymentResult(BaseModel):
    payment_id: str
    transaction_id: str
    authorization_code: str
    amount_charged: float
    currency: str
    payment_method_type: str
    gateway_response: str | None = None
    status: str
    idempotency_key: str
    gateway: str
    processed_at: str


class ReservedProduct(BaseModel):
    sku: str
    name: str | None = None
    quantity_reserved: int
    previous_quantity: int
    new_quantity: int
    reservation_id: str
    warehouse: str
    status: str


class InventoryChange(BaseModel):
    sku: str
    change_type: str
    quantity: int
    reason: str
    log_id: str


class UpdateInventoryResult(BaseModel):
    updated_products: list[ReservedProduct]
    total_items_reserved: int
    inventory_changes: list[InventoryChange]
    inventory_log_id: str
    updated_at: str


class CreateOrderResult(BaseModel):
    order_id: str
    order_number: str
    customer_email: str
    items: list[CartLine]
    item_count: int
    subtotal: float
    tax: float
    shipping: float
    total: float
    total_amount: float
    payment_id: str
    transaction_id: str
    authorization_code: str
    updated_products: list[ReservedProduct]
    inventory_log_id: str
    status: str
    created_at: str
    estimated_delivery: str


class SendConfirmationResult(BaseModel):
    email_sent: bool
    recipient: str
    email_type: str
    message_id: str
    subject: str
    body_preview: str
    channel: str
    template: str
    status: str
    sent_at: str
