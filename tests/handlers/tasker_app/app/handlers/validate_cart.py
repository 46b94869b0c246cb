# The seed post's ValidateCartHandler (post-01-ecommerce-checkout.md) with the post's imports
# and decorators verbatim; only the future import every module here carries is added.
# ruff: noqa: I001
from __future__ import annotations

from tasker_core.step_handler.functional import step_handler, inputs
from app.services.types import EcommerceOrderInput
from app.services import ecommerce as svc


@step_handler("ecommerce_validate_cart")
@inputs(EcommerceOrderInput)
def validate_cart(inputs: EcommerceOrderInput, context):
    return svc.validate_cart_items(
        cart_items=inputs.cart_items,
        customer_email=inputs.customer_email,
    )
