"""The SQLite store's read of failed steps, for the failures view (``engine.failures``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from engine.store.failure_rows import (
    LATEST_FAILURE_SQL,
    SQLITE_OUTSTANDING_SQL,
    failed_step_row,
)

R = TypeVar("R")


class FailuresMixin:
    if TYPE_CHECKING:  # provided by SqliteStore

        async def _call(self, fn: Callable[..., R], *args: Any) -> R: ...

    async def failed_steps(self, include_handled: bool = False) -> list[dict[str, Any]]:
        return await self._call(_failed_steps, include_handled)


def _failed_steps(cx: sqlite3.Connection, include_handled: bool) -> list[dict[str, Any]]:
    sql = LATEST_FAILURE_SQL if include_handled else SQLITE_OUTSTANDING_SQL
    return [failed_step_row(row) for row in cx.execute(sql)]
