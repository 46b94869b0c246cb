"""The SQLite store's grid read: the newest tasks of a template and their steps, in one query."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from engine.store.grid_rows import grid_tasks

R = TypeVar("R")

# The newest tasks come from tasks_by_namespace; their steps from the (task_uuid, name) index.
GRID_SQL = """
SELECT t.task_uuid, t.status, t.created_at, s.name, s.template_step, s.state, s.attempts,
       CASE WHEN json_valid(s.error) THEN json_extract(s.error, '$.error_code') END,
       CASE WHEN json_valid(s.error) THEN json_extract(s.error, '$.error_type') END
FROM (SELECT task_uuid, status, created_at FROM tasks
      WHERE namespace = ? AND name = ?
      ORDER BY created_at DESC, task_uuid DESC LIMIT ?) AS t
JOIN steps AS s ON s.task_uuid = t.task_uuid
ORDER BY t.created_at DESC, t.task_uuid DESC, s.position
"""


class GridMixin:
    if TYPE_CHECKING:  # provided by SqliteStore

        async def _call(self, fn: Callable[..., R], *args: Any) -> R: ...

    async def task_grid(self, namespace: str, name: str, limit: int) -> list[dict[str, Any]]:
        return await self._call(_task_grid, namespace, name, limit)


def _task_grid(cx: sqlite3.Connection, namespace: str, name: str, limit: int) -> list[Any]:
    return grid_tasks(tuple(r) for r in cx.execute(GRID_SQL, (namespace, name, limit)))
