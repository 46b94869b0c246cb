"""Handlers written for Tasker (the seed post's, and the example apps' styles) run unchanged."""

from __future__ import annotations

from engine.handlers.context import StepContext
from engine.handlers.invoke import call_handler
from engine.handlers.registry import HandlerRegistry
from engine.outcomes import Outcome
from tests.handlers.support import envelope, make_context

CART = {
    "customer_email": "ada@example.com",
    "payment_token": "tok_visa_4242",
    "cart_items": [{"sku": "BOOK-1", "price": 25.0, "quantity": 2}],
}
VALIDATED = {
    "validated_items": [{"sku": "BOOK-1", "price": 25.0, "quantity": 2, "line_total": 50.0}],
    "item_count": 1,
    "subtotal": 50.0,
    "tax": 4.0,
    "shipping": 9.99,
    "total": 63.99,
}


async def run(registry: HandlerRegistry, callable_name: str, ctx: StepContext, **kw) -> Outcome:
    return await call_handler(registry.resolve_step(callable_name, **kw), ctx)


# -- the seed post's handlers ---------------------------------------------------------------


async def test_seed_validate_cart_returns_the_priced_cart(tasker_app: HandlerRegistry) -> None:
    outcome = await run(tasker_app, "ecommerce_validate_cart", make_context(input_data=CART))
    assert outcome.ok
    assert outcome.results == VALIDATED


async def test_seed_validate_cart_with_a_malformed_cart_is_a_validation_error(
    tasker_app: HandlerRegistry,
) -> None:
    bad = {**CART, "cart_items": "two books please"}
    outcome = await run(tasker_app, "ecommerce_validate_cart", make_context(input_data=bad))
    assert outcome.error is not None
    assert outcome.error.error_type == "validation_error"
    assert outcome.error.retryable is False
    assert "cart_items" in outcome.error.message
    assert "valid list" in outcome.error.message
    assert outcome.error.metadata["errors"][0]["field"] == "cart_items"


async def test_seed_validate_cart_with_an_empty_cart_is_permanent(
    tasker_app: HandlerRegistry,
) -> None:
    outcome = await run(
        tasker_app, "ecommerce_validate_cart", make_context(input_data={**CART, "cart_items": []})
    )
    assert outcome.error is not None
    assert (outcome.error.error_type, outcome.error.retryable) == ("permanent_error", False)
    assert (outcome.error.message, outcome.error.error_code) == ("Cart is empty", "empty_cart")


async def test_seed_process_payment_charges_the_validated_total(
    tasker_app: HandlerRegistry,
) -> None:
    ctx = make_context(input_data=CART, dependency_results={"validate_cart": envelope(VALIDATED)})
    outcome = await run(tasker_app, "ecommerce_process_payment", ctx)
    assert outcome.ok and outcome.results is not None
    assert outcome.results["amount_charged"] == 63.99
    assert outcome.results["payment_id"].startswith("pay_")


async def test_seed_process_payment_declined_card_is_permanent(tasker_app: HandlerRegistry) -> None:
    ctx = make_context(
        input_data={**CART, "payment_token": "tok_declined"},
        dependency_results={"validate_cart": envelope(VALIDATED)},
    )
    outcome = await run(tasker_app, "ecommerce_process_payment", ctx)
    assert outcome.error is not None
    assert outcome.error.error_type == "permanent_error" and outcome.error.retryable is False
    assert outcome.error.error_code == "card_declined"


async def test_seed_process_payment_gateway_timeout_is_retried_after_its_delay(
    tasker_app: HandlerRegistry,
) -> None:
    ctx = make_context(
        input_data={**CART, "payment_token": "tok_gateway_timeout"},
        dependency_results={"validate_cart": envelope(VALIDATED)},
    )
    outcome = await run(tasker_app, "ecommerce_process_payment", ctx)
    assert outcome.error is not None
    assert outcome.error.error_type == "retryable_error" and outcome.error.retryable is True
    assert (outcome.error.error_code, outcome.error.retry_after_s) == ("gateway_timeout", 5.0)


async def test_seed_process_payment_with_a_malformed_cart_result_names_the_field(
    tasker_app: HandlerRegistry,
) -> None:
    ctx = make_context(
        input_data=CART,
        dependency_results={"validate_cart": envelope({**VALIDATED, "total": "lots"})},
    )
    outcome = await run(tasker_app, "ecommerce_process_payment", ctx)
    assert outcome.error is not None
    assert outcome.error.error_type == "validation_error"
    assert "results of 'validate_cart'" in outcome.error.message
    assert "total" in outcome.error.message


# -- the example apps' import style -----------------------------------------------------------


