"""The checkout's Tasker handlers: thin wrappers that read typed inputs and call the services.

Registered names (the templates' ``handler.callable``): ``ecommerce_validate_cart``,
``ecommerce_process_payment``, ``ecommerce_update_inventory``, ``ecommerce_create_order``,
``ecommerce_send_confirmation``. The chain and the diamond template share them.
"""

from __future__ import annotations

from tasker_core.step_handler.api import ApiHandler
from tasker_core.step_handler.functional import api_handler, depends_on, inputs, step_handler
from tasker_core.types import StepContext

from ..handler_support import classified_errors, required, utc_now
from ..outbox import Outbox, outbox_path
from . import services as svc
from . import subscribers as _subscribers  # noqa: F401 (registers the events' subscribers)
from .models import (
    CreateOrderResult,
    EcommerceOrderInput,
    ProcessPaymentResult,
    SendConfirmationResult,
    UpdateInventoryResult,
    ValidateCartResult,
)
from .payments import DEFAULT_TIMEOUT_S, charge_card, gateway_settings, payment_idempotency_key
from .pricing import to_money


@step_handler("ecommerce_validate_cart")
@inputs(EcommerceOrderInput)
def validate_cart(inputs: EcommerceOrderInput, context: StepContext) -> ValidateCartResult:
    with classified_errors():
        return svc.validate_cart(inputs.cart(), inputs.customer_email, now=utc_now())


@api_handler("ecommerce_process_payment", base_url="", timeout=DEFAULT_TIMEOUT_S)
@depends_on(cart=("validate_cart", ValidateCartResult))
@inputs(EcommerceOrderInput)
def process_payment(
    cart: ValidateCartResult | None,
    inputs: EcommerceOrderInput,
    api: ApiHandler,
    context: StepContext,
) -> ProcessPaymentResult:
    cart = required(cart, "validate_cart")
    key = payment_idempotency_key(context.task_uuid)
    with classified_errors():
        settings = gateway_settings(context.step_config)
        amount = to_money(cart.total)
        if settings.url is None:
            return svc.simulate_charge(
                inputs.payment_token,
                amount,
                idempotency_key=key,
                now=utc_now(),
                first_attempt=context.retry_count == 0,
            )
        return charge_card(
            api.post,
            settings,
            token=inputs.payment_token,
            amount=amount,
            idempotency_key=key,
            now=utc_now(),
        )


@step_handler("ecommerce_update_inventory")
@depends_on(cart=("validate_cart", ValidateCartResult))
def update_inventory(
    cart: ValidateCartResult | None, context: StepContext
) -> UpdateInventoryResult:
    cart = required(cart, "validate_cart")
    with classified_errors():
        return svc.reserve_inventory(cart.validated_items, id_seed=context.task_uuid, now=utc_now())


@step_handler("ecommerce_create_order")
@depends_on(
    cart=("validate_cart", ValidateCartResult),
    payment=("process_payment", ProcessPaymentResult),
    inventory=("update_inventory", UpdateInventoryResult),
)
@inputs(EcommerceOrderInput)
def create_order(
    cart: ValidateCartResult | None,
    payment: ProcessPaymentResult | None,
    inventory: UpdateInventoryResult | None,
    inputs: EcommerceOrderInput,
    context: StepContext,
) -> CreateOrderResult:
    with classified_errors():
        return svc.create_order(
            required(cart, "validate_cart"),
            required(payment, "process_payment"),
            required(inventory, "update_inventory"),
            inputs.customer_email or "",
            id_seed=context.task_uuid,
            now=utc_now(),
        )


@step_handler("ecommerce_send_confirmation")
@depends_on(order=("create_order", CreateOrderResult))
@inputs(EcommerceOrderInput)
def send_confirmation(
    order: CreateOrderResult | None, inputs: EcommerceOrderInput, context: StepContext
) -> SendConfirmationResult:
    order = required(order, "create_order")
    with classified_errors():
        return svc.send_confirmation(
            order,
            inputs.customer_email,
            Outbox(outbox_path(context.step_config)),
            message_key=f"{context.task_uuid}:send_confirmation",
            now=utc_now(),
        )
