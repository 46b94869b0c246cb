"""A seeded, realistic mix of checkout orders for the demo, each with the outcome it must reach.

``build_order_mix(orders, seed)`` returns one ``OrderScenario`` per order: the context to
submit to ``ecommerce/order_processing``, the gateway faults to set for its card token (unique
to this order, seed and order count), and what the task must end as: status, payment
attempts, charges taken, error code.

Shares of the mix (each kind at least once from 10 orders; the rest succeed): declined 10 %,
a gateway error / 429 / timeout that clears on the retry 12 %, gateway trouble that outlasts
both attempts 6 %, slow past the timeout 4 %, charged-then-timed-out 8 %.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ..ecommerce.pricing import cart_totals, line_total, to_cents

PAYMENT_MAX_ATTEMPTS = 2  # process_payment's retry.max_attempts in order_processing.yaml
COMPLETE, BLOCKED = "complete", "blocked_by_failures"


class ScenarioKind(StrEnum):
    """What happens to an order's payment."""

    SUCCESS = "success"  # charged on the first attempt
    DECLINED = "declined"  # 402: permanent, nothing charged
    RETRY_THEN_SUCCESS = "retry_then_success"  # 5xx, 429 or timeout once, then charged
    RETRIES_EXHAUSTED = "retries_exhausted"  # 5xx, 429 or timeout on every attempt
    SLOW = "slow"  # the first answer comes after the timeout; the retry is charged
    POST_CHARGE_TIMEOUT = "post_charge_timeout"  # charged, answer lost; the retry replays it


KIND_DESCRIPTIONS = {
    ScenarioKind.SUCCESS: "approved on the first attempt",
    ScenarioKind.DECLINED: "card declined or insufficient funds: fails at once, nothing charged",
    ScenarioKind.RETRY_THEN_SUCCESS: "HTTP 5xx, 429 or a timeout once; the retry is approved",
    ScenarioKind.RETRIES_EXHAUSTED: "gateway trouble on both attempts: waits for an operator",
    ScenarioKind.SLOW: "answer slower than the timeout; the retry is approved, once",
    ScenarioKind.POST_CHARGE_TIMEOUT: "charged, answer lost; the retry gets the same charge back",
}

SHARES = {
    ScenarioKind.DECLINED: 0.10,
    ScenarioKind.RETRY_THEN_SUCCESS: 0.12,
    ScenarioKind.RETRIES_EXHAUSTED: 0.06,
    ScenarioKind.SLOW: 0.04,
    ScenarioKind.POST_CHARGE_TIMEOUT: 0.08,
}

CATALOGUE = [
    ("WIDGET-001", "Widget", "29.99"),
    ("GADGET-002", "Gadget", "149.99"),
    ("SKU-001", "USB cable", "9.99"),
    ("SKU-002", "Charger", "24.50"),
    ("SKU-003", "Headphones", "59.00"),
    ("SKU-005", "Sticker pack", "3.25"),
]
STREETS = ["Main St", "Oak Ave", "Pine Rd", "Maple Dr", "Cedar Ln", "Elm St"]


@dataclass(frozen=True)
class OrderScenario:
    """One demo order and the outcome the engine must reach for it."""

    index: int
    kind: ScenarioKind
    token: str
    context: dict[str, Any]  # the task context for ecommerce/order_processing
    faults: tuple[dict[str, Any], ...]  # PaymentGateway.set_faults(token, faults)
    expected_status: str  # complete | blocked_by_failures
    expected_payment_attempts: int
    expected_charges: int  # charges the gateway ledger holds for this order: 0 or 1
    expected_amount_cents: int  # the cart total
    expected_error_code: str | None  # process_payment's final error code when blocked
    summary: str  # one line for the demo's table
    namespace: str = "ecommerce"
    name: str = "order_processing"


def kind_counts(orders: int) -> dict[ScenarioKind, int]:
    """How many orders of each kind: shares rounded, each kind at least once from 10 orders."""
    if orders < 1:
        raise ValueError(f"orders must be at least 1, got {orders}")
    counts = {
        kind: max(1, round(share * orders)) if orders >= 10 else round(share * orders)
        for kind, share in SHARES.items()
    }
    counts[ScenarioKind.SUCCESS] = orders - sum(counts.values())
    return counts


