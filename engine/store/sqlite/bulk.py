"""Many new tasks in one transaction: imports, demos and benchmarks create thousands at once."""

from __future__ import annotations

import sqlite3

from engine.store.base import TaskPlan
from engine.store.sqlite.calls import StoreCalls
from engine.store.sqlite.writes import _create_task

BULK_CHUNK = 1000  # tasks per transaction: one commit each, and a bounded write lock


class BulkWriteMixin(StoreCalls):
    async def create_tasks(self, plans: list[TaskPlan], now_ms: int) -> list[tuple[str, bool]]:
        made: list[tuple[str, bool]] = []
        for start in range(0, len(plans), BULK_CHUNK):
            made += await self._write(_create_tasks, plans[start : start + BULK_CHUNK], now_ms)
        return made


def _create_tasks(
    cx: sqlite3.Connection, plans: list[TaskPlan], now: int
) -> list[tuple[str, bool]]:
    return [_create_task(cx, plan, now) for plan in plans]
