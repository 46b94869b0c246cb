"""The PostgreSQL store's grid read: the newest tasks of a template and their steps, in one
statement."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from engine.store.grid_rows import GRID_COLUMNS, grid_tasks
from engine.store.postgres.tx import Tx

R = TypeVar("R")

GRID_SQL = """
SELECT t.task_uuid, t.status, t.created_at, s.name AS step_name, s.template_step, s.state,
       s.attempts, s.error::json ->> 'error_code' AS error_code,
       s.error::json ->> 'error_type' AS error_type
FROM (SELECT task_uuid, status, created_at FROM tasks
      WHERE namespace = %s AND name = %s
      ORDER BY created_at DESC, task_uuid DESC LIMIT %s) AS t
JOIN steps AS s ON s.task_uuid = t.task_uuid
ORDER BY t.created_at DESC, t.task_uuid DESC, s.position
"""


class GridMixin:
    if TYPE_CHECKING:  # provided by PostgresStore

        async def _read(self, fn: Callable[..., Awaitable[R]], *args: Any) -> R: ...

    async def task_grid(self, namespace: str, name: str, limit: int) -> list[dict[str, Any]]:
        return await self._read(_task_grid, namespace, name, limit)


async def _task_grid(tx: Tx, namespace: str, name: str, limit: int) -> list[dict[str, Any]]:
    rows = await tx.all(GRID_SQL, (namespace, name, limit))
    return grid_tasks([r[c] for c in GRID_COLUMNS] for r in rows)
