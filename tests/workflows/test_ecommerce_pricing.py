from __future__ import annotations

from decimal import Decimal

import pytest
from tasker_workflows.ecommerce.pricing import (
    cart_totals,
    from_cents,
    line_total,
    to_cents,
    to_decimal,
    to_money,
)

# The worked totals of example-workflows §3.1: (quantity, unit price) lines -> money fields.
WORKED_TOTALS = [
    ([(2, "29.99")], "59.98", "4.80", "9.99", "74.77"),
    ([(1, "10.00")], "10.00", "0.80", "9.99", "20.79"),
    ([(1, "19.99")], "19.99", "1.60", "9.99", "31.58"),
    ([(2, "29.99"), (1, "49.99")], "109.97", "8.80", "0.00", "118.77"),
    ([(2, "29.99"), (1, "149.99")], "209.97", "16.80", "0.00", "226.77"),
]


@pytest.mark.parametrize(("lines", "subtotal", "tax", "shipping", "total"), WORKED_TOTALS)
def test_worked_totals_of_the_reference(lines, subtotal, tax, shipping, total):
    totals = cart_totals(line_total(q, Decimal(p)) for q, p in lines)
    assert (totals.subtotal, totals.tax, totals.shipping, totals.total) == (
        Decimal(subtotal),
        Decimal(tax),
        Decimal(shipping),
        Decimal(total),
    )


def test_floats_from_json_price_exactly():
    assert line_total(3, to_decimal(0.1)) == Decimal("0.30")
    assert to_money(29.99) == Decimal("29.99")


def test_half_cent_ties_round_up():
    assert line_total(1, Decimal("0.125")) == Decimal("0.13")
    assert line_total(3, Decimal("0.125")) == Decimal("0.38")  # 0.375, not 3 x 0.13


def test_tax_rounds_to_the_nearest_cent():
    assert cart_totals([Decimal("10.56")]).tax == Decimal("0.84")  # 0.8448
    assert cart_totals([Decimal("10.57")]).tax == Decimal("0.85")  # 0.8456


def test_free_shipping_starts_at_exactly_100():
    assert cart_totals([Decimal("100.00")]).shipping == Decimal("0.00")
    assert cart_totals([Decimal("99.99")]).shipping == Decimal("9.99")
    assert cart_totals([Decimal("100.00")]).free_shipping


def test_cents_round_trip():
    assert to_cents(Decimal("74.77")) == 7477
    assert from_cents(7477) == Decimal("74.77")


@pytest.mark.parametrize("bad", [True, "abc", float("nan"), None])
def test_non_amounts_are_refused(bad):
    with pytest.raises(ValueError, match="not an amount"):
        to_decimal(bad)
