"""The Store's reads that are one statement and a mapping of its rows, written once for both
backends: the statements in SQLite's words (``?`` placeholders), the rows made into views.

A backend mixes ``SharedReads`` in and supplies ``_rows(statement, params)``, which runs the
statement (rendered in its dialect) on a read connection and returns rows readable by column
name, and ``_list_view(row)``, a task list row as ``views`` shows it.
The reads whose SQL truly differs stay in the backends: a task with its steps (one JSON
statement on PostgreSQL, two in one snapshot on SQLite), a uuid by its start or end
(``substr`` or ``right``), a batch of uuids (``IN`` in chunks or ``= ANY``), and the hot
readiness reads SQLite runs on the loop's own thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from engine.store import event_rows, views
from engine.store.base import StoreError

_TEMPLATE = "SELECT definition FROM templates WHERE template_id = ?"
_STEP_AUDIT = "SELECT * FROM step_transitions WHERE task_uuid = ? AND step_name = ? ORDER BY id"
_TASK_AUDIT = "SELECT * FROM task_transitions WHERE task_uuid = ? ORDER BY id"
_COUNTS = "SELECT status, COUNT(*) AS n FROM tasks GROUP BY status"
_CURSOR = "SELECT COALESCE(MAX(change_seq), 0) AS cursor FROM tasks"
_CHANGED = (
    "SELECT task_uuid, change_seq FROM tasks WHERE change_seq > ? ORDER BY change_seq LIMIT 5000"
)
_EVENT_DELIVERIES = "SELECT * FROM domain_event_deliveries WHERE event_id IN ({marks}) ORDER BY id"


class SharedReads:
    if TYPE_CHECKING:  # provided by the backend's reads

        async def _rows(self, statement: str, params: Sequence[Any] = ()) -> list[Any]: ...
        def _list_view(self, row: Any) -> dict[str, Any]: ...

    _newest_first: str  # the task list's order (``Dialect.newest_first``)

    async def template_definition(self, template_id: str) -> str:
        rows = await self._rows(_TEMPLATE, (template_id,))
        if not rows:
            raise StoreError(f"template {template_id[:12]} is not in the database")
        return cast(str, rows[0]["definition"])

    async def list_tasks(
        self, namespace: str | None, status: str | None, limit: int, offset: int = 0
    ) -> list[dict[str, Any]]:
        where, params = [], []
        if namespace:
            where.append("namespace = ?")
            params.append(namespace)
        if status:
            where.append("status = ?")
            params.append(status)
        sql = f"SELECT {views.TASK_LIST_COLUMNS} FROM tasks"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {self._newest_first} LIMIT ? OFFSET ?"
        view = self._list_view
        return [view(r) for r in await self._rows(sql, (*params, limit, offset))]

    async def step_audit(self, task_uuid: str, step_name: str) -> list[dict[str, Any]]:
        return [
            views.step_audit_row(r) for r in await self._rows(_STEP_AUDIT, (task_uuid, step_name))
        ]

    async def task_audit(self, task_uuid: str) -> list[dict[str, Any]]:
        return [views.audit_row(r) for r in await self._rows(_TASK_AUDIT, (task_uuid,))]

    async def task_counts(self) -> dict[str, int]:
        return {r["status"]: r["n"] for r in await self._rows(_COUNTS)}

    async def change_cursor(self) -> int:
        return int((await self._rows(_CURSOR))[0]["cursor"])

    async def changed_tasks(self, cursor: int) -> tuple[int, list[str]]:
        rows = await self._rows(_CHANGED, (cursor,))
        if not rows:
            return cursor, []
        return rows[-1]["change_seq"], [r["task_uuid"] for r in rows]

    async def next_event_due(self) -> int | None:
        """When the earliest pending durable event is due (or its lease ends); None: none."""
        due = (await self._rows(event_rows.NEXT_DUE))[0]["due"]
        return None if due is None else int(due)

    async def list_events(self, task_uuid: str | None, limit: int) -> list[dict[str, Any]]:
        task_filter, params = ("WHERE task_uuid = ?", [task_uuid]) if task_uuid else ("", [])
        rows = await self._rows(
            f"SELECT {event_rows.EVENT_COLUMNS} FROM domain_events {task_filter}"
            " ORDER BY published_at DESC, event_id LIMIT ?",
            [*params, limit],
        )
        if not rows:
            return []
        ids = [row["event_id"] for row in rows]
        deliveries = await self._rows(_EVENT_DELIVERIES.format(marks=",".join("?" * len(ids))), ids)
        return event_rows.event_views(rows, deliveries)

    async def event_stats(self) -> dict[str, Any]:
        return event_rows.stats(
            await self._rows(event_rows.STATS_BY_PUBLISHER),
            await self._rows(event_rows.STATS_BY_DELIVERER),
        )
