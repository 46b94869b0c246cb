"""The SQLite store's reads: task views in Tasker's TaskResponse shape, audits, counts, feed."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from engine.store import views
from engine.store.base import AmbiguousPrefix, StoreError, TaskNotFound
from engine.store.sqlite.search import search_tasks
from engine.store.sqlite.tx import task_status

if TYPE_CHECKING:
    from engine.search_query import SearchQuery

TASK_LIST_COLUMNS = views.TASK_LIST_COLUMNS


R = TypeVar("R")


class ReadMixin:
    if TYPE_CHECKING:  # provided by SqliteStore

        async def _call(self, fn: Callable[..., R], *args: Any) -> R: ...
        async def _read_inline(self, fn: Callable[..., R], *args: Any) -> R: ...

    async def template_definition(self, template_id: str) -> str:
        return await self._call(_template_definition, template_id)

    async def resolve_task_uuid(self, prefix: str) -> str:
        if len(prefix.strip()) == 36:  # a whole uuid: one indexed lookup, on the loop's thread
            return await self._read_inline(_resolve_task_uuid, prefix)
        return await self._call(_resolve_task_uuid, prefix)  # a part may scan the index

    async def get_task(self, task_uuid: str) -> dict[str, Any]:
        return await self._read_inline(_get_task, task_uuid)

    async def task_status(self, task_uuid: str) -> str | None:
        return await self._read_inline(task_status, task_uuid)

    async def list_tasks(
        self, namespace: str | None, status: str | None, limit: int, offset: int = 0
    ) -> list[dict[str, Any]]:
        return await self._call(_list_tasks, namespace, status, limit, offset)

    async def task_summaries(self, task_uuids: list[str]) -> list[dict[str, Any]]:
        return await self._call(_task_summaries, list(task_uuids))

    async def search_tasks(self, query: SearchQuery, limit: int) -> dict[str, Any]:
        return await self._call(search_tasks, query, limit)

    async def step_audit(self, task_uuid: str, step_name: str) -> list[dict[str, Any]]:
        return await self._call(_step_audit, task_uuid, step_name)

    async def task_audit(self, task_uuid: str) -> list[dict[str, Any]]:
        return await self._call(_task_audit, task_uuid)

    async def task_counts(self) -> dict[str, int]:
        return await self._call(_task_counts)

    async def next_ready_at(self) -> int | None:
        return await self._read_inline(_next_ready_at)

    async def has_live_work(self) -> bool:
        """True while any step is running, runnable or waiting for a retry."""
        return await self._read_inline(_has_live_work)

    async def change_cursor(self) -> int:
        return await self._call(
            lambda cx: cx.execute("SELECT COALESCE(MAX(change_seq), 0) FROM tasks").fetchone()[0]
        )

    async def changed_tasks(self, cursor: int) -> tuple[int, list[str]]:
        return await self._call(_changed_tasks, cursor)


def _template_definition(cx: sqlite3.Connection, template_id: str) -> str:
    row = cx.execute(
        "SELECT definition FROM templates WHERE template_id = ?", (template_id,)
    ).fetchone()
    if row is None:
        raise StoreError(f"template {template_id[:12]} is not in the database")
    return cast(str, row[0])


def _resolve_task_uuid(cx: sqlite3.Connection, text: str) -> str:
    """The one task whose uuid starts or ends with ``text`` (the CLI and console show the tail)."""
    wanted = text.strip().lower()
    if not wanted or any(c not in "0123456789abcdef-" for c in wanted):
        raise TaskNotFound(
            f"'{text}' is not a task uuid, nor its first or last characters (hex digits and -)"
        )
    if len(wanted) == 36:  # a whole uuid: one indexed lookup, no scan
        row = cx.execute("SELECT task_uuid FROM tasks WHERE task_uuid = ?", (wanted,)).fetchone()
        if row is None:
            raise TaskNotFound(f"no task {wanted}; list tasks with 'tasker task list'")
        return cast(str, row[0])
    starts = cx.execute(
        "SELECT task_uuid FROM tasks WHERE task_uuid >= ? AND task_uuid < ? LIMIT 6",
        (wanted, wanted + "\uffff"),
    ).fetchall()
    # A tail has no index to use; scanning the primary key's index is a few ms at 100k tasks.
    ends = cx.execute(
        "SELECT task_uuid FROM tasks WHERE substr(task_uuid, -?) = ? LIMIT 6",
        (len(wanted), wanted),
    ).fetchall()
    found = sorted({r[0] for r in (*starts, *ends)})
    if not found:
        raise TaskNotFound(
            f"no task matches '{text}' (start or end of a uuid); list tasks with 'tasker task list'"
        )
    if len(found) > 1:
        raise AmbiguousPrefix(views.ambiguity(text, found))
    return cast(str, found[0])


def _get_task(cx: sqlite3.Connection, task_uuid: str) -> dict[str, Any]:
    """The task and its steps from one snapshot (read apart, another process's commit in
    between could show a task complete beside a step still running)."""
    cx.execute("BEGIN")
    try:
        row = cx.execute(
            "SELECT tasks.*, task_contexts.context FROM tasks JOIN task_contexts"
            " USING (task_uuid) WHERE task_uuid = ?",
            (task_uuid,),
        ).fetchone()
        step_rows = cx.execute(
            "SELECT * FROM steps WHERE task_uuid = ? ORDER BY position", (task_uuid,)
        ).fetchall()
    finally:
        cx.execute("COMMIT")
    if row is None:
        raise TaskNotFound(f"no task {task_uuid}; list tasks with 'tasker task list'")
    return views.task_detail(row, step_rows)


def _list_tasks(
    cx: sqlite3.Connection, namespace: str | None, status: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    where, params = [], []
    if namespace:
        where.append("namespace = ?")
        params.append(namespace)
    if status:
        where.append("status = ?")
        params.append(status)
    sql = f"SELECT {TASK_LIST_COLUMNS} FROM tasks"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY created_at DESC LIMIT ? OFFSET ?"
    return [views.task_list_view(r) for r in cx.execute(sql, (*params, limit, offset))]


SUMMARY_CHUNK = 500  # well under SQLite's limit on bound parameters


def _task_summaries(cx: sqlite3.Connection, task_uuids: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for start in range(0, len(task_uuids), SUMMARY_CHUNK):
        chunk = task_uuids[start : start + SUMMARY_CHUNK]
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT {TASK_LIST_COLUMNS} FROM tasks WHERE task_uuid IN ({marks})"
        rows += [views.task_list_view(r) for r in cx.execute(sql, chunk)]
    return rows


def _step_audit(cx: sqlite3.Connection, task_uuid: str, step_name: str) -> list[dict[str, Any]]:
    rows = cx.execute(
        "SELECT * FROM step_transitions WHERE task_uuid = ? AND step_name = ? ORDER BY id",
        (task_uuid, step_name),
    ).fetchall()
    return [views.step_audit_row(r) for r in rows]


def _task_audit(cx: sqlite3.Connection, task_uuid: str) -> list[dict[str, Any]]:
    rows = cx.execute(
        "SELECT * FROM task_transitions WHERE task_uuid = ? ORDER BY id", (task_uuid,)
    ).fetchall()
    return [views.audit_row(r) for r in rows]


def _task_counts(cx: sqlite3.Connection) -> dict[str, int]:
    return {r[0]: r[1] for r in cx.execute("SELECT status, COUNT(*) FROM tasks GROUP BY status")}


def _next_ready_at(cx: sqlite3.Connection) -> int | None:
    row = cx.execute("SELECT MIN(ready_at) FROM steps WHERE ready_at IS NOT NULL").fetchone()
    return cast(int | None, row[0])


def _has_live_work(cx: sqlite3.Connection) -> bool:
    row = cx.execute(
        "SELECT EXISTS (SELECT 1 FROM steps WHERE ready_at IS NOT NULL)"
        " OR EXISTS (SELECT 1 FROM steps WHERE state = 'in_progress')"
    ).fetchone()
    return bool(row[0])


def _changed_tasks(cx: sqlite3.Connection, cursor: int) -> tuple[int, list[str]]:
    rows = cx.execute(
        "SELECT task_uuid, change_seq FROM tasks WHERE change_seq > ? ORDER BY change_seq"
        " LIMIT 5000",
        (cursor,),
    ).fetchall()
    if not rows:
        return cursor, []
    return rows[-1][1], [r[0] for r in rows]
