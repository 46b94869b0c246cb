"""Stable identifiers derived from a seed string.

Ids come from a hash of the task uuid (or another seed) rather than from randomness, so a
retried step produces the same order id, reservation id or message id as the attempt before
it: a retry repeats the work instead of creating a second order.
"""

from __future__ import annotations

import hashlib


def stable_hex(*parts: object, length: int = 12) -> str:
    """Lower-case hex of ``length`` characters, the same for the same parts."""
    digest = hashlib.sha256(":".join(str(part) for part in parts).encode()).hexdigest()
    return digest[:length]


def stable_fraction(*parts: object) -> float:
    """A number in [0, 1) that is the same for the same parts (a seeded coin)."""
    return int(stable_hex(*parts, length=13), 16) / 16**13


def stable_int(*parts: object, below: int) -> int:
    """An integer in [0, below) that is the same for the same parts."""
    return int(stable_hex(*parts, length=12), 16) % below
