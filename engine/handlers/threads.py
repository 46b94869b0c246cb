"""The threads a worker runs its sync handlers on: as many as it runs steps at once.

A sync handler cannot be stopped from outside. One that runs past its time limit fails its
attempt; its thread is written off (it runs on, unobserved, and ends when the handler returns)
and the next call starts a thread in its place, so hung handlers never starve healthy ones.
The threads are daemons: a process that is done exits even while written-off handlers hang.

A call's time limit counts from when its body started on a thread (``_Job.started_at``,
read by ``engine.deadlines``), never from when it was queued.

Whatever a handler raises, ``BaseException`` included (``SystemExit``, ``KeyboardInterrupt``,
an ``asyncio.CancelledError`` of its own), is caught on its thread and handed back as the
call's result: signals are only ever delivered to the main thread, so nothing raised here is a
real interruption of the worker.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import count
from typing import Any

from engine.ids import short_id

log = logging.getLogger("tasker.worker")


class _Job:
    __slots__ = (
        "arg", "context", "done", "dropped", "error", "finished", "finished_at", "fn", "loop",
        "started_at", "thread", "value", "written_off",
    )  # fmt: skip

    def __init__(self, fn: Callable[[Any], Any], arg: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.fn = fn
        self.arg = arg
        self.loop = loop
        self.done: asyncio.Future[None] = loop.create_future()
        self.context = contextvars.copy_context()
        self.value: Any = None
        self.error: BaseException | None = None
        self.started_at: float | None = None  # time.monotonic(), the loop's clock
        self.finished_at: float | None = None
        self.thread: threading.Thread | None = None
        self.finished = False
        self.dropped = False  # cancelled before a thread took it: never run
        self.written_off = False  # cancelled while it ran: its thread is no longer ours


@dataclass(frozen=True)
class WrittenOff:
    """A handler still running on a thread the worker wrote off."""

    thread: str
    what: str  # the handler and its step, as the worker named them
    since: float  # time.monotonic() when the body started

    def describe(self, now: float | None = None) -> str:
        seconds = (time.monotonic() if now is None else now) - self.since
        return f"{self.thread}: {self.what}, running for {seconds:.0f} s"


class HandlerThreads:
    """A pool of at most ``size`` threads in use, owned by one worker."""

    def __init__(self, size: int, name: str = "tasker-handler") -> None:
        self.size = max(1, size)
        self._name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0  # started and not written off (busy or idle)
        self._calls = 0  # calls submitted and not yet returned or written off
        self._numbers = count(1)
        self._written_off: dict[_Job, WrittenOff] = {}

    async def call(
        self, fn: Callable[[Any], Any], arg: Any, on_submit: Callable[[_Job], None] | None = None
    ) -> tuple[Any, BaseException | None]:
        """``fn(arg)`` on one of the threads: (its value, None) or (None, what it raised).

        ``on_submit`` sees the job before it runs (a time limit reads its ``started_at``).
        Cancelled while it runs, the call writes its thread off and re-raises."""
        job = _Job(fn, arg, asyncio.get_running_loop())
        self._calls += 1
        if self._calls > self._threads and self._threads < self.size:
            self._start_thread()
        self._jobs.put(job)
        if on_submit is not None:
            on_submit(job)
        try:
            await job.done
        except asyncio.CancelledError:
            self._cancel(job)
            raise
        self._calls -= 1
        return job.value, job.error

    def written_off(self) -> list[WrittenOff]:
        """The written-off threads whose handler still runs, longest-running first."""
        with self._lock:
            return sorted(self._written_off.values(), key=lambda gone: gone.since)

    def close(self) -> None:
        """Let the idle threads end (a later call starts new ones)."""
        with self._lock:
            idle, self._threads = self._threads, 0
        for _ in range(idle):
            self._jobs.put(None)

    def _start_thread(self) -> None:
        self._threads += 1
        name = f"{self._name}-{next(self._numbers)}"
        threading.Thread(target=self._serve, name=name, daemon=True).start()

    def _cancel(self, job: _Job) -> None:
        self._calls -= 1
        with self._lock:
            if job.finished:
                return  # it returned as it was cancelled: the thread is free again
            if job.thread is None:
                job.dropped = True
                return
            job.written_off = True
            self._written_off[job] = WrittenOff(
                job.thread.name, _what(job), job.started_at or time.monotonic()
            )
            self._threads -= 1
        log.warning("handler thread %s written off: %s", job.thread.name, _what(job))
        if self._calls > self._threads and self._threads < self.size:
            self._start_thread()  # a call waits in the queue: a thread in the lost one's place

    def _serve(self) -> None:
        me = threading.current_thread()
        while True:
            job = self._jobs.get()
            if job is None:
                return
            with self._lock:
                if job.dropped:
                    continue
                job.thread, job.started_at = me, time.monotonic()
            try:
                job.value = job.context.run(job.fn, job.arg)
            except BaseException as exc:  # the handler's own, whatever it is (see the module)
                job.error = exc
            job.finished_at = time.monotonic()
            with self._lock:
                job.finished = True
                gone = self._written_off.pop(job, None)
            if gone is not None:
                log.info("%s returned after it was written off; its result was discarded",
                         gone.describe())  # fmt: skip
                return  # another thread took this one's place
            try:
                job.loop.call_soon_threadsafe(_settle, job.done)
            except RuntimeError:  # the loop closed meanwhile: nobody waits for this result
                return


def _settle(done: asyncio.Future[None]) -> None:
    if not done.done():
        done.set_result(None)


def _what(job: _Job) -> str:
    """The handler and step a job ran, named from the handler's StepContext when it is one."""
    ctx = job.arg
    handler = getattr(ctx, "handler_name", None) or getattr(job.fn, "__qualname__", "handler")
    step = getattr(ctx, "step_name", None)
    task = getattr(ctx, "task_uuid", None)
    where = f" (step {step} of task {short_id(str(task))})" if step and task else ""
    return "".join(c if c.isprintable() else "?" for c in f"handler {handler}{where}")
