"""What a delivery attempt decides (pure): delivered, retried later, or given up.

A durable event is delivered to every subscriber that wants it; each subscriber's result is a
delivery row. While any subscriber fails, the event is retried with exponential backoff,
``backoff_ms(attempt) = min(BASE_MS * 2**(attempt-1), MAX_MS)`` (500 ms, 1 s, 2 s, 4 s, …
30 s), and only the subscribers that have not yet taken it are called again. After
``MAX_ATTEMPTS`` attempts the event is ``failed``: an operator sees it in ``tasker events``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.events.subscribing import DomainEvent

BASE_MS = 500
MAX_MS = 30_000
MAX_ATTEMPTS = 8  # durable: about a minute of retries in all
FAST_MAX_ATTEMPTS = 3  # fast: in memory, kept short (0.5 s then 1 s)

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def backoff_ms(attempt: int) -> int:
    """The pause after failed attempt ``attempt`` (1-based): 500, 1000, 2000, … 30000 ms."""
    return int(min(BASE_MS * 2 ** max(0, attempt - 1), MAX_MS))


@dataclass(frozen=True)
class ClaimedEvent:
    """A durable event a worker now delivers, and the subscribers that already took it."""

    event: DomainEvent
    attempt: int  # including this one
    claimed_by: str
    delivered_to: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DeliveryReport:
    """One attempt at delivering one event: each subscriber's result and what follows."""

    event_id: str
    attempt: int
    outcomes: dict[str, str | None]  # subscriber -> error text, None when it took the event
    state: str  # pending (retry later), delivered, failed
    next_attempt_at: int | None
    last_error: str | None
    worker_id: str
    at: int
    claimed_by: str = ""  # durable: the claim this report settles
    event: DomainEvent | None = field(default=None, compare=False)  # fast: the event itself
    earlier: tuple[DeliveryReport, ...] = ()  # fast: the failed attempts before this one


def settle(
    event: DomainEvent,
    attempt: int,
    outcomes: dict[str, str | None],
    now_ms: int,
    worker_id: str,
    max_attempts: int,
    claimed_by: str = "",
) -> DeliveryReport:
    """Delivered when no subscriber failed; else retried after ``backoff_ms(attempt)`` or,
    at ``max_attempts``, failed."""
    errors = [f"{name}: {error}" for name, error in outcomes.items() if error is not None]
    if not errors:
        state, due, last = DELIVERED, None, None
    elif attempt >= max_attempts:
        state, due, last = FAILED, None, "; ".join(errors)
    else:
        state, due, last = PENDING, now_ms + backoff_ms(attempt), "; ".join(errors)
    return DeliveryReport(
        event.event_id, attempt, outcomes, state, due, last, worker_id, now_ms, claimed_by, event
    )
