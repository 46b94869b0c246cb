"""Masking sensitive context values (tokens, passwords, card numbers …) wherever they show.

One rule for the CLI and the console: a value under a key that names a secret is masked, and
so is that value wherever a message, a reason or a result quotes it.
"""

from __future__ import annotations

from typing import Any

SENSITIVE_WORDS = ("token", "password", "secret", "card", "api_key", "authorization")
MASK = "••••"
MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words in messages


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


def masked_everywhere(value: Any, secrets: tuple[str, ...]) -> Any:
    """``masked(value)``, and every secret quoted inside any text of it masked too."""

    def scrub(node: Any) -> Any:
        if isinstance(node, str):
            return masked_text(node, secrets)
        if isinstance(node, dict):
            return {k: scrub(v) for k, v in node.items()}
        if isinstance(node, list):
            return [scrub(v) for v in node]
        return node

    return scrub(masked(value)) if secrets else masked(value)
