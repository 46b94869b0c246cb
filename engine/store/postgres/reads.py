"""The PostgreSQL store's own reads: a task with its steps in one statement, a task by part of
its uuid, batches of list rows, readiness (the reads both stores share:
``engine.store.shared_reads``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from engine.store import views
from engine.store.dialect import POSTGRES
from engine.store.postgres.attempts import FIRST_READY
from engine.store.postgres.search import search_tasks
from engine.store.postgres.tx import Tx
from engine.store.shared_reads import SharedReads

if TYPE_CHECKING:
    from engine.search_query import SearchQuery

R = TypeVar("R")


class ReadMixin(SharedReads):
    if TYPE_CHECKING:  # provided by PostgresStore

        async def _read(self, fn: Callable[..., Awaitable[R]], *args: Any) -> R: ...

    _newest_first = POSTGRES.newest_first

    async def _rows(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return await self._read(_all, POSTGRES.sql(statement), tuple(params) or None)

    def _list_view(self, row: dict[str, Any]) -> dict[str, Any]:
        return views.task_view(row)

    async def resolve_task_uuid(self, prefix: str) -> str:
        return await self._read(_resolve_task_uuid, prefix)

    async def get_task(self, task_uuid: str) -> dict[str, Any]:
        return await self._read(_get_task, task_uuid)

    async def task_status(self, task_uuid: str) -> str | None:
        sql = "SELECT status AS v FROM tasks WHERE task_uuid = %s"
        return cast(str | None, await self._read(_value, sql, task_uuid))

    async def task_summaries(self, task_uuids: list[str]) -> list[dict[str, Any]]:
        rows = await self._rows(
            f"SELECT {views.TASK_LIST_COLUMNS} FROM tasks WHERE task_uuid = ANY(?)",
            (list(task_uuids),),
        )
        return [views.task_view(r) for r in rows]

    async def search_tasks(self, query: SearchQuery, limit: int) -> dict[str, Any]:
        return await self._read(search_tasks, query, limit)

    async def next_ready_at(self) -> int | None:
        return cast(int | None, await self._read(_value, FIRST_READY))

    async def has_live_work(self) -> bool:
        """True while any step is running, runnable or waiting for a retry (the ready list's
        first entry, not ``EXISTS``: see ``FIRST_READY``)."""
        return bool(
            await self._read(
                _value,
                f"SELECT ({FIRST_READY}) IS NOT NULL"
                " OR EXISTS (SELECT 1 FROM steps WHERE state = 'in_progress') AS v",
            )
        )


async def _all(tx: Tx, sql: str, params: tuple[Any, ...] | None) -> list[dict[str, Any]]:
    return await tx.all(sql, params)


async def _value(tx: Tx, sql: str, *params: Any) -> Any:
    row = await tx.one(sql, params or None)
    return None if row is None else row["v"]


async def _resolve_task_uuid(tx: Tx, text: str) -> str:
    """The one task whose uuid starts or ends with ``text`` (the CLI and console show the tail)."""
    wanted = views.uuid_text(text)
    if len(wanted) == 36:
        row = await tx.one("SELECT task_uuid FROM tasks WHERE task_uuid = %s", (wanted,))
        if row is None:
            raise views.no_task(wanted)
        return cast(str, row["task_uuid"])
    rows = await tx.all(
        "(SELECT task_uuid FROM tasks WHERE task_uuid >= %s AND task_uuid < %s LIMIT 6)"
        " UNION (SELECT task_uuid FROM tasks WHERE right(task_uuid, %s) = %s LIMIT 6)",
        (wanted, wanted + "~", len(wanted), wanted),  # "~" sorts after every hex digit
    )
    return views.the_one(text, (r["task_uuid"] for r in rows))


async def _get_task(tx: Tx, task_uuid: str) -> dict[str, Any]:
    """The task and its steps read by one statement: one round trip, and one snapshot (two
    statements outside a transaction could show a task complete beside a running step)."""
    found = await tx.one(
        "SELECT row_to_json(t) AS task, c.context, COALESCE((SELECT json_agg(s ORDER BY"
        " s.position) FROM steps s WHERE s.task_uuid = t.task_uuid), '[]') AS steps"
        " FROM tasks t JOIN task_contexts c ON c.task_uuid = t.task_uuid WHERE t.task_uuid = %s",
        (task_uuid,),
    )
    if found is None:
        raise views.no_task(task_uuid)
    return views.task_detail({**found["task"], "context": found["context"]}, found["steps"])
