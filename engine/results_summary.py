"""A completed step's results in one short line, for an operator deciding what an action
leaves behind: ``payment_id pay_1f2e3d4c5b6a, amount_charged $363.37, status completed``.

Only what says what happened is kept: ids (``id``, ``*_id``), amounts (``amount*``,
``*_amount``, ``total``, ``*_charged``, ``price``) and a ``status``; each value is masked
(``engine.masking``), stripped of control characters (``engine.literal.visible``) and clipped.
An amount beside ``currency: USD`` (or EUR, GBP) shows with its symbol. Pure.
"""

from __future__ import annotations

from typing import Any

from engine.literal import visible
from engine.masking import masked

MAX_ITEMS = 4
VALUE_LIMIT = 24
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
AMOUNT_WORDS = ("amount", "total", "charged", "price", "refunded")


def _is_id(key: str) -> bool:
    lowered = key.lower()
    return lowered == "id" or lowered.endswith("_id") or key.endswith("Id")


def _is_amount(key: str, value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    lowered = key.lower()
    return any(word in lowered for word in AMOUNT_WORDS)


def _money(value: float, currency: Any) -> str:
    symbol = SYMBOLS.get(str(currency).upper()) if currency else None
    if symbol is None:
        return f"{value:g}" + (f" {visible(currency, limit=6)}" if currency else "")
    return f"{symbol}{value:,.2f}"


def results_summary(results: Any, secrets: tuple[str, ...] = ()) -> str:
    """The ids, amounts and status of ``results`` (masked, literal, short), or ``no results``
    when there are none, or ``N keys`` when none of them says what happened."""
    if not isinstance(results, dict) or not results:
        return "no results"
    shown = masked(results, secrets)
    currency = shown.get("currency")
    items: list[str] = []
    for key, value in shown.items():
        if not isinstance(key, str) or isinstance(value, dict | list):
            continue
        if _is_id(key) and value is not None:
            items.append(f"{visible(key, limit=20)} {visible(value, limit=VALUE_LIMIT)}")
        elif _is_amount(key, value):
            items.append(f"{visible(key, limit=20)} {_money(float(value), currency)}")
    if isinstance(shown.get("status"), str):
        items.append(f"status {visible(shown['status'], limit=VALUE_LIMIT)}")
    if not items:
        return f"{len(results)} key{'s' if len(results) != 1 else ''}"
    more = len(items) - MAX_ITEMS
    return ", ".join(items[:MAX_ITEMS]) + (f" (+{more} more)" if more > 0 else "")
