"""The scheduler loop: claim ready steps up to the concurrency limit and run them.

Many workers (threads of this process or other processes) may share one database: claims
are atomic, leases are renewed while a step runs, and expired leases are recovered through
the normal failure path, never executed directly.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from typing import cast

from engine.clock import Clock, wait_for_event
from engine.events.relay import EventRelay, EventStore
from engine.group_commit import GroupCommit, TaskStates
from engine.handlers.registry import HandlerRegistry
from engine.handlers.threads import HandlerThreads
from engine.ids import short_id
from engine.lease_keeper import LeaseKeeper
from engine.runner import StepRunner
from engine.store import ClaimedStep, Store

log = logging.getLogger("tasker.worker")

DEFAULT_LEASE_MS = 30_000
HEARTBEAT_MAX_MS = 500
POLL_S = 0.05  # how often an idle worker looks for work other processes created
NOTIFIED_POLL_S = 1.0  # the same, on a store that announces every commit (a safety net)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """Runs steps of any task in the database until stopped (or idle, if asked)."""

    def __init__(
        self,
        store: Store,
        registry: HandlerRegistry,
        clock: Clock,
        *,
        concurrency: int = 4,
        worker_id: str | None = None,
        lease_ms: int = DEFAULT_LEASE_MS,
        poll_s: float = POLL_S,
        on_task_states: TaskStates | None = None,
    ) -> None:
        """``on_task_states``: told, after each commit of results, of the tasks it re-evaluated
        and their states (the engine wakes whoever waits for one to settle)."""
        self.store = store
        self.clock = clock
        self.concurrency = max(1, concurrency)
        self.worker_id = worker_id or default_worker_id()
        self.lease_ms = lease_ms
        self.poll_s = poll_s
        # Sync handlers run on threads of the worker's own, one per step it may run at once.
        self.threads = HandlerThreads(self.concurrency)
        self.runner = StepRunner(store, registry, clock, self.worker_id, self.threads)
        self.events = EventRelay(cast(EventStore, store), clock, self.worker_id, lease_ms)
        self.runner.on_published = self.events.published
        self.paused = False
        self.attempts_run = 0
        self._running: dict[str, asyncio.Task[None]] = {}  # by step uuid: the task running it
        self._runs: dict[asyncio.Task[None], _StepTask] = {}
        self._wake = asyncio.Event()
        self._reserved = 0  # slots promised to claims that are being written right now
        # Steps whose result is written but whose task has not yet ended: their slots are free
        # already, so the write that stored them can claim their successors at once.
        self._settled: set[str] = set()
        self._stopping = False
        self._looping = False  # inside run(): steps claimed for it are started and drained
        self._commits = GroupCommit(
            store,
            clock,
            self.worker_id,
            lease_ms,
            self._reserve_after,
            self._release,
            self._start,
            self._settled.add,
            on_task_states,
            alone=lambda: self._busy <= 1,
        )
        self._next_heartbeat_ms = 0
        self._keeper: LeaseKeeper | None = None  # renews the leases from a thread of its own

    @property
    def running_count(self) -> int:
        return len(self._running)

    @property
    def _busy(self) -> int:
        """Slots taken: steps running, less those whose result is already written."""
        return len(self._running) - len(self._settled)

    def wake(self) -> None:
        """Look for work now (a task was created or an operator acted in this process)."""
        self._wake.set()

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False
        self.wake()

    def stop(self) -> None:
        self._stopping = True
        self.wake()

    async def run(self, until_idle: bool = False) -> None:
        """Claim and run steps until ``stop()``; with ``until_idle``, until nothing is left."""
        await self.store.recover_expired(self.clock.now_ms(), self.worker_id)
        self._looping = True
        self._keeper = self._start_keeper()
        self.events.start()
        try:
            while not self._stopping:
                self._wake.clear()
                claimed = await self._claim()
                await self._heartbeat()
                if claimed or self._running:
                    if not claimed:
                        await self._wait_for_work()
                    continue
                if await self._idle(until_idle):
                    return
        finally:
            self._looping = False
            await self._drain()
            await self.events.stop(deliver_due=until_idle and not self._stopping)
            self.threads.close()
            if self._keeper is not None:
                self._keeper.stop()
                self._keeper = None

    def offer_slots(self) -> int:
        """Reserve the free slots for a claim written elsewhere (a task's creation in this
        process); 0 when the worker is not running or paused. Hand them back with ``take``."""
        return self._reserve_after(0)

    def take(self, slots: int, claimed: list[ClaimedStep]) -> None:
        """Start the steps a claim with ``offer_slots``' slots made, and free those slots.

        A claim takes every ready step up to its limit, oldest first, so this worker has
        nothing more to look for now: it is not woken. A worker that stopped while the claim
        was written starts nothing (nothing would drain it): the steps come back when their
        lease expires, as a stopped worker's running steps do."""
        self._release(slots)
        if not self._looping:
            if claimed:
                log.info("worker %s stopped: %d step(s) claimed for it wait for their lease "
                         "to expire", self.worker_id, len(claimed))  # fmt: skip
            return
        for step in claimed:
            self._start(step)

    async def _claim(self) -> int:
        free = self.concurrency - self._busy - self._reserved
        if self.paused or free <= 0:
            return 0
        self._reserved += free
        try:
            batch = await self.store.claim_ready(
                self.worker_id, self.clock.now_ms(), free, self.lease_ms
            )
        finally:
            self._release(free)
        for claimed in batch:
            self._start(claimed)
        return len(batch)

    def _start(self, claimed: ClaimedStep) -> None:
        """Run a claimed step. The step whose result's write claimed it runs it next in its own
        task (no new task, no extra turn of the loop); otherwise it gets a task of its own."""
        me = asyncio.current_task()
        run = self._runs.get(me) if me is not None else None
        if run is not None and run.may_hand_on and run.successor is None:
            run.successor = claimed
            self._running[claimed.step_uuid] = run.task
        else:
            self._spawn(claimed)
        self.attempts_run += 1

    def _spawn(self, claimed: ClaimedStep) -> None:
        task = asyncio.create_task(self._run_steps(claimed), name=f"step {claimed.name}")
        self._runs[task] = _StepTask(task, claimed.step_uuid)
        self._running[claimed.step_uuid] = task
        task.add_done_callback(self._task_ended)

    async def _run_steps(self, claimed: ClaimedStep) -> None:
        """Run ``claimed``, then the step its result's write handed on, and so on."""
        run = self._runs[cast("asyncio.Task[None]", asyncio.current_task())]
        while True:
            run.current, run.step, run.may_hand_on = claimed.step_uuid, claimed, True
            failed: Exception | None = None
            try:
                await self.runner.run(claimed, self._commits.submit)
            except Exception as exc:
                failed = exc
            run.may_hand_on = False
            self._left(claimed.step_uuid, failed)
            successor, run.successor = run.successor, None
            if successor is None:
                return
            # After an engine error, or with a cancellation pending that was meant for the
            # step just done, the successor starts afresh in a task of its own.
            if failed is not None or run.task.cancelling():
                self._spawn(successor)
                return
            claimed = successor

    def _task_ended(self, task: asyncio.Task[None]) -> None:
        """A step task ended; a step it did not finish (cancelled, even before it began) left
        with it, and a step handed on to it that it never began waits for its lease."""
        run = self._runs.pop(task)
        if self._running.get(run.current) is task:
            failed = None if task.cancelled() else task.exception()
            self._left(run.current, failed)
        if run.successor is not None:
            self._left(run.successor.step_uuid, None)

    def _left(self, step_uuid: str, failed: BaseException | None) -> None:
        """A step is no longer running here: free its slot."""
        self._running.pop(step_uuid, None)
        if failed is not None:
            log.error("step %s failed inside the engine: %r", step_uuid, failed)
        offered = step_uuid in self._settled and failed is None
        self._settled.discard(step_uuid)
        # A stored result's write offered the slot to a claim already: look again only when
        # nothing is left running (an idle worker decides what comes next).
        if not offered or not self._running:
            self._wake.set()

    def _reserve_after(self, finishing: int) -> int:
        """Reserve the slots free once ``finishing`` running steps have left (0 when paused,
        stopping, or outside ``run``: a claim then would start steps no loop drains)."""
        if self.paused or self._stopping or not self._looping:
            return 0
        free = max(0, self.concurrency - self._busy - self._reserved + finishing)
        self._reserved += free
        return free

    def _release(self, slots: int) -> None:
        self._reserved -= slots

    async def _idle(self, until_idle: bool) -> bool:
        """Wait for work; True when ``until_idle`` and nothing is left to do."""
        next_ready = await self.store.next_ready_at()
        if next_ready is None:
            if until_idle and not await self.store.has_live_work():
                # Unless a task's creation handed this worker steps while it looked.
                return not self._running
            await self._wait_for_work()
            return False
        delay_s = max(0, next_ready - self.clock.now_ms()) / 1000
        if self.paused:
            await wait_for_event(self._wake, self.poll_s)
        elif delay_s > 0 and hasattr(self.store, "wait_for_change") and not _is_fake(self.clock):
            await self._wait_for_work(min(delay_s, NOTIFIED_POLL_S))  # the retry, or news
        elif delay_s > 0:
            # A retry is due later: sleep on the clock (a FakeClock jumps there at once).
            await self.clock.sleep(
                min(delay_s, self.poll_s) if not _is_fake(self.clock) else delay_s
            )
        return False

    async def _wait_for_work(self, timeout_s: float = NOTIFIED_POLL_S) -> None:
        """Until woken here or, on a store that announces commits, by another process."""
        watch = getattr(self.store, "wait_for_change", None)
        if watch is None:  # SQLite: look again after the poll interval
            await wait_for_event(self._wake, self.poll_s)
            return
        if self._wake.is_set():
            return
        if self._running:  # wake in time to renew the running steps' leases
            timeout_s = min(timeout_s, min(self.lease_ms // 3, HEARTBEAT_MAX_MS) / 1000)
        changed = asyncio.ensure_future(watch(timeout_s))
        woken = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait((changed, woken), return_when=asyncio.FIRST_COMPLETED)
        finally:
            changed.cancel()
            woken.cancel()

    async def _heartbeat(self) -> None:
        now = self.clock.now_ms()
        if now < self._next_heartbeat_ms:
            return
        # Often enough to notice an operator's cancel quickly, and well inside the lease.
        self._next_heartbeat_ms = now + self._heartbeat_ms
        if self._keeper is None:  # renewed here, not on a thread of their own (a FakeClock)
            self.flagged(
                await self.store.renew_leases(
                    self.worker_id, list(self._running), now + self.lease_ms
                )
            )
        await self.store.recover_expired(now, self.worker_id)

    @property
    def _heartbeat_ms(self) -> int:
        return min(self.lease_ms // 3, HEARTBEAT_MAX_MS)

    def _start_keeper(self) -> LeaseKeeper | None:
        """Renew the leases on a thread of their own, so a handler that blocks the loop does not
        lose its step; not under a FakeClock (its tests move leases by hand), nor without a
        second connection."""
        renewer = None if _is_fake(self.clock) else self.store.lease_renewer()
        if renewer is None:
            return None
        loop = asyncio.get_running_loop()
        keeper = LeaseKeeper(self, renewer, self.clock, loop, self._heartbeat_ms / 1000)
        keeper.start()
        return keeper

    # -- what the lease keeper asks, from its thread (reads of plain containers only) --------

    def leased(self) -> list[str]:
        return list(self._running)

    def longest_time_limit_s(self) -> float:
        runs = list(self._runs.values())
        return max((run.step.timeout_ms for run in runs if run.step is not None), default=0) / 1000

    def step_of(self, task: asyncio.Task[object] | None) -> str | None:
        run = self._runs.get(task) if task is not None else None  # type: ignore[arg-type]
        step = run.step if run is not None else None
        return None if step is None else f"step {step.name} of task {short_id(step.task_uuid)}"

    def flagged(self, step_uuids: set[str]) -> None:
        """Stop the steps an operator cancelled or that are no longer this worker's."""
        for step_uuid in step_uuids:
            task = self._running.get(step_uuid)
            if (
                task is not None
                and step_uuid not in self.runner.cancel_requested
                and step_uuid not in self._settled  # its result is written: nothing to stop
            ):
                self.runner.cancel_requested.add(step_uuid)
                task.cancel()

    async def cancel_step(self, step_uuid: str) -> None:
        """Stop a step this worker is running (an operator cancelled its task)."""
        task = self._running.get(step_uuid)
        if task is not None:
            self.runner.cancel_requested.add(step_uuid)
            task.cancel()

    async def _drain(self) -> None:
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self._commits.flush()


@dataclass(eq=False)
class _StepTask:
    """A task running steps one after another: the one it runs now and the one handed on."""

    task: asyncio.Task[None]
    current: str  # step uuid
    step: ClaimedStep | None = None  # the step it runs now, once begun
    successor: ClaimedStep | None = None
    may_hand_on: bool = False  # while its step runs: its result's write may hand one on


def _is_fake(clock: Clock) -> bool:
    return hasattr(clock, "advance")
