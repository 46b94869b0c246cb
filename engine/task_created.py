"""What ``Engine.create_task`` hands back, and a new task's view worked out from its plan."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from engine.store import ClaimedStep, TaskPlan
from engine.store.created import created_view


class TaskCreated:
    """What ``create_task`` made: the task's uuid, whether it is new, and its view.

    A new task's view is worked out from its plan on first use (``task``), not before: a
    caller that needs only the uuid does not pay for it."""

    __slots__ = ("_build", "_task", "created", "task_uuid")

    def __init__(
        self,
        task_uuid: str,
        created: bool,
        task: dict[str, Any] | None = None,
        build: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        if (task is None) == (build is None):
            raise ValueError("give the task's view or how to build it: one of the two")
        self.task_uuid = task_uuid
        self.created = created
        self._task = task
        self._build = build

    @property
    def task(self) -> dict[str, Any]:
        """``task get`` of the task as its creating transaction left it."""
        if self._task is None:
            assert self._build is not None
            self._task, self._build = self._build(), None
        return self._task


def new_task_view(new: TaskPlan, now: int, claims: tuple[set[str], str, int]) -> dict[str, Any]:
    """A new task's view from its plan: a task with steps stays pending until a worker starts
    one, so ``created_view`` always has one to give."""
    view = created_view(new, now, *claims)
    if view is None:
        raise RuntimeError(f"task {new.task_uuid} moved on at its creation: read it back")
    return view


def claimed_steps(
    write: asyncio.Future[tuple[str, bool, list[ClaimedStep]]],
) -> list[ClaimedStep]:
    """The steps a finished ``create_and_claim`` claimed; none if it failed."""
    if write.cancelled() or write.exception() is not None:
        return []
    return write.result()[2]
