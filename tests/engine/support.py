"""Shared data and helpers for the engine tests."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"
HANDLERS = [str(DATA / "scripted_handlers.py"), str(DATA / "checkout_stubs.py")]
CART = {
    "customer_email": "ada@example.com",
    "payment_token": "tok_visa_4242",
    "cart_items": [{"sku": "BOOK-1", "price": 25.0, "quantity": 2}],
}


def step(task: dict, name: str) -> dict:
    return next(s for s in task["steps"] if s["name"] == name)
