"""Masking secrets (tokens, passwords, card numbers …) wherever task data shows: one rule for
the CLI and the console.

What is masked (unless the operator reveals: ``--reveal``, or ``v`` in the console):

- **The value under a secret-naming key**, at any depth and of any type (text, number,
  object, list). A key names a secret when one of its words, split at camelCase, ``_``,
  ``-``, ``.`` or spaces and in any case, is one of ``SECRET_WORDS`` (``apiKey``, ``API_KEY``,
  ``x-api-key``, ``db_password``, ``pin``, ``cvv``, ``ssn``, ``auth`` …), or when the key with
  its separators removed contains one of ``SECRET_PARTS`` (``accesstoken``, ``privateKey``,
  ``card_number``, ``clientSecret`` …). Such a value shows as ``••••`` — no character of it —
  unless it is card-like, which shows as ``••••4242`` (the last four digits, as receipts do).
- **The same values wherever they reappear**: quoted in an error message or traceback, in a
  step's results, in an audit reason. The secrets are collected from the whole task (its
  context and every step's results) by ``secret_values``, so a token one step returned is
  masked where a later step's error quotes it.
- **Card-like numbers anywhere**, under any key or none, in text or as a JSON number:
  13–19 digits, optionally grouped by single spaces or dashes, passing the Luhn check, and
  starting as issued cards do (2–6; a 13-digit one with 4). The first-digit rule keeps
  millisecond timestamps (``1765116000123``) readable.

What is not masked: keys that only resemble secrets without naming one (``key``,
``idempotency_key``, ``author``, ``shipping``, ``passenger``); secrets shorter than
``MIN_SECRET_LENGTH`` characters where they reappear in free text (a 3-digit CVV is masked
under its key, not every ``123`` in a message); a secret that reappears transformed
(re-encoded, split, in another case); the task's ids, names, states and times.
"""

from __future__ import annotations

import functools
import re
from typing import Any

MASK = "••••"
MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words and numbers in messages
WHOLE_WORD_BELOW = 8  # a shorter secret is masked in text only where it stands alone

SECRET_WORDS = frozenset(
    {
        "apikey", "auth", "authorization", "bearer", "card", "cardnumber", "cookie",
        "credential", "cvc", "cvc2", "cvv", "cvv2", "iban", "jwt", "oauth", "otp", "pan",
        "pass", "passcode", "passphrase", "passwd", "password", "pin", "pwd", "secret",
        "signature", "ssn", "token",
    }
)  # fmt: skip
SECRET_PARTS = (
    "accesskey", "apikey", "authkey", "cardnumber", "cardnum", "cardno", "clientsecret",
    "creditcard", "debitcard", "encryptionkey", "passwd", "password", "privatekey",
    "secret", "sessionid", "setcookie", "signingkey", "socialsecurity", "token",
)  # fmt: skip

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_CARD_RUN = re.compile(r"(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])")
_DIGIT_GROUP = re.compile(r"[0-9]+")
# A uuid is an id, never a card: its digit-only groups can chain into a card-like run.
_UUID_OR_CARD_RUN = re.compile(
    r"(?P<uuid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})|"
    + _CARD_RUN.pattern
)


@functools.lru_cache(maxsize=4096)
def is_sensitive(key: str) -> bool:
    """Whether ``key`` names a secret: ``apiKey``, ``API_KEY``, ``x-api-key``, ``Pwd``, ``pin``."""
    words = [w.lower() for w in re.split(r"[^A-Za-z0-9]+", _WORD_BOUNDARY.sub(" ", key)) if w]
    if any(w in SECRET_WORDS or (w.endswith("s") and w[:-1] in SECRET_WORDS) for w in words):
        return True
    joined = "".join(words)
    return any(part in joined for part in SECRET_PARTS)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char) * (2 if i % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def card_digits(value: Any) -> str | None:
    """The digits of ``value`` if it is a card-like number (see the module docstring)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value)
    if isinstance(value, str) and not _CARD_RUN.fullmatch(text):
        return None
    digits = text.replace(" ", "").replace("-", "")
    if not digits.isdigit() or not 13 <= len(digits) <= 19 or digits[0] not in "23456":
        return None
    if len(digits) == 13 and digits[0] != "4":
        return None
    return digits if _luhn_valid(digits) else None


def mask_value(value: Any) -> Any:
    """``4242 4242 4242 4242`` → ``••••4242``; any other value (a password, a token, a
    number, an object) → ``••••``; None stays None."""
    if value is None:
        return None
    digits = card_digits(value)
    return MASK + digits[-4:] if digits else MASK


def _masked_cards_in_run(run: str) -> str:
    """A run of digit groups with the longest card-like stretch in it masked (a card number
    followed by another number is still found)."""
    groups = list(_DIGIT_GROUP.finditer(run))
    for first in range(len(groups)):
        for last in range(len(groups) - 1, first - 1, -1):
            start, end = groups[first].start(), groups[last].end()
            digits = card_digits(run[start:end])
            if digits:
                rest = _masked_cards_in_run(run[end:])
                return run[:start] + MASK + digits[-4:] + rest
    return run


def masked_cards(text: str) -> str:
    """``text`` with every card-like number in it masked to its last four digits."""
    if _CARD_RUN.search(text) is None:  # the common case, at a fraction of sub's cost
        return text
    return _UUID_OR_CARD_RUN.sub(
        lambda m: m.group() if m.group("uuid") else _masked_cards_in_run(m.group()), text
    )


def _secret_text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = str(value)
    return text if len(text) >= MIN_SECRET_LENGTH else None


def secret_values(value: Any) -> tuple[str, ...]:
    """The values under secret-naming keys, at any depth, as text (numbers too), longest
    first so a secret that contains another is replaced whole."""
    found: set[str] = set()

    def walk(node: Any, sensitive: bool) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, sensitive or (isinstance(key, str) and is_sensitive(key)))
        elif isinstance(node, list | tuple):
            for child in node:
                walk(child, sensitive)
        elif sensitive and (text := _secret_text(node)) is not None:
            found.add(text)

    walk(value, False)
    return tuple(sorted(found, key=lambda text: (-len(text), text)))


@functools.lru_cache(maxsize=256)
def _secrets_pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    alternatives = [
        re.escape(s)
        if len(s) >= WHOLE_WORD_BELOW
        else rf"(?<![A-Za-z0-9]){re.escape(s)}(?![A-Za-z0-9])"
        for s in secrets
    ]
    return re.compile("|".join(alternatives)) if alternatives else None


def masked_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with every secret in it masked as under its key, and every card-like number:
    handlers' messages and tracebacks often quote the token or card they were given."""
    pattern = _secrets_pattern(secrets)
    if pattern is not None:
        text = pattern.sub(lambda m: str(mask_value(m.group())), text)
    return masked_cards(text)


def masked(value: Any, secrets: tuple[str, ...] = ()) -> Any:
    """A copy of ``value`` with every secret-naming key's value masked at any depth, and in
    all its text the ``secrets`` and card-like numbers masked too."""
    if isinstance(value, dict):
        return {
            k: (mask_value(v) if isinstance(k, str) and is_sensitive(k) else masked(v, secrets))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [masked(v, secrets) for v in value]
    if isinstance(value, str):
        return masked_text(value, secrets)
    if isinstance(value, int) and not isinstance(value, bool) and card_digits(value):
        return mask_value(value)
    return value