def checkout_results(**overrides: dict) -> dict:
    results = {
        "validate_cart": envelope(VALIDATED),
        "process_payment": envelope({"payment_id": "pay_1", "amount_charged": 63.99}),
        "update_inventory": envelope({"reservations": [], "units": 2}),
    }
    results.update({name: envelope(value) for name, value in overrides.items()})
    return results


async def test_depends_on_reads_a_grandparent_result(tasker_app: HandlerRegistry) -> None:
    # create_order's parent is update_inventory; validate_cart is two levels further up.
    ctx = make_context(input_data=CART, dependency_results=checkout_results())
    outcome = await run(tasker_app, "ecommerce_create_order", ctx)
    assert outcome.ok and outcome.results is not None
    assert outcome.results["total"] == 63.99
    assert outcome.results["payment_id"] == "pay_1"
    assert outcome.results["customer_email"] == "ada@example.com"
    assert outcome.results["order_id"] == "ORD-01937a6e"


async def test_example_style_errors_classify_from_the_errors_module(
    tasker_app: HandlerRegistry,
) -> None:
    too_many = {**VALIDATED, "validated_items": [{"sku": "PEN", "quantity": 500}]}
    busy = {**VALIDATED, "validated_items": [{"sku": "BACKORDER-9", "quantity": 1}]}
    permanent = await run(
        tasker_app,
        "ecommerce_update_inventory",
        make_context(dependency_results={"validate_cart": envelope(too_many)}),
    )
    retryable = await run(
        tasker_app,
        "ecommerce_update_inventory",
        make_context(dependency_results={"validate_cart": envelope(busy)}),
    )
    assert permanent.error is not None and retryable.error is not None
    assert (permanent.error.error_type, permanent.error.error_code) == (
        "permanent_error",
        "quantity_limit",
    )
    assert (retryable.error.error_type, retryable.error.retry_after_s) == ("retryable_error", 30.0)


async def test_async_example_handler_sees_its_retry_count(tasker_app: HandlerRegistry) -> None:
    order = {"order_id": "ORD-1", "total": 63.99}
    ctx = make_context(
        input_data=CART, dependency_results={"create_order": envelope(order)}, retry_count=1
    )
    outcome = await run(tasker_app, "ecommerce_send_confirmation", ctx)
    assert outcome.results == {
        "sent_to": "ada@example.com",
        "subject": "Order ORD-1 confirmed",
        "resent": True,
    }


# -- the example apps' class-based style ------------------------------------------------------


async def test_class_handler_returned_failure_keeps_its_type_and_code(
    tasker_app: HandlerRegistry,
) -> None:
    outcome = await run(tasker_app, "validate_refund", make_context(input_data={"amount": -5}))
    assert outcome.error is not None
    assert outcome.error.error_type == "validation_error"
    assert (outcome.error.retryable, outcome.error.error_code) == (False, "INVALID_AMOUNT")
    assert outcome.error.message == "Refund amount must be positive, got: -5"


async def test_class_handler_success_keeps_results_and_metadata(
    tasker_app: HandlerRegistry,
) -> None:
    outcome = await run(tasker_app, "validate_refund", make_context(input_data={"amount": 12.5}))
    assert outcome.results == {"amount": 12.5}
    assert outcome.metadata == {"checked": "amount"}


async def test_permanent_error_raised_in_a_class_handler_is_not_retried(
    tasker_app: HandlerRegistry,
) -> None:
    ctx = make_context(step_config={"gateway": "closed"})
    outcome = await run(tasker_app, "refund_gateway", ctx, initialization={"gateway": "closed"})
    assert outcome.error is not None
    assert (outcome.error.error_type, outcome.error.retryable) == ("permanent_error", False)
    assert outcome.error.error_code == "gateway_closed"


async def test_handler_method_picks_the_entry_point(tasker_app: HandlerRegistry) -> None:
    validated = await run(tasker_app, "refund_gateway", make_context(), method="validate")
    ctx = make_context(
        step_config={"gateway": "stripe"},
        dependency_results={"validate_refund": envelope({"amount": 12.5})},
    )
    refunded = await run(tasker_app, "refund_gateway", ctx, method="refund")
    assert validated.results == {"validated_by": "gateway"}
    assert refunded.results == {"refunded": 12.5, "gateway": "stripe"}


async def test_dotted_class_path_in_a_listed_module_resolves(tasker_app: HandlerRegistry) -> None:
    resolved = tasker_app.resolve_step("app.handlers.refunds.ValidateRefundHandler")
    outcome = await call_handler(resolved, make_context(input_data={"amount": 3}))
    assert resolved.resolver == "class_lookup"
    assert outcome.results == {"amount": 3}
