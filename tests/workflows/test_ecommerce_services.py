from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from tasker_workflows.ecommerce import services as svc
from tasker_workflows.ecommerce.models import ProcessPaymentResult
from tasker_workflows.errors import BusinessRuleError, TransientError
from tasker_workflows.outbox import Outbox

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
WIDGETS = [{"sku": "WIDGET-001", "name": "Widget", "quantity": 2, "unit_price": 29.99}]


def _cart(items=WIDGETS):
    return svc.validate_cart(items, "jane@example.com", now=NOW)


def test_validated_cart_carries_lines_and_totals():
    cart = _cart(
        [*WIDGETS, {"sku": "GADGET-002", "name": "Gadget", "quantity": 1, "unit_price": 49.99}]
    )
    assert [line.line_total for line in cart.validated_items] == [59.98, 49.99]
    assert (cart.subtotal, cart.tax, cart.shipping, cart.total) == (109.97, 8.8, 0.0, 118.77)
    assert cart.item_count == 2  # lines, not units
    assert cart.free_shipping
    assert cart.validated_at == NOW.isoformat()


@pytest.mark.parametrize(
    ("items", "code", "words"),
    [
        ([], "EMPTY_CART", "cart is empty"),
        (None, "EMPTY_CART", "cart is empty"),
        ([{"name": "Widget", "quantity": 1, "unit_price": 1}], "INVALID_ITEM", "item 1 has no sku"),
        ([{"sku": "A", "quantity": 1, "unit_price": 1}], "INVALID_ITEM", "has no name"),
        ([{"sku": "A", "name": "a", "unit_price": 1}], "INVALID_QUANTITY", "at least 1"),
        ([{"sku": "A", "name": "a", "quantity": 0, "unit_price": 1}], "INVALID_QUANTITY", "got 0"),
        ([{"sku": "A", "name": "a", "quantity": 1.5, "unit_price": 1}], "INVALID_QUANTITY", "1.5"),
        (
            [{"sku": "A", "name": "a", "quantity": True, "unit_price": 1}],
            "INVALID_QUANTITY",
            "True",
        ),
        ([{"sku": "A", "name": "a", "quantity": 1, "unit_price": 0}], "INVALID_PRICE", "above 0"),
        ([{"sku": "A", "name": "a", "quantity": 1}], "INVALID_PRICE", "above 0"),
        ([{"sku": "A", "name": "a", "quantity": 1, "unit_price": "free"}], "INVALID_PRICE", "free"),
        (["not a line"], "INVALID_ITEM", "not an object"),
    ],
)
def test_bad_carts_fail_permanently_with_a_reason(items, code, words):
    with pytest.raises(BusinessRuleError, match=words) as caught:
        _cart(items)
    assert caught.value.code == code
    assert not caught.value.retryable


def test_the_first_bad_line_is_named():
    items = [*WIDGETS, {"sku": "B", "name": "b", "quantity": -1, "unit_price": 5}]
    with pytest.raises(BusinessRuleError, match=r"item 2 \(B\)"):
        _cart(items)


@pytest.mark.parametrize(
    ("email", "code"),
    [
        (None, "MISSING_EMAIL"),
        ("  ", "MISSING_EMAIL"),
        ("jane", "INVALID_EMAIL"),
        ("jane@localhost", "INVALID_EMAIL"),
    ],
)
def test_cart_needs_a_customer_email(email, code):
    with pytest.raises(BusinessRuleError) as caught:
        svc.validate_cart(WIDGETS, email, now=NOW)
    assert caught.value.code == code


# --- token rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "code"),
    [
        ("tok_test_declined", "PAYMENT_DECLINED"),
        ("tok_test_insufficient_funds", "INSUFFICIENT_FUNDS"),
    ],
)
def test_declined_tokens_fail_permanently(token, code):
    with pytest.raises(BusinessRuleError, match="another card") as caught:
        svc.simulate_charge(token, Decimal("74.77"), idempotency_key="t:process_payment", now=NOW)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("token", "code"),
    [("tok_test_gateway_error", "GATEWAY_ERROR"), ("tok_test_timeout", "GATEWAY_TIMEOUT")],
)
def test_gateway_trouble_tokens_are_retryable(token, code):
    with pytest.raises(TransientError, match="will retry") as caught:
        svc.simulate_charge(token, Decimal("74.77"), idempotency_key="t:process_payment", now=NOW)
    assert caught.value.code == code
    assert caught.value.retryable


def test_the_timeout_once_token_fails_only_the_first_attempt():
    with pytest.raises(TransientError, match="will retry") as caught:
        svc.simulate_charge(
            "tok_test_timeout_once", Decimal("74.77"), idempotency_key="t:p", now=NOW
        )
    assert caught.value.code == "GATEWAY_TIMEOUT"
    retried = svc.simulate_charge(
        "tok_test_timeout_once",
        Decimal("74.77"),
        idempotency_key="t:p",
        now=NOW,
        first_attempt=False,
    )
    assert retried.amount_charged == 74.77


