"""Stub handlers for the seed's checkout template, registered under its Ruby-style callables.

Each records its run as a line ``task step attempt`` in $TASKER_TEST_RUNLOG (if set) and
sleeps $TASKER_TEST_STEP_SLEEP seconds, so crash tests can kill a worker mid-step.
"""

from __future__ import annotations

import os
import time

from tasker_core.step_handler.functional import depends_on, step_handler


def _record(context) -> None:
    log = os.environ.get("TASKER_TEST_RUNLOG")
    if log:
        with open(log, "a") as f:
            f.write(f"{context.task_uuid} {context.step_name} {context.retry_count + 1}\n")
    time.sleep(float(os.environ.get("TASKER_TEST_STEP_SLEEP", "0")))


@step_handler("Ecommerce::StepHandlers::ValidateCartHandler")
def validate_cart(context):
    _record(context)
    items = context.get_input("cart_items") or []
    total = sum(item["price"] * item["quantity"] for item in items)
    return {"validated_items": items, "total": total}


@step_handler("Ecommerce::StepHandlers::ProcessPaymentHandler")
@depends_on(cart="validate_cart")
def process_payment(cart, context):
    _record(context)
    return {"payment_id": f"pay_{context.task_uuid[:8]}", "amount_charged": cart["total"]}


@step_handler("Ecommerce::StepHandlers::UpdateInventoryHandler")
@depends_on(cart="validate_cart")
def update_inventory(cart, context):
    _record(context)
    return {"reserved": [item["sku"] for item in cart["validated_items"]]}


@step_handler("Ecommerce::StepHandlers::CreateOrderHandler")
@depends_on(payment="process_payment", inventory="update_inventory")
def create_order(payment, inventory, context):
    _record(context)
    return {
        "order_id": f"ord_{context.task_uuid[:8]}",
        "payment_id": payment["payment_id"],
        "items": inventory["reserved"],
    }


@step_handler("Ecommerce::StepHandlers::SendConfirmationHandler")
@depends_on(order="create_order", cart="validate_cart")
def send_confirmation(order, cart, context):
    _record(context)
    return {
        "sent_to": context.get_input("customer_email"),
        "order_id": order["order_id"],
        "total": cart["total"],
    }
