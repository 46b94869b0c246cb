"""The SQLite store's context edit: a task's new context and its audit row, in one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from engine.store import operator_actions as actions
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
    audit = actions.context_edit_audit(task_uuid, task["status"], now, by, reason, metadata)
    cx.execute(
        "UPDATE task_contexts SET context = ? WHERE task_uuid = ?", (dumps(context), task_uuid)
    )
    search.reindex_task(cx, task_uuid, context, task["initiator"])  # found by its new values
    cx.execute(actions.CONTEXT_EDIT_AUDIT, audit)
    touch_task(cx, task_uuid, now)
