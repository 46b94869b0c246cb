# The seed post's ProcessPaymentHandler (post-01-ecommerce-checkout.md) with the post's
# imports and decorators verbatim; only the future import every module here carries is added.
# ruff: noqa: I001, F401
from __future__ import annotations

from tasker_core.step_handler.functional import step_handler, depends_on, inputs
from tasker_core import PermanentError, RetryableError
from app.services.types import EcommerceOrderInput, EcommerceValidateCartResult
from app.services import ecommerce as svc


@step_handler("ecommerce_process_payment")
@depends_on(cart_result=("validate_cart", EcommerceValidateCartResult))
@inputs(EcommerceOrderInput)
def process_payment(
    cart_result: EcommerceValidateCartResult,
    inputs: EcommerceOrderInput,
    context,
):
    return svc.process_payment(
        cart_result=cart_result,
        payment_token=inputs.payment_token,
    )
