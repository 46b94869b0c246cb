"""Short texts the console shows: ids, ages, durations, states, progress and retry timing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from rich.text import Text

from engine import attempt_history
from engine.ids import short_id
from engine.retry import RetryPolicy, describe_delay

NOT_CREATED = "not_created"  # a step a decision step has not created (yet)

# (glyph, Rich style) per state; one vocabulary for tables, the DAG and the help screen.
STEP_STATE_LOOK: Mapping[str, tuple[str, str]] = {
    "pending": ("·", "bright_white"),
    "enqueued": ("·", "bright_white"),
    "in_progress": ("▶", "bold cyan"),
    "waiting_for_retry": ("↻", "bold yellow"),
    "complete": ("✓", "green"),
    "error": ("✗", "bold red"),
    "cancelled": ("⊘", "magenta"),
    "resolved_manually": ("✎", "blue"),
    NOT_CREATED: ("◌", "dim"),
}

TASK_STATE_LOOK: Mapping[str, tuple[str, str]] = {
    "pending": ("·", "bright_white"),
    "initializing": ("·", "bright_white"),
    "steps_in_process": ("▶", "bold cyan"),
    "waiting_for_dependencies": ("…", "cyan"),
    "waiting_for_retry": ("↻", "bold yellow"),
    "blocked_by_failures": ("✗", "bold red"),
    "complete": ("✓", "green"),
    "error": ("✗", "red"),
    "cancelled": ("⊘", "magenta"),
    "resolved_manually": ("✎", "blue"),
}

UNKNOWN_LOOK = ("?", "bright_white")

# Operators think in four error classes; the engine's error_type says which.
ERROR_CLASS = attempt_history.ERROR_CLASS  # one mapping for the CLI and the console


def step_look(state: str) -> tuple[str, str]:
    """The glyph and style of a step state."""
    return STEP_STATE_LOOK.get(state, UNKNOWN_LOOK)


def task_look(state: str) -> tuple[str, str]:
    """The glyph and style of a task state."""
    return TASK_STATE_LOOK.get(state, UNKNOWN_LOOK)


def task_state_text(state: str) -> Text:
    """``✓ complete`` in the state's colour."""
    glyph, style = task_look(state)
    return Text(f"{glyph} {state}", style=style)


def step_state_text(state: str) -> Text:
    glyph, style = step_look(state)
    return Text(f"{glyph} {state}", style=style)


def short_uuid(uuid: str) -> str:
    """The last 8 characters of a uuid, as the CLI shows them: UUIDv7 prefixes are timestamps
    shared by tasks created together, the tail is random and tells them apart."""
    return short_id(uuid)


def age_text(then_ms: int, now_ms: int) -> str:
    """How long ago, in one unit: ``12s``, ``3m``, ``2h``, ``5d``."""
    seconds = max(0, (now_ms - then_ms) // 1000)
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def duration_text(ms: int | None) -> str:
    """``850 ms``, ``3.2 s``, ``4m 05s``, ``2h 03m``; empty when unknown."""
    if ms is None:
        return ""
    if ms < 1000:
        return f"{ms} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    seconds = ms // 1000
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


def progress_text(done: int, total: int) -> str:
    return f"{done}/{total}"


def retry_countdown_text(next_retry_at_ms: int | None, now_ms: int) -> str:
    """``retry in 3.2s`` while waiting, ``retry due`` once the time has come, else empty."""
    if next_retry_at_ms is None:
        return ""
    left_ms = next_retry_at_ms - now_ms
    if left_ms <= 0:
        return "retry due"
    if left_ms < 60_000:
        return f"retry in {left_ms / 1000:.1f}s"
    return f"retry in {duration_text(left_ms)}"


def backoff_text(
    retry: Mapping[str, Any] | None, attempts: int, retry_after_s: float | None = None
) -> str:
    """Which rule produced the wait, e.g. ``exponential 100 ms × 2^1, Retry-After 2 s``."""
    if not retry:
        return ""
    policy = RetryPolicy(
        backoff=retry.get("backoff") or "exponential",
        base_ms=retry.get("backoff_base_ms") or RetryPolicy.base_ms,
        max_backoff_ms=retry.get("max_backoff_ms") or RetryPolicy.max_backoff_ms,
    )
    return describe_delay(policy, attempts, retry_after_s)


def error_class(error: Mapping[str, Any] | None) -> str:
    """PERMANENT, RETRYABLE, UNCLASSIFIED or TIMEOUT; empty without an error."""
    if not error:
        return ""
    return ERROR_CLASS.get(str(error.get("error_type")), "UNCLASSIFIED")


def attempts_text(attempts: int, max_attempts: int) -> str:
    return f"{attempts}/{max_attempts}"


def clock_text(ms: int | None) -> str:
    """``2026-01-01 00:00:05.120Z``: audit times in UTC, to the millisecond."""
    if ms is None:
        return ""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}Z"
