"""The PostgreSQL store's reads: the same views as the SQLite store's, from pooled connections."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from engine.store import views
from engine.store.base import AmbiguousPrefix, StoreError, TaskNotFound
from engine.store.postgres.search import search_tasks
from engine.store.postgres.tx import Tx

if TYPE_CHECKING:
    from engine.search_query import SearchQuery

R = TypeVar("R")


class ReadMixin:
    if TYPE_CHECKING:  # provided by PostgresStore

        async def _read(self, fn: Callable[..., Awaitable[R]], *args: Any) -> R: ...

    async def template_definition(self, template_id: str) -> str:
        return await self._read(_template_definition, template_id)

    async def resolve_task_uuid(self, prefix: str) -> str:
        return await self._read(_resolve_task_uuid, prefix)

    async def get_task(self, task_uuid: str) -> dict[str, Any]:
        return await self._read(_get_task, task_uuid)

    async def task_status(self, task_uuid: str) -> str | None:
        sql = "SELECT status AS v FROM tasks WHERE task_uuid = %s"
        return cast(str | None, await self._read(_value, sql, task_uuid))

    async def list_tasks(
        self, namespace: str | None, status: str | None, limit: int, offset: int = 0
    ) -> list[dict[str, Any]]:
        return await self._read(_list_tasks, namespace, status, limit, offset)

    async def task_summaries(self, task_uuids: list[str]) -> list[dict[str, Any]]:
        return await self._read(_task_summaries, list(task_uuids))

    async def search_tasks(self, query: SearchQuery, limit: int) -> dict[str, Any]:
        return await self._read(search_tasks, query, limit)

    async def step_audit(self, task_uuid: str, step_name: str) -> list[dict[str, Any]]:
        return await self._read(_step_audit, task_uuid, step_name)

    async def task_audit(self, task_uuid: str) -> list[dict[str, Any]]:
        return await self._read(_task_audit, task_uuid)

    async def task_counts(self) -> dict[str, int]:
        return await self._read(_task_counts)

    async def next_ready_at(self) -> int | None:
        sql = "SELECT MIN(ready_at) AS v FROM steps WHERE ready_at IS NOT NULL"
        return cast(int | None, await self._read(_value, sql))

    async def has_live_work(self) -> bool:
        """True while any step is running, runnable or waiting for a retry."""
        return bool(
            await self._read(
                _value,
                "SELECT EXISTS (SELECT 1 FROM steps WHERE ready_at IS NOT NULL)"
                " OR EXISTS (SELECT 1 FROM steps WHERE state = 'in_progress') AS v",
            )
        )

    async def change_cursor(self) -> int:
        return int(await self._read(_value, "SELECT COALESCE(MAX(change_seq), 0) AS v FROM tasks"))

    async def changed_tasks(self, cursor: int) -> tuple[int, list[str]]:
        return await self._read(_changed_tasks, cursor)


async def _value(tx: Tx, sql: str, *params: Any) -> Any:
    row = await tx.one(sql, params or None)
    return None if row is None else row["v"]


async def _template_definition(tx: Tx, template_id: str) -> str:
    row = await tx.one("SELECT definition FROM templates WHERE template_id = %s", (template_id,))
    if row is None:
        raise StoreError(f"template {template_id[:12]} is not in the database")
    return cast(str, row["definition"])


async def _resolve_task_uuid(tx: Tx, text: str) -> str:
    """The one task whose uuid starts or ends with ``text`` (the CLI and console show the tail)."""
    wanted = text.strip().lower()
    if not wanted or any(c not in "0123456789abcdef-" for c in wanted):
        raise TaskNotFound(
            f"'{text}' is not a task uuid, nor its first or last characters (hex digits and -)"
        )
    if len(wanted) == 36:
        row = await tx.one("SELECT task_uuid FROM tasks WHERE task_uuid = %s", (wanted,))
        if row is None:
            raise TaskNotFound(f"no task {wanted}; list tasks with 'tasker task list'")
        return cast(str, row["task_uuid"])
    rows = await tx.all(
        "(SELECT task_uuid FROM tasks WHERE task_uuid >= %s AND task_uuid < %s LIMIT 6)"
        " UNION (SELECT task_uuid FROM tasks WHERE right(task_uuid, %s) = %s LIMIT 6)",
        (wanted, wanted + "~", len(wanted), wanted),  # "~" sorts after every hex digit
    )
    found = sorted(r["task_uuid"] for r in rows)
    if not found:
        raise TaskNotFound(
            f"no task matches '{text}' (start or end of a uuid); list tasks with 'tasker task list'"
        )
    if len(found) > 1:
        raise AmbiguousPrefix(views.ambiguity(text, found))
    return cast(str, found[0])


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
        raise TaskNotFound(f"no task {task_uuid}; list tasks with 'tasker task list'")
    return views.task_detail({**found["task"], "context": found["context"]}, found["steps"])


async def _list_tasks(
    tx: Tx, namespace: str | None, status: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    where, params = [], []
    if namespace:
        where.append("namespace = %s")
        params.append(namespace)
    if status:
        where.append("status = %s")
        params.append(status)
    sql = f"SELECT {views.TASK_LIST_COLUMNS} FROM tasks"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY created_at DESC, task_uuid DESC LIMIT %s OFFSET %s"
    return [views.task_view(r) for r in await tx.all(sql, (*params, limit, offset))]


async def _task_summaries(tx: Tx, task_uuids: list[str]) -> list[dict[str, Any]]:
    rows = await tx.all(
        f"SELECT {views.TASK_LIST_COLUMNS} FROM tasks WHERE task_uuid = ANY(%s)", (task_uuids,)
    )
    return [views.task_view(r) for r in rows]


async def _step_audit(tx: Tx, task_uuid: str, step_name: str) -> list[dict[str, Any]]:
    rows = await tx.all(
        "SELECT * FROM step_transitions WHERE task_uuid = %s AND step_name = %s ORDER BY id",
        (task_uuid, step_name),
    )
    return [views.step_audit_row(r) for r in rows]


async def _task_audit(tx: Tx, task_uuid: str) -> list[dict[str, Any]]:
    rows = await tx.all(
        "SELECT * FROM task_transitions WHERE task_uuid = %s ORDER BY id", (task_uuid,)
    )
    return [views.audit_row(r) for r in rows]


async def _task_counts(tx: Tx) -> dict[str, int]:
    rows = await tx.all("SELECT status, COUNT(*) AS n FROM tasks GROUP BY status")
    return {r["status"]: r["n"] for r in rows}


async def _changed_tasks(tx: Tx, cursor: int) -> tuple[int, list[str]]:
    rows = await tx.all(
        "SELECT task_uuid, change_seq FROM tasks WHERE change_seq > %s ORDER BY change_seq"
        " LIMIT 5000",
        (cursor,),
    )
    if not rows:
        return cursor, []
    return rows[-1]["change_seq"], [r["task_uuid"] for r in rows]
