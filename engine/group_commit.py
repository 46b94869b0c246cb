"""Group commit of attempt results: one transaction for every step that finished meanwhile.

The first result to arrive is written at once (no added latency when steps run one by one);
results arriving while that write is in flight wait and go together in the next one. Each
write also claims the steps the batch made ready, up to the worker's free slots.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from engine.clock import Clock
from engine.states import TaskState
from engine.store import ClaimedStep, Store
from engine.store.base import AttemptResult

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
    ) -> None:
        self._store = store
        self._clock = clock
        self._worker_id = worker_id
        self._lease_ms = lease_ms
        self._reserve = reserve_slots
        self._release = release_slots
        self._start = start
        self._settled = settled  # told of each step whose result is written (or failed)
        self._task_states = task_states  # told of the tasks each write re-evaluated
        self._queue: list[tuple[AttemptResult, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, result: AttemptResult) -> bool:
        """Store ``result`` (with whatever else is waiting); False if it was discarded."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((result, future))
        if self._writer is None or self._writer.done():
            # A task of its own: cancelling the step that submitted must not stop the write.
            self._writer = asyncio.create_task(self._write_all(), name="group commit")
        return await future

    async def flush(self) -> None:
        """Wait until every submitted result is written."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

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
            for step in claimed:
                self._start(step)
            if self._task_states is not None and states:
                self._task_states(states)
            for (result, future), ok in zip(batch, stored, strict=True):
                if not future.done():
                    self._settled(result.step_uuid)
                    future.set_result(ok)
