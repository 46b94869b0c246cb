"""Waiting for tasks to settle: what ``Engine.wait_for_task`` is built on.

A task has settled when nothing more happens to it without an operator: it finished
(complete, error, cancelled, resolved manually) or it is blocked by failures. This process's
workers report each commit's task states, so a wait ends as soon as the commit that settled
its task does, without polling; a change made by another process (or anything unreported) is
seen at the next re-read, every ``RECHECK_S``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from engine.ids import short_id
from engine.states import TERMINAL_TASK_STATES, TaskState

SETTLED_TASK_STATES = TERMINAL_TASK_STATES | {TaskState.BLOCKED_BY_FAILURES}
RECHECK_S = 0.1

ReadStatus = Callable[[str], Awaitable[str | None]]


class NotSettled(TimeoutError):
    """The wait's time ran out; ``str()`` says which task and where it stands."""


class TaskWaits:
    def __init__(self) -> None:
        self._waiting: dict[str, list[asyncio.Future[str]]] = {}

    def moved(self, states: dict[str, TaskState]) -> None:
        """Tasks changed state (told after the commit): wake whoever waits for a settled one."""
        if not self._waiting:
            return
        for task_uuid, state in states.items():
            if state in SETTLED_TASK_STATES:
                for woken in self._waiting.pop(task_uuid, ()):
                    if not woken.done():
                        woken.set_result(state.value)

    async def wait(
        self, task_uuid: str, read_status: ReadStatus, timeout_s: float | None
    ) -> str | None:
        """The task's status once it has settled (None: no such task); ``NotSettled`` after
        ``timeout_s``."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout_s is None else loop.time() + timeout_s
        while True:
            woken: asyncio.Future[str] = loop.create_future()
            self._waiting.setdefault(task_uuid, []).append(woken)  # before the read: no gap
            try:
                status = await read_status(task_uuid)
                if status is None or TaskState(status) in SETTLED_TASK_STATES:
                    return status
                pause = RECHECK_S if deadline is None else min(RECHECK_S, deadline - loop.time())
                if pause <= 0:
                    raise NotSettled(
                        f"task {short_id(task_uuid)} has not settled within {timeout_s:g} s;"
                        f" it is {status}"
                    )
                await asyncio.wait((woken,), timeout=pause)
                if woken.done():
                    return woken.result()
            finally:
                self._forget(task_uuid, woken)

    def _forget(self, task_uuid: str, woken: asyncio.Future[str]) -> None:
        waiters = self._waiting.get(task_uuid)
        if waiters is None:
            return
        if woken in waiters:
            waiters.remove(woken)
        if not waiters:
            del self._waiting[task_uuid]
