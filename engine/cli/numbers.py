"""Numeric command-line options, range-checked as they are parsed: one line, exit 2.

argparse's own ``type=int`` accepts any size (``--limit 99999999999999999999999`` then
overflowed SQLite's integers in a traceback) and ``type=float`` takes ``nan`` and ``1e300``.
Each option here says its range, and a bad value is quoted short.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from engine.cli.errors import UsageError

MAX_CONCURRENCY = 1000  # steps (and handler threads) of one process
MAX_LIST_LIMIT = 1_000_000
LEASE_SECONDS = (0.1, 86_400.0)  # a lease shorter than a heartbeat or longer than a day


def quoted(text: str, keep: int = 24) -> str:
    """``text`` quoted for a message; long text shortened to its start and its length."""
    if len(text) <= keep:
        return repr(text)
    return f"{text[:keep]!r}… ({len(text)} characters)"


def whole(option: str, low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number from ``low`` to ``high``.

    It raises ``UsageError`` itself (argparse only rewords ValueError), so the message is
    the one line ``main`` prints."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:  # not a number, or past Python's 4,300-digit conversion limit
            raise UsageError(
                f"{option} must be a whole number from {low} to {high}, got {quoted(text)}"
            ) from None
        if value < low:
            raise UsageError(f"{option} must be at least {low}, got {value}")
        if value > high:
            raise UsageError(f"{option} must be at most {high}, got {quoted(text)}")
        return value

    return parse


def seconds(option: str, low: float, high: float) -> Callable[[str], float]:
    """An argparse ``type``: a finite number of seconds from ``low`` to ``high``."""

    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise UsageError(
                f"{option} must be a number of seconds from {low:g} to {high:g}, got {quoted(text)}"
            )
        if value <= 0:
            raise UsageError(f"{option} must be positive, got {quoted(text)}")
        if not low <= value <= high:
            raise UsageError(
                f"{option} must be from {low:g} to {high:g} seconds, got {quoted(text)}"
            )
        return value

    return parse
