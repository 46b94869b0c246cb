"""Cart pricing in Decimal with half-up rounding to cents.

Rules (the FastAPI reference app's): line total = quantity x unit price; subtotal = sum of
line totals; tax = 8 % of the subtotal; shipping is free from a $100.00 subtotal, else $9.99;
total = subtotal + tax + shipping. Every amount is rounded half-up to the cent.
Worked example: 2 x 29.99 -> subtotal 59.98, tax 4.80, shipping 9.99, total 74.77.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
TAX_RATE = Decimal("0.08")
FREE_SHIPPING_FROM = Decimal("100.00")
SHIPPING_FEE = Decimal("9.99")


def to_decimal(value: object) -> Decimal:
    """A number (int, float, str or Decimal) as an exact Decimal; ValueError otherwise.

    Floats go through ``str`` so 29.99 means 29.99, not its binary approximation.
    """
    if isinstance(value, bool):
        raise ValueError(f"not an amount: {value!r}")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount


def to_money(value: object) -> Decimal:
    """A number as Decimal dollars rounded half-up to cents."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal) -> int:
    """Whole cents of a money amount (74.77 -> 7477)."""
    return int(to_money(amount) * 100)


def from_cents(cents: int) -> Decimal:
    """Money amount of whole cents (7477 -> 74.77)."""
    return (Decimal(cents) / 100).quantize(CENT)


def line_total(quantity: int, unit_price: Decimal) -> Decimal:
    """quantity x unit price, rounded half-up to cents."""
    return (Decimal(quantity) * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


def shipping_for(subtotal: Decimal) -> Decimal:
    """Free from $100.00, otherwise the flat $9.99."""
    return Decimal("0.00") if subtotal >= FREE_SHIPPING_FROM else SHIPPING_FEE


@dataclass(frozen=True)
class CartTotals:
    """The money fields of a validated cart."""

    subtotal: Decimal
    tax: Decimal
    shipping: Decimal
    total: Decimal
    tax_rate: Decimal = TAX_RATE

    @property
    def free_shipping(self) -> bool:
        return self.shipping == 0


def cart_totals(line_totals: Iterable[Decimal]) -> CartTotals:
    """Subtotal, 8 % tax, shipping and total from the line totals."""
    subtotal = sum(line_totals, Decimal("0.00")).quantize(CENT, rounding=ROUND_HALF_UP)
    tax = (subtotal * TAX_RATE).quantize(CENT, rounding=ROUND_HALF_UP)
    shipping = shipping_for(subtotal)
    total = (subtotal + tax + shipping).quantize(CENT, rounding=ROUND_HALF_UP)
    return CartTotals(subtotal=subtotal, tax=tax, shipping=shipping, total=total)
