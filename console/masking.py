"""What the console shows of a context or results: sensitive values masked unless revealed.

The rule itself (which keys, how a value is masked) is the engine's, so the CLI and the
console never disagree about what is secret.
"""

from __future__ import annotations

import json
from typing import Any

from engine.masking import MASK, is_sensitive, mask_value, masked

__all__ = [
    "MASK",
    "displayed",
    "displayed_json",
    "is_sensitive",
    "mask_value",
    "masked",
    "masked_text",
    "secret_values",
]


def displayed(value: Any, reveal: bool = False) -> Any:
    """``value`` with sensitive keys masked at any depth, or untouched when ``reveal``."""
    return value if reveal else masked(value)


def displayed_json(value: Any, reveal: bool = False) -> str:
    """Indented JSON of what ``displayed`` returns; ``null`` for nothing."""
    return json.dumps(displayed(value, reveal), indent=2, ensure_ascii=False, default=str)


MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words in messages


def secret_values(value: Any) -> tuple[str, ...]:
    """The text values under sensitive keys, at any depth, longest first (so a secret that
    contains another is replaced whole)."""
    found: set[str] = set()

    def walk(node: Any, sensitive: bool) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, sensitive or (isinstance(key, str) and is_sensitive(key)))
        elif isinstance(node, list):
            for child in node:
                walk(child, sensitive)
        elif sensitive and isinstance(node, str) and len(node) >= MIN_SECRET_LENGTH:
            found.add(node)

    walk(value, False)
    return tuple(sorted(found, key=lambda text: (-len(text), text)))


def masked_text(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret in it masked as the context shows it: handlers' messages
    and tracebacks often quote the token they were given."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, str(mask_value(secret)))
    return text
