"""Masking sensitive context values (tokens, passwords, card numbers …) wherever they show."""

from __future__ import annotations

from typing import Any

SENSITIVE_WORDS = ("token", "password", "secret", "card", "api_key", "authorization")
MASK = "••••"


def is_sensitive(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in SENSITIVE_WORDS)


def mask_value(value: Any) -> Any:
    """``tok_visa_4242`` → ``••••4242``; short or non-string values become ``••••``."""
    if isinstance(value, str) and len(value) >= 8:
        return MASK + value[-4:]
    if isinstance(value, dict | list):
        return MASK
    return MASK if value is not None else None


def masked(value: Any) -> Any:
    """A copy of ``value`` with every sensitive key's value masked, at any depth."""
    if isinstance(value, dict):
        return {
            k: (mask_value(v) if isinstance(k, str) and is_sensitive(k) else masked(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value