def build_order_mix(
    orders: int, seed: int, *, gateway_timeout_s: float = 1.0
) -> list[OrderScenario]:
    """The demo's orders, shuffled; the same list for the same ``orders`` and ``seed``.

    ``gateway_timeout_s`` is the payment step's HTTP timeout; held responses last three
    times as long, so they always outlast it.
    """
    rng = random.Random(seed)
    hold_s = round(gateway_timeout_s * 3, 3)
    kinds = [kind for kind, count in kind_counts(orders).items() for _ in range(count)]
    rng.shuffle(kinds)
    return [
        _scenario(index, kind, f"tok_demo_{seed}_{orders}_{index:04d}", rng, hold_s)
        for index, kind in enumerate(kinds)
    ]


def _scenario(
    index: int, kind: ScenarioKind, token: str, rng: random.Random, hold_s: float
) -> OrderScenario:
    items = _cart(rng)
    totals = cart_totals(line_total(i["quantity"], Decimal(str(i["unit_price"]))) for i in items)
    context = {
        "customer_email": f"customer{index:04d}@example.com",
        "items": items,
        "payment_token": token,
        "shipping_address": f"{rng.randint(1, 999)} {rng.choice(STREETS)}, Springfield",
    }
    faults, code, summary = _faults_for(kind, rng, hold_s)
    paid = kind not in (ScenarioKind.DECLINED, ScenarioKind.RETRIES_EXHAUSTED)
    attempts = {
        ScenarioKind.SUCCESS: 1,
        ScenarioKind.DECLINED: 1,
    }.get(kind, PAYMENT_MAX_ATTEMPTS)
    return OrderScenario(
        index=index,
        kind=kind,
        token=token,
        context=context,
        faults=tuple(faults),
        expected_status=COMPLETE if paid else BLOCKED,
        expected_payment_attempts=attempts,
        expected_charges=1 if paid else 0,
        expected_amount_cents=to_cents(totals.total),
        expected_error_code=code,
        summary=summary,
    )


def _cart(rng: random.Random) -> list[dict[str, Any]]:
    picked = rng.sample(CATALOGUE, k=rng.choice([1, 1, 2, 2, 3]))
    return [
        {"sku": sku, "name": name, "quantity": rng.randint(1, 3), "unit_price": float(price)}
        for sku, name, price in picked
    ]


def _faults_for(
    kind: ScenarioKind, rng: random.Random, hold_s: float
) -> tuple[list[dict[str, Any]], str | None, str]:
    """(gateway faults, expected final error code, summary) for one order."""
    if kind is ScenarioKind.SUCCESS:
        return [], None, "approved"
    if kind is ScenarioKind.DECLINED:
        if rng.random() < 0.7:
            return [{"kind": "decline"}], "PAYMENT_DECLINED", "card declined"
        return [{"kind": "insufficient_funds"}], "INSUFFICIENT_FUNDS", "insufficient funds"
    if kind is ScenarioKind.SLOW:
        return [{"kind": "slow", "delay_s": hold_s, "times": 1}], None, "slow past the timeout once"
    if kind is ScenarioKind.POST_CHARGE_TIMEOUT:
        fault = {"kind": "stall_after_charge", "delay_s": hold_s, "times": 1}
        return [fault], None, "charged, answer timed out; retry replays the charge"
    times = 1 if kind is ScenarioKind.RETRY_THEN_SUCCESS else None
    trouble = rng.choice(["server_error", "rate_limit", "timeout"])
    if trouble == "server_error":
        status = rng.choice([500, 502, 503])
        fault, code, what = {"kind": trouble, "status": status}, "GATEWAY_ERROR", f"HTTP {status}"
    elif trouble == "rate_limit":
        fault, code, what = {"kind": trouble, "retry_after_s": 1}, "RATE_LIMITED", "HTTP 429"
    else:
        fault, code, what = {"kind": trouble, "delay_s": hold_s}, "GATEWAY_TIMEOUT", "timeout"
    if times == 1:
        return [{**fault, "times": 1}], None, f"{what} once, then approved"
    return [fault], code, f"{what} on every attempt"
