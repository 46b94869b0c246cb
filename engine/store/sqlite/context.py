"""The SQLite store's context edit: a task's new context and its audit row, in one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from engine.ids import short_id
from engine.states import TERMINAL_TASK_STATES
from engine.states import TaskState as T
from engine.store.base import IllegalAction
from engine.store.moves import dumps
from engine.store.sqlite import search
from engine.store.sqlite.tx import touch_task
from engine.store.sqlite.writes import task_row

R = TypeVar("R")


class ContextEditMixin:
    if TYPE_CHECKING:  # provided by SqliteStore

        async def _write(self, fn: Callable[..., R], *args: Any) -> R: ...

    async def edit_context(
        self,
        task_uuid: str,
        context: dict[str, Any],
        now_ms: int,
        by: str,
        reason: str,
        metadata: dict[str, Any],
    ) -> None:
        """As ``Store.edit_context``."""
        await self._write(_edit_context, task_uuid, context, now_ms, by, reason, metadata)


def _edit_context(
    cx: sqlite3.Connection,
    task_uuid: str,
    context: dict[str, Any],
    now: int,
    by: str,
    reason: str,
    metadata: dict[str, Any],
) -> None:
    task = task_row(cx, task_uuid)
    status = T(task["status"])
    if status in TERMINAL_TASK_STATES:
        raise IllegalAction(
            f"task {short_id(task_uuid)} is {status}; only an unfinished task's context can change"
        )
    cx.execute(
        "UPDATE task_contexts SET context = ? WHERE task_uuid = ?", (dumps(context), task_uuid)
    )
    search.reindex_task(cx, task_uuid, context, task["initiator"])  # found by its new values
    cx.execute(
        "INSERT INTO task_transitions (task_uuid, from_state, to_state, at, by, reason, metadata)"
        " VALUES (?,?,?,?,?,?,?)",
        (task_uuid, status.value, status.value, now, by, reason, dumps(metadata)),
    )
    touch_task(cx, task_uuid, now)
