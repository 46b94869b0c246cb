"""Fulfilment handlers in the import style of Tasker's Python example apps."""

from __future__ import annotations

from app.services.types import EcommerceValidateCartResult
from tasker_core.errors import PermanentError, RetryableError
from tasker_core.step_handler.functional import depends_on, inputs, step_handler
from tasker_core.types import StepContext

MAX_UNITS_PER_LINE = 100


@step_handler("ecommerce_update_inventory")
@depends_on(cart_result=("validate_cart", EcommerceValidateCartResult))
def update_inventory(cart_result: EcommerceValidateCartResult, context: StepContext):
    reservations = []
    for item in cart_result.validated_items or []:
        if item["quantity"] > MAX_UNITS_PER_LINE:
            raise PermanentError(
                f"{item['sku']}: {item['quantity']} units exceeds the per-order limit",
                error_code="quantity_limit",
            )
        if item["sku"].startswith("BACKORDER"):
            raise RetryableError(f"{item['sku']}: warehouse busy", retry_after=30)
        reservations.append({"sku": item["sku"], "reserved": item["quantity"]})
    return {"reservations": reservations, "units": sum(r["reserved"] for r in reservations)}


@step_handler("ecommerce_create_order")
@depends_on(cart="validate_cart", payment="process_payment", inventory="update_inventory")
@inputs("customer_email")
def create_order(cart, payment, inventory, customer_email, context: StepContext):
    return {
        "order_id": f"ORD-{context.task_uuid[:8]}",
        "customer_email": customer_email,
        "total": cart["total"],
        "payment_id": payment["payment_id"],
        "units": inventory["units"],
    }


@step_handler("ecommerce_send_confirmation")
@depends_on(order="create_order")
@inputs("customer_email")
async def send_confirmation(order, customer_email, context: StepContext):
    return {
        "sent_to": customer_email,
        "subject": f"Order {order['order_id']} confirmed",
        "resent": context.is_retry(),
    }
