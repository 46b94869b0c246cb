"""A step's attempts, one row each, and what operators did between them: read from its audit.

Pure: ``attempt_history(rows, step)`` takes the step's audit rows (``Engine.step_audit``, oldest
first) and the step as ``task get`` shows it. The console's step pane and ``tasker task
attempts`` both show what it returns.

Attempts are numbered as everywhere else: attempt N is the step's Nth run since it was created,
never reset (a claim's audit row carries the number). An attempt starts with its claim
(``→ in_progress``) and ends with the row that leaves ``in_progress``: its outcome (complete,
waiting_for_retry, error, cancelled, or an operator's resolve or complete of the running step),
the error's type, code and message, and the backoff chosen with its rule, all as the audit row
recorded them. An attempt with no end yet is ``running``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from engine import retry

# The class an operator reads off an error's type (shown in the console and the CLI).
ERROR_CLASS = {
    "permanent_error": "PERMANENT",
    "handler_not_found": "PERMANENT",
    "validation_error": "PERMANENT",
    "retryable_error": "RETRYABLE",
    "handler_error": "UNCLASSIFIED",
    "handler_timeout": "TIMEOUT",
}
IN_PROGRESS = "in_progress"
RUNNING = "running"


@dataclass(frozen=True)
class Attempt:
    """One run of a step: when, where, how long, and how it ended."""

    number: int
    started_at: int
    worker: str
    ended_at: int | None = None
    outcome: str = RUNNING  # the state the attempt ended in, or "running"
    ended_by: str | None = None  # who ended it when not its worker (an operator)
    error_type: str | None = None
    error_code: str | None = None
    message: str | None = None
    backoff_ms: int | None = None
    backoff_rule: str | None = None
    next_retry_at: int | None = None

    @property
    def duration_ms(self) -> int | None:
        return None if self.ended_at is None else self.ended_at - self.started_at

    @property
    def error_class(self) -> str:
        """PERMANENT, RETRYABLE, TIMEOUT or UNCLASSIFIED; empty without an error."""
        if self.error_type is None:
            return ""
        return ERROR_CLASS.get(self.error_type, "UNCLASSIFIED")

    def to_json(self) -> dict[str, Any]:
        return {
            "attempt": self.number,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "duration_ms": self.duration_ms,
            "worker": self.worker,
            "outcome": self.outcome,
            "ended_by": self.ended_by,
            "error_class": self.error_class or None,
            "error_type": self.error_type,
            "error_code": self.error_code,
            "message": self.message,
            "backoff_ms": self.backoff_ms,
            "backoff_rule": self.backoff_rule,
            "next_retry_at": self.next_retry_at,
        }


@dataclass(frozen=True)
class OperatorAction:
    """What an operator did to the step (reset, resolve, complete, retry now, cancel), after
    which attempt (0: before the first)."""

    action: str
    at: int
    by: str
    reason: str
    after_attempt: int

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "at": self.at,
            "by": self.by,
            "reason": self.reason,
            "after_attempt": self.after_attempt,
        }


@dataclass(frozen=True)
class AttemptHistory:
    attempts: tuple[Attempt, ...]
    actions: tuple[OperatorAction, ...]
    headline: str

    def to_json(self) -> dict[str, Any]:
        return {
            "headline": self.headline,
            "attempts": [a.to_json() for a in self.attempts],
            "actions": [a.to_json() for a in self.actions],
        }

    def rows(self) -> list[Attempt | OperatorAction]:
        """Attempts and actions in the order they happened (an action after its attempt)."""
        merged: list[Attempt | OperatorAction] = []
        actions = list(self.actions)
        for attempt in self.attempts:
            while actions and actions[0].after_attempt < attempt.number:
                merged.append(actions.pop(0))
            merged.append(attempt)
        return merged + actions


def utc_minute(ms: int) -> str:
    """``12:55``: the time of day (UTC) an operator acted, as the headline names it."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%H:%M")


