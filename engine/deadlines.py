"""Time limits on handler calls, all a worker's on one timer of the event loop.

``async with deadlines.limit(s):`` behaves as ``asyncio.timeout(s)``: the body is cancelled
when its time is up and ``TimeoutError`` raised in its place, while a cancellation from
anywhere else passes through. ``asyncio.timeout`` puts a timer on the loop's heap per call and
takes it off again; nearly every handler returns long before its limit, so here a call only
joins a set, and one timer stands for the earliest limit of all the calls under way.

A call that waits for a thread before its body runs (a sync handler) tells its limit what it
waits on (``count_from``): the limit then counts from when the body started, never from when
the call was queued.
"""

from __future__ import annotations

import asyncio
import math
from types import TracebackType
from typing import Protocol


class Started(Protocol):
    """A body that starts later: when it began and when it returned, on the loop's clock (None
    until then)."""

    started_at: float | None
    finished_at: float | None


class Deadlines:
    """The time limits of the calls under way on one event loop."""

    def __init__(self) -> None:
        self._live: set[TimeLimit] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf

    def limit(self, seconds: float) -> TimeLimit:
        """A context for one call: cancelled after ``seconds``, which then raises TimeoutError."""
        return TimeLimit(self, seconds)

    def _add(self, limit: TimeLimit, loop: asyncio.AbstractEventLoop) -> None:
        self._live.add(limit)
        if limit.when < self._timer_at:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = loop.call_at(limit.when, self._fire, loop)
            self._timer_at = limit.when

    def _remove(self, limit: TimeLimit) -> None:
        self._live.discard(limit)

    def _fire(self, loop: asyncio.AbstractEventLoop) -> None:
        # The loop may run a timer a clock tick early: what it was set for is due too.
        due = max(loop.time(), self._timer_at)
        self._timer, self._timer_at = None, math.inf
        for limit in [limit for limit in self._live if limit.when <= due]:
            later = limit.due_again(due)
            if later is None:
                self._live.discard(limit)
                limit.expire()
            else:
                limit.when = later  # its body started late: its time is not up yet
        if self._live:
            earliest = min(self._live, key=lambda limit: limit.when)
            self._timer = loop.call_at(earliest.when, self._fire, loop)
            self._timer_at = earliest.when


class TimeLimit:
    __slots__ = ("_body", "_cancelling", "_deadlines", "_expired", "_seconds", "_task", "when")

    def __init__(self, deadlines: Deadlines, seconds: float) -> None:
        self._deadlines = deadlines
        self._seconds = seconds
        self._expired = False
        self._body: Started | None = None
        self.when = math.inf

    def count_from(self, body: Started) -> None:
        """Count this limit from when ``body`` starts (the loop's clock), not from now."""
        self._body = body

    def due_again(self, now: float) -> float | None:
        """None when the time is up at ``now``; else when it will be (a body that started
        late, or has not started yet, gets its full time from its start)."""
        if self._body is None:
            return None
        started, finished = self._body.started_at, self._body.finished_at
        if started is not None and finished is not None and finished <= started + self._seconds:
            return now + self._seconds  # it returned in time; the loop is late to take it in
        when = (now if started is None else started) + self._seconds
        return when if when > now else None

    async def __aenter__(self) -> TimeLimit:
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("a time limit works inside a task only")
        loop = asyncio.get_running_loop()
        self._task = task
        self._cancelling = task.cancelling()
        self.when = loop.time() + self._seconds
        self._deadlines._add(self, loop)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._deadlines._remove(self)
        # As asyncio.timeout: our cancellation becomes TimeoutError, unless another one came too.
        if (
            self._expired
            and self._task.uncancel() <= self._cancelling
            and exc_type is asyncio.CancelledError
        ):
            raise TimeoutError from exc

    def expire(self) -> None:
        self._expired = True
        self._task.cancel()
