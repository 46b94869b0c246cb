"""Waiting out another process's write lock on SQLite: the pauses (jittered, doubling, for
BUSY_TIMEOUT_MS in all) and a write transaction retried while the lock is busy."""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

R = TypeVar("R")
BUSY_TIMEOUT_MS = 5000
FIRST_WAIT_S = 0.0001
LONGEST_WAIT_S = 0.002


def if_then_in_transaction(
    cx: sqlite3.Connection, check: Callable[..., bool], fn: Callable[..., R], args: tuple[Any, ...]
) -> R | list[Any]:
    """A read (no write lock) decides whether the write transaction is worth taking."""
    if not check(cx, *args):
        return []
    return in_transaction(cx, fn, args)


def is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def lock_waits() -> Iterator[float]:
    """The pauses between attempts at a busy write lock: jittered (waiters do not wake in
    step), doubling up to LONGEST_WAIT_S, for BUSY_TIMEOUT_MS in all."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    wait = FIRST_WAIT_S
    while time.monotonic() <= deadline:
        yield wait * random.uniform(0.5, 1.5)
        wait = min(wait * 2, LONGEST_WAIT_S)


def retry_after(
    exc: sqlite3.OperationalError, cx: sqlite3.Connection, waits: Iterator[float]
) -> float | None:
    """How long to pause before trying again; None when it is not worth it (not a busy lock,
    a transaction left open, the wait used up). A call that met a busy lock changed nothing
    (it was rolled back), so trying again is safe."""
    return next(waits, None) if is_busy(exc) and not cx.in_transaction else None


def patiently(fn: Callable[..., R], cx: sqlite3.Connection, args: tuple[Any, ...]) -> R:
    """Run ``fn(cx, *args)``, retrying for up to BUSY_TIMEOUT_MS while another process holds
    the write lock."""
    waits = lock_waits()
    while True:
        try:
            return fn(cx, *args)
        except sqlite3.OperationalError as exc:
            pause = retry_after(exc, cx, waits)
            if pause is None:
                raise
        time.sleep(pause)


def in_transaction(cx: sqlite3.Connection, fn: Callable[..., R], args: tuple[Any, ...]) -> R:
    cx.execute("BEGIN IMMEDIATE")
    try:
        result = fn(cx, *args)
        cx.execute("COMMIT")
        return result
    except BaseException:
        if cx.in_transaction:  # SQLite already rolled back after SQLITE_FULL, IOERR and such
            cx.execute("ROLLBACK")
        raise