def _ended(started: Attempt, row: Mapping[str, Any]) -> Attempt:
    meta = row.get("metadata") or {}
    error = meta.get("previous_error") if "action" in meta else meta
    error = error if isinstance(error, Mapping) else {}
    return Attempt(
        number=started.number,
        started_at=started.started_at,
        worker=started.worker,
        ended_at=row.get("at"),
        outcome=str(row.get("to_state")),
        ended_by=row.get("by") if row.get("by") != started.worker else None,
        error_type=error.get("error_type"),
        error_code=error.get("error_code"),
        message=error.get("message"),
        backoff_ms=meta.get("backoff_ms"),
        backoff_rule=meta.get("backoff_rule"),
        next_retry_at=meta.get("next_retry_at"),
    )


def _action(row: Mapping[str, Any], after: int) -> OperatorAction | None:
    """The operator's action an audit row records, if it records one."""
    meta = row.get("metadata") or {}
    action = meta.get("action") if isinstance(meta, Mapping) else None
    if action is None and row.get("to_state") == "cancelled" and row.get("from_state"):
        action = "cancel"
    if action is None:
        return None
    return OperatorAction(
        str(action), row["at"], str(row.get("by")), row.get("reason") or "", after
    )


def attempt_history(
    rows: Sequence[Mapping[str, Any]],
    step: Mapping[str, Any] | None = None,
    time_text: Callable[[int], str] = utc_minute,
) -> AttemptHistory:
    """The step's attempts and operator actions from its audit ``rows`` (oldest first), and a
    headline from them and ``step`` (the step as ``task get`` shows it)."""
    attempts: list[Attempt] = []
    actions: list[OperatorAction] = []
    running: Attempt | None = None
    for row in rows:
        if row.get("to_state") == IN_PROGRESS:
            running = Attempt(int(row.get("attempt") or 0), row["at"], str(row.get("by")))
            attempts.append(running)
            continue
        done = attempts[-1].number if attempts else 0
        if row.get("from_state") == IN_PROGRESS and running is not None:
            attempts[-1] = _ended(running, row)
            running = None
            explicit = _action(row, done)  # an operator's resolve or complete of a running step
            if explicit is not None and explicit.action != "cancel":
                actions.append(explicit)
            continue
        action = _action(row, done)
        if action is not None:
            actions.append(action)
    return AttemptHistory(
        tuple(attempts), tuple(actions), headline(attempts, actions, step, time_text)
    )


def _state_words(last: Attempt | None, step: Mapping[str, Any]) -> str:
    """What the step's latest attempt came to, with its number over the last one allowed."""
    state = str(step.get("current_state") or (last.outcome if last else "pending"))
    number = retry.attempt_text(
        int(step.get("attempt") or 0),
        int(step.get("attempts") or 0),
        int(step.get("max_attempts") or 0),
    )
    code = (last.error_code or last.error_type or "") if last else ""
    if state == "error":
        exhausted = last is not None and last.error_class != "PERMANENT"
        return (
            f"retries exhausted {number}" if exhausted else f"failed for good at {number}: {code}"
        )
    if state == "waiting_for_retry":
        wait = f" in {last.backoff_ms} ms" if last and last.backoff_ms is not None else ""
        return f"attempt {number} failed ({code}); next attempt{wait}"
    if state == IN_PROGRESS:
        return f"attempt {number} running on {last.worker}" if last else "running"
    if state == "complete" and last is not None and last.outcome == "complete":
        return f"complete at attempt {number}"
    return state.replace("_", " ")


def headline(
    attempts: Sequence[Attempt],
    actions: Sequence[OperatorAction],
    step: Mapping[str, Any] | None,
    time_text: Callable[[int], str] = utc_minute,
) -> str:
    """``retries exhausted 4/4 (4 attempts in all; reset by alice 12:55: gateway recovered)``."""
    if not attempts and not actions:
        return "no attempt yet"
    last = attempts[-1] if attempts else None
    words = _state_words(last, step or {})
    count = len(attempts)
    notes = [f"{count} attempt{'s' if count != 1 else ''} in all"]
    for action in actions:
        verb = {"reset": "reset", "retry_now": "retried now", "resolve": "resolved",
                "complete": "completed", "cancel": "cancelled"}.get(action.action, action.action)  # fmt: skip
        note = f"{verb} by {action.by} {time_text(action.at)}"
        notes.append(f"{note}: {action.reason}" if action.reason else note)
    return f"{words} ({'; '.join(notes)})"
