"""Per-step retry policy and backoff, as pure functions.

``next_delay_ms(policy, attempts)`` is the wait after the ``attempts``-th failed attempt:

- exponential: ``min(base_ms * 2**(attempts-1), max_backoff_ms)``
  (base 100 ms → 100, 200, 400, 800 ms …; base 1000 → 1 s, 2 s, 4 s …)
- linear: ``min(base_ms * attempts, max_backoff_ms)`` (base 100 → 100, 200, 300 ms …)
- fibonacci: ``min(base_ms * fib(attempts), max_backoff_ms)`` with fib = 1, 1, 2, 3, 5 …
  (base 100 → 100, 100, 200, 300, 500 ms …)
- none: 0

A ``retry_after`` carried by the error raises the delay to at least that value, still capped
by ``max_backoff_ms``. Jitter is off by default; with ``jitter=0.1`` and a seeded
``random.Random`` the delay moves by up to ±10 %.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

DEFAULT_BASE_MS = 1000
DEFAULT_MAX_BACKOFF_MS = 30_000


@dataclass(frozen=True)
class RetryPolicy:
    """The retry block of a step, with Tasker's defaults filled in."""

    retryable: bool = True
    max_attempts: int = 3
    backoff: str = "exponential"
    base_ms: int = DEFAULT_BASE_MS
    max_backoff_ms: int = DEFAULT_MAX_BACKOFF_MS
    jitter: float = 0.0

    @classmethod
    def from_template(cls, retry: Any, jitter: float = 0.0) -> RetryPolicy:
        """Build from a template's RetryConfiguration (None bases mean the defaults)."""
        return cls(
            retryable=retry.retryable,
            max_attempts=retry.max_attempts,
            backoff=retry.backoff,
            base_ms=retry.backoff_base_ms or DEFAULT_BASE_MS,
            max_backoff_ms=retry.max_backoff_ms or DEFAULT_MAX_BACKOFF_MS,
            jitter=jitter,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "retryable": self.retryable,
            "max_attempts": self.max_attempts,
            "backoff": self.backoff,
            "backoff_base_ms": self.base_ms,
            "max_backoff_ms": self.max_backoff_ms,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RetryPolicy:
        return cls(
            retryable=data["retryable"],
            max_attempts=data["max_attempts"],
            backoff=data["backoff"],
            base_ms=data["backoff_base_ms"],
            max_backoff_ms=data["max_backoff_ms"],
        )


def fibonacci(n: int) -> int:
    """fib(1) = fib(2) = 1, fib(3) = 2 …"""
    a, b = 1, 1
    for _ in range(max(n, 1) - 1):
        a, b = b, a + b
    return a


def base_delay_ms(policy: RetryPolicy, attempts: int) -> int:
    """The policy's delay after ``attempts`` failed attempts, before retry_after and jitter."""
    n = max(attempts, 1)
    if policy.backoff == "none":
        return 0
    if policy.backoff == "linear":
        raw = policy.base_ms * n
    elif policy.backoff == "fibonacci":
        raw = policy.base_ms * fibonacci(n)
    else:  # exponential; cap the exponent so huge attempt counts never overflow
        raw = policy.base_ms * (2 ** min(n - 1, 40))
    return min(raw, policy.max_backoff_ms)


def next_delay_ms(
    policy: RetryPolicy,
    attempts: int,
    retry_after_s: float | None = None,
    rng: random.Random | None = None,
) -> int:
    """Milliseconds to wait before the next attempt (see the module docstring)."""
    delay = base_delay_ms(policy, attempts)
    if policy.jitter and delay:
        rng = rng or random.Random()
        delay = int(delay * (1 + rng.uniform(-policy.jitter, policy.jitter)))
    if retry_after_s is not None and retry_after_s > 0:
        delay = max(delay, int(retry_after_s * 1000))
    return max(0, min(delay, policy.max_backoff_ms))


def describe_delay(policy: RetryPolicy, attempts: int, retry_after_s: float | None) -> str:
    """Which rule produced the delay, e.g. ``exponential 100 ms × 2^1, Retry-After 2 s``."""
    n = max(attempts, 1)
    if policy.backoff == "none":
        text = "no backoff"
    elif policy.backoff == "linear":
        text = f"linear {policy.base_ms} ms × {n}"
    elif policy.backoff == "fibonacci":
        text = f"fibonacci {policy.base_ms} ms × fib({n})"
    else:
        text = f"exponential {policy.base_ms} ms × 2^{n - 1}"
    if base_delay_ms(policy, attempts) >= policy.max_backoff_ms:
        text += f" (capped at {policy.max_backoff_ms} ms)"
    if retry_after_s:
        text += f", Retry-After {retry_after_s:g} s"
    return text


def retry_eligible(policy: RetryPolicy, attempts: int) -> bool:
    """Tasker's rule: the first run always happens; later runs need retryable and attempts left."""
    return attempts == 0 or (policy.retryable and attempts < policy.max_attempts)


def attempt_text(attempt: int, attempts: int, max_attempts: int) -> str:
    """``attempt/last``: the step's latest attempt number (its runs since it was created,
    as the audit numbers them) over the last number its allowance permits. ``attempts``
    counts the runs since the last reset-step (Tasker's counter), so before any reset this
    is Tasker's ``attempts/max_attempts``; after one it goes on from the earlier runs:
    a step failed once, reset with ``max_attempts: 2``, shows ``1/3``, then ``2/3``."""
    return f"{attempt}/{attempt - attempts + max_attempts}"
