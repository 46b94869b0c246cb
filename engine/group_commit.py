"""Group commit of attempt results: one transaction for every step that finished meanwhile.

The first result to arrive is written at once (no added latency when steps run one by one);
results arriving while that write is in flight wait and go together in the next one (on a
store that can run several writes side by side, up to its ``concurrent_writes`` are in flight,
each taking what is waiting when it starts). Each write also claims the steps the batch made
ready, up to the worker's free slots.

A result that nothing could join (no write in flight, nothing queued, no other step of the
worker running) is written by its own step, without a writer task, when the store can write
it at once (``finish_attempts_now``: SQLite, when no other connection holds the lock).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from engine.clock import Clock
from engine.states import TaskState
from engine.store import ClaimedStep, Store
from engine.store.base import AttemptResult, Finished

TaskStates = Callable[[dict[str, TaskState]], None]


class GroupCommit:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        worker_id: str,
        lease_ms: int,
        reserve_slots: Callable[[int], int],
        release_slots: Callable[[int], None],
        start: Callable[[ClaimedStep], None],
        settled: Callable[[str], None],
        task_states: TaskStates | None = None,
        alone: Callable[[], bool] = lambda: False,
    ) -> None:
        """``alone``: True while the step submitting is the only one of the worker running (no
        other result can join its write)."""
        self._store = store
        self._clock = clock
        self._worker_id = worker_id
        self._lease_ms = lease_ms
        self._reserve = reserve_slots
        self._release = release_slots
        self._start = start
        self._settled = settled  # told of each step whose result is written (or failed)
        self._task_states = task_states  # told of the tasks each write re-evaluated
        self._alone = alone
        self._write_now: Callable[..., Finished | None] | None = getattr(
            store, "finish_attempts_now", None
        )
        self._queue: list[tuple[AttemptResult, asyncio.Future[bool]]] = []
        # Writes in flight at once: one on SQLite (one writer at a time anyway); on a server,
        # as many as the store says it can run side by side (a write waits on round trips).
        self._max_writers = max(1, getattr(store, "concurrent_writes", 1))
        self._writers: set[asyncio.Task[None]] = set()

    async def submit(self, result: AttemptResult) -> bool:
        """Store ``result`` (with whatever else is waiting); False if it was discarded."""
        idle = not self._queue and not self._in_flight()
        if idle and self._write_now is not None and self._alone():
            stored = self._write_alone(result)
            if stored is not None:
                return stored
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((result, future))
        if self._in_flight() < self._max_writers:
            # A task of its own: cancelling the step that submitted must not stop the write.
            writer = asyncio.create_task(self._write_all(), name="group commit")
            self._writers.add(writer)
            writer.add_done_callback(self._writers.discard)
        return await future

    def _in_flight(self) -> int:
        """Writers still running (one that has finished may not have been removed yet: its
        done-callback runs on a later turn of the loop, and it takes nothing more)."""
        return sum(not writer.done() for writer in self._writers)

    def _write_alone(self, result: AttemptResult) -> bool | None:
        """Write ``result`` now, in the caller's step: no await, so no cancellation can come
        between the write and its report. None: the store could not write at once."""
        assert self._write_now is not None
        slots = self._reserve(1)
        try:
            finished = self._write_now(
                [result], self._clock.now_ms(), self._worker_id, slots, self._lease_ms
            )
        except Exception:
            self._settled(result.step_uuid)
            raise
        finally:
            self._release(slots)
        if finished is None:
            return None
        self._report(finished.claimed, finished.task_states)
        self._settled(result.step_uuid)
        return finished.stored[0]

    def _report(self, claimed: list[ClaimedStep], states: dict[str, TaskState]) -> None:
        """Start the steps a write claimed and tell who waits of the tasks it re-evaluated."""
        for step in claimed:
            self._start(step)
        if self._task_states is not None and states:
            self._task_states(states)

    async def flush(self) -> None:
        """Wait until every submitted result is written."""
        while self._in_flight():
            await asyncio.wait(set(self._writers))  # not cancelled if this wait is

    async def _write_all(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            slots = self._reserve(len(batch))
            try:
                stored, claimed, states = await self._store.finish_attempts(
                    [result for result, _ in batch],
                    self._clock.now_ms(),
                    self._worker_id,
                    slots,
                    self._lease_ms,
                )
            except Exception as exc:  # the store failed: every step of the batch hears of it
                for result, future in batch:
                    if not future.done():
                        self._settled(result.step_uuid)
                        future.set_exception(exc)
                continue
            finally:
                self._release(slots)
            self._report(claimed, states)
            for (result, future), ok in zip(batch, stored, strict=True):
                if not future.done():
                    self._settled(result.step_uuid)
                    future.set_result(ok)
