"""The SQLite store's own reads: a task with its steps, a task by part of its uuid, batches of
list rows, and the readiness reads run on the loop's thread (the reads both stores share:
``engine.store.shared_reads``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from engine.store import views
from engine.store.dialect import SQLITE
from engine.store.shared_reads import SharedReads
from engine.store.sqlite.calls import StoreCalls
from engine.store.sqlite.search import search_tasks
from engine.store.sqlite.tx import task_status

if TYPE_CHECKING:
    from engine.search_query import SearchQuery


class ReadMixin(SharedReads, StoreCalls):
    _newest_first = SQLITE.newest_first

    async def _rows(self, statement: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return await self._call(lambda cx: cx.execute(statement, params).fetchall())

    def _list_view(self, row: sqlite3.Row) -> dict[str, Any]:
        return views.task_list_view(row)  # by position: cheaper than by name for long lists

    async def resolve_task_uuid(self, prefix: str) -> str:
        if len(prefix.strip()) == 36:  # a whole uuid: one indexed lookup, on the loop's thread
            return await self._read_inline(_resolve_task_uuid, prefix)
        return await self._call(_resolve_task_uuid, prefix)  # a part may scan the index

    async def get_task(self, task_uuid: str) -> dict[str, Any]:
        return await self._read_inline(_get_task, task_uuid)

    async def task_status(self, task_uuid: str) -> str | None:
        return await self._read_inline(task_status, task_uuid)

    async def task_summaries(self, task_uuids: list[str]) -> list[dict[str, Any]]:
        return await self._call(_task_summaries, list(task_uuids))

    async def search_tasks(self, query: SearchQuery, limit: int) -> dict[str, Any]:
        return await self._call(search_tasks, query, limit)

    async def next_ready_at(self) -> int | None:
        return await self._read_inline(_next_ready_at)

    async def has_live_work(self) -> bool:
        """True while any step is running, runnable or waiting for a retry."""
        return await self._read_inline(_has_live_work)


def _resolve_task_uuid(cx: sqlite3.Connection, text: str) -> str:
    """The one task whose uuid starts or ends with ``text`` (the CLI and console show the tail)."""
    wanted = views.uuid_text(text)
    if len(wanted) == 36:  # a whole uuid: one indexed lookup, no scan
        row = cx.execute("SELECT task_uuid FROM tasks WHERE task_uuid = ?", (wanted,)).fetchone()
        if row is None:
            raise views.no_task(wanted)
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
    return views.the_one(text, (r[0] for r in (*starts, *ends)))


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
        raise views.no_task(task_uuid)
    return views.task_detail(row, step_rows)


SUMMARY_CHUNK = 500  # well under SQLite's limit on bound parameters


def _task_summaries(cx: sqlite3.Connection, task_uuids: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for start in range(0, len(task_uuids), SUMMARY_CHUNK):
        chunk = task_uuids[start : start + SUMMARY_CHUNK]
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT {views.TASK_LIST_COLUMNS} FROM tasks WHERE task_uuid IN ({marks})"
        rows += [views.task_list_view(r) for r in cx.execute(sql, chunk)]
    return rows


def _next_ready_at(cx: sqlite3.Connection) -> int | None:
    row = cx.execute("SELECT MIN(ready_at) FROM steps WHERE ready_at IS NOT NULL").fetchone()
    return cast(int | None, row[0])


def _has_live_work(cx: sqlite3.Connection) -> bool:
    row = cx.execute(
        "SELECT EXISTS (SELECT 1 FROM steps WHERE ready_at IS NOT NULL)"
        " OR EXISTS (SELECT 1 FROM steps WHERE state = 'in_progress')"
    ).fetchone()
    return bool(row[0])
