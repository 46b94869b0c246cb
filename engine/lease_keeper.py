"""A worker's leases renewed from a thread of its own, and a watch on its event loop.

Renewing on the event loop failed exactly when it mattered: an async handler that blocks the
loop (a sync call in async code) stopped the renewals, the lease ran out, another worker took
the step and ran it a second time, and the first run's result was discarded. Here a thread
with its own database connection renews the leases of the steps the worker runs, whatever the
loop does. While the loop is blocked past ``BLOCKED_WARNING_S`` it logs a warning naming the
handler that holds it (read from the loop thread's stack, at no cost to the steps).

A loop blocked for good would keep its steps forever: once it has been blocked longer than
the longest time limit of the steps running here, the renewals stop and the steps go back
through the normal path (their lease expires), as a crashed worker's do.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Protocol

from engine.clock import Clock
from engine.handlers.invoke import call_handler
from engine.store.base import LeaseRenewer

log = logging.getLogger("tasker.worker")

TICK_S = 0.2  # how often the thread looks at the loop while steps run
BLOCKED_WARNING_S = 1.0
_OURS = tuple(  # frames of these folders are the engine's, not a handler's
    str(folder) + os.sep
    for folder in (Path(__file__).parent, Path(__file__).parents[1] / "tasker_core")
)


class LeaseHolder(Protocol):
    """What the keeper needs of its worker; all but ``flagged`` are called on its thread."""

    worker_id: str
    lease_ms: int

    def leased(self) -> list[str]:
        """The steps the worker holds now (its running steps' uuids)."""
        ...

    def longest_time_limit_s(self) -> float:
        """The longest time limit of the handlers running now."""
        ...

    def step_of(self, task: asyncio.Task[object] | None) -> str | None:
        """The step a task of the loop is running, named for a person."""
        ...

    def flagged(self, step_uuids: set[str]) -> None:
        """Called on the loop: steps an operator cancelled, or that are no longer ours."""
        ...


class LeaseKeeper:
    def __init__(
        self,
        holder: LeaseHolder,
        renewer: LeaseRenewer,
        clock: Clock,
        loop: asyncio.AbstractEventLoop,
        interval_s: float,
    ) -> None:
        self._holder = holder
        self._renewer = renewer
        self._clock = clock
        self._loop = loop
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._watch = LoopWatch(loop, threading.get_ident(), holder.step_of)
        self._thread = threading.Thread(target=self._run, name="tasker-leases", daemon=True)
        self._next_renewal = 0.0
        self._failing = False
        self._let_go = False

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            while not self._stop.wait(TICK_S):
                steps = self._holder.leased()
                if not steps:
                    self._watch.reset()
                    continue
                now = time.monotonic()
                blocked_s = self._watch.look(now)
                if now >= self._next_renewal:
                    self._next_renewal = now + self._interval_s
                    self._renew(steps, blocked_s)
        finally:
            self._renewer.close()

    def _renew(self, steps: list[str], blocked_s: float) -> None:
        limit_s = self._holder.longest_time_limit_s()
        if blocked_s > limit_s:
            if not self._let_go:
                self._let_go = True
                log.warning("the event loop has been blocked for %.0f s, past the longest time "
                            "limit of the steps running here (%.0f s): their leases are no "
                            "longer renewed and other workers will take them over",
                            blocked_s, limit_s)  # fmt: skip
            return
        self._let_go = False
        holder = self._holder
        try:
            flagged = self._renewer.renew(
                holder.worker_id, steps, self._clock.now_ms() + holder.lease_ms
            )
        except Exception as exc:  # the database is away for now: try again next time
            if not self._failing:
                log.warning("lease renewal failed, retrying: %s", exc)
            self._failing = True
            return
        self._failing = False
        if flagged:
            try:
                self._loop.call_soon_threadsafe(holder.flagged, flagged)
            except RuntimeError:  # the loop closed
                pass


class LoopWatch:
    """Pings the loop from another thread; an unanswered ping means something blocks it."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        loop_thread: int,
        step_of: Callable[[asyncio.Task[object] | None], str | None],
    ) -> None:
        self._loop = loop
        self._loop_thread = loop_thread
        self._step_of = step_of
        self._sent_at: float | None = None
        self._answered = True
        self._warned: str | None = None  # the blocker a warning named, until the loop answers
        self._looked = False  # for a blocker, once per unanswered ping

    def reset(self) -> None:
        """No step runs: nothing to watch until one does."""
        if self._warned is not None:
            log.warning("%s returned", self._warned)
        self._sent_at, self._warned, self._answered = None, None, True

    def look(self, now: float) -> float:
        """How long the loop has left a ping unanswered (0 when it answered the last one)."""
        if self._answered or self._sent_at is None:
            if self._warned is not None and self._sent_at is not None:
                log.warning("%s let the event loop run again after %.1f s",
                            self._warned, now - self._sent_at)  # fmt: skip
            self._warned, self._looked = None, False
            self._answered, self._sent_at = False, now
            try:
                self._loop.call_soon_threadsafe(self._pong)
            except RuntimeError:  # the loop closed
                pass
            return 0.0
        blocked_s = now - self._sent_at
        if blocked_s >= BLOCKED_WARNING_S and not self._looked:
            self._looked = True
            blocker = self._warned = self.blocking_handler()
            if blocker is not None:
                log.warning("%s has blocked the event loop for %.1f s: every step of this "
                            "worker waits meanwhile; make it a sync handler or await "
                            "asyncio.to_thread(...) for blocking work", blocker, blocked_s)  # fmt: skip
        return blocked_s

    def _pong(self) -> None:
        self._answered = True

    def blocking_handler(self) -> str | None:
        """The handler the loop's thread is running now, if it is in one: where it is, and the
        step it runs (None when the loop is held elsewhere)."""
        frame = sys._current_frames().get(self._loop_thread)
        chain: list[FrameType] = []
        while frame is not None:
            chain.append(frame)
            frame = frame.f_back
        calls = [i for i, f in enumerate(chain) if f.f_code is call_handler.__code__]
        if not calls:
            return None
        inner = reversed(chain[: calls[0]])  # from the handler's own frame inwards
        handler = next((f for f in inner if not f.f_code.co_filename.startswith(_OURS)), None)
        if handler is None:
            return None
        code = handler.f_code
        where = f"{code.co_qualname} ({os.path.basename(code.co_filename)}:{handler.f_lineno})"
        step = self._step_of(asyncio.current_task(self._loop))
        text = f"handler {where}" + (f", {step}," if step else "")
        return "".join(c if c.isprintable() else "?" for c in text)