@pytest.mark.parametrize("token", [None, "", "  ", "tok_test_success", "tok_visa_4242"])
def test_other_tokens_charge_the_cart_total(token):
    charge = svc.simulate_charge(
        token, Decimal("74.77"), idempotency_key="t1:process_payment", now=NOW
    )
    assert charge.amount_charged == 74.77
    assert (charge.currency, charge.status, charge.gateway_response) == (
        "USD",
        "completed",
        "approved",
    )
    assert charge.payment_id.startswith("pay_") and len(charge.payment_id) == 16
    assert charge.transaction_id.startswith("txn_") and len(charge.transaction_id) == 20
    assert len(charge.authorization_code) == 12 and charge.authorization_code.isupper()


def test_the_same_idempotency_key_gives_the_same_payment_ids():
    first = svc.simulate_charge(
        None, Decimal("1.00"), idempotency_key="t1:process_payment", now=NOW
    )
    again = svc.simulate_charge(
        None, Decimal("1.00"), idempotency_key="t1:process_payment", now=NOW
    )
    other = svc.simulate_charge(
        None, Decimal("1.00"), idempotency_key="t2:process_payment", now=NOW
    )
    assert first.payment_id == again.payment_id != other.payment_id


# --- inventory -------------------------------------------------------------------------------


def test_inventory_reserves_each_line_in_the_east_warehouse():
    cart = _cart([*WIDGETS, {"sku": "SKU-004", "name": "Thing", "quantity": 5, "unit_price": 3}])
    result = svc.reserve_inventory(cart.validated_items, id_seed="task-1", now=NOW)
    assert result.total_items_reserved == 7
    widget, thing = result.updated_products
    assert (widget.previous_quantity, widget.new_quantity) == (200, 198)
    assert (thing.previous_quantity, thing.new_quantity) == (75, 70)
    assert {p.warehouse for p in result.updated_products} == {"WH-EAST-01"}
    assert [c.quantity for c in result.inventory_changes] == [-2, -5]
    assert {c.reason for c in result.inventory_changes} == {"order_checkout"}
    again = svc.reserve_inventory(cart.validated_items, id_seed="task-1", now=NOW)
    assert again.inventory_log_id == result.inventory_log_id  # a retry reserves the same ids


def test_out_of_stock_fails_permanently_naming_every_short_sku():
    items = [
        {"sku": "SKU-004", "name": "Thing", "quantity": 76, "unit_price": 1},
        {"sku": "SKU-001", "name": "Part", "quantity": 500, "unit_price": 1},
        {"sku": "WIDGET-001", "name": "Widget", "quantity": 201, "unit_price": 1},
    ]
    with pytest.raises(BusinessRuleError) as caught:
        svc.reserve_inventory(_cart(items).validated_items, id_seed="t", now=NOW)
    assert caught.value.code == "OUT_OF_STOCK"
    assert caught.value.details["skus"] == ["SKU-004", "WIDGET-001"]
    assert "SKU-004 (asked 76, 75 in stock)" in caught.value.message


# --- order and confirmation -------------------------------------------------------------------


def _order(id_seed="task-1"):
    cart = _cart()
    payment = svc.simulate_charge(
        None, Decimal(str(cart.total)), idempotency_key=f"{id_seed}:p", now=NOW
    )
    inventory = svc.reserve_inventory(cart.validated_items, id_seed=id_seed, now=NOW)
    return svc.create_order(
        cart, payment, inventory, "jane@example.com", id_seed=id_seed, now=NOW
    ), payment


def test_order_copies_cart_payment_and_inventory():
    order, payment = _order()
    assert order.status == "confirmed"
    assert order.total == order.total_amount == 74.77
    assert order.payment_id == payment.payment_id
    assert order.order_id.startswith("ORD-") and len(order.order_id) == 12
    assert order.order_number == f"ORD-20260302-{order.order_id[4:]}"
    assert order.estimated_delivery == "March 09, 2026"
    assert _order()[0].order_id == order.order_id != _order("task-2")[0].order_id


def test_confirmation_lands_in_the_outbox_once(tmp_path):
    order, _ = _order()
    outbox = Outbox(tmp_path / "outbox.db")
    sent = svc.send_confirmation(
        order, "jane@example.com", outbox, message_key="task-1:send_confirmation", now=NOW
    )
    resent = svc.send_confirmation(
        order, "jane@example.com", outbox, message_key="task-1:send_confirmation", now=NOW
    )
    assert sent == resent
    (message,) = outbox.messages()
    assert message.recipient == "jane@example.com"
    assert message.subject == f"Order Confirmation - {order.order_id}"
    assert "1 item, total $74.77" in message.body
    assert sent.message_id == message.message_id and sent.message_id.startswith("msg_")
    assert (sent.status, sent.channel, sent.template) == ("sent", "email", "order_confirmation_v2")


def test_confirmation_falls_back_to_the_order_email(tmp_path):
    order, _ = _order()
    outbox = Outbox(tmp_path / "outbox.db")
    result = svc.send_confirmation(order, None, outbox, message_key="k", now=NOW)
    assert result.recipient == "jane@example.com"
    assert outbox.messages(recipient="jane@example.com")


def test_payment_result_model_round_trips_json():
    charge = svc.simulate_charge(None, Decimal("5"), idempotency_key="k", now=NOW)
    assert ProcessPaymentResult.model_validate(charge.model_dump(mode="json")) == charge
