"""Task search on PostgreSQL: the same index as SQLite's (``engine/store/sqlite/search.py``),
kept in step in the same transactions, and the same query over it.

Finding a word anywhere in a value is an ``ILIKE '%word%'``; a trigram GIN index (the
``pg_trgm`` extension) serves it when the extension is installed or may be installed by the
upgrade. Without it the search scans the values, and ``note`` says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Protocol

import psycopg
from psycopg import sql as pgsql

from engine import search_query as sq
from engine.masking import secret_values
from engine.store import views


class Tx(Protocol):
    """What the index needs of a transaction (``engine.store.postgres.tx.Tx``)."""

    conn: psycopg.AsyncConnection[Any]

    async def run(self, sql: Any, params: Any = None) -> None: ...
    async def one(self, sql: str, params: Any = None) -> dict[str, Any] | None: ...
    async def all(self, sql: str, params: Any = None) -> list[dict[str, Any]]: ...


class _Upgrade:
    """The upgrade's connection as a ``Tx``."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self.conn = conn

    async def run(self, sql: Any, params: Any = None) -> None:
        await self.conn.execute(sql, params)

    async def one(self, sql: str, params: Any = None) -> dict[str, Any] | None:
        rows = await self.all(sql, params)
        return rows[0] if rows else None

    async def all(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        cur = await self.conn.execute(sql, params)
        return list(await cur.fetchall())


NO_TRIGRAM_NOTE = "no pg_trgm index on this database: search scans every value (slow)"
TRIGRAM_INDEX = "search_terms_by_trigram"

SEARCH_TABLES = """
CREATE TABLE search_terms (
    id        BIGSERIAL PRIMARY KEY,
    task_uuid TEXT COLLATE "C" NOT NULL REFERENCES tasks(task_uuid),
    step_uuid TEXT COLLATE "C",    -- NULL: a context value; else the step whose error it is
    field     TEXT NOT NULL,       -- ctx.PATH, code, step, error_type or error
    value     TEXT NOT NULL
);
CREATE INDEX search_terms_by_task ON search_terms(task_uuid);
CREATE INDEX search_terms_by_step ON search_terms(step_uuid) WHERE step_uuid IS NOT NULL;
CREATE INDEX search_terms_by_field ON search_terms(field, value);
"""
_INSERT = "INSERT INTO search_terms (task_uuid, step_uuid, field, value) VALUES (%s,%s,%s,%s)"


async def upgrade_to_6(conn: psycopg.AsyncConnection[Any]) -> None:
    """Schema 6: the search index, built for the tasks already there (inside the upgrade's
    transaction); the trigram index when pg_trgm is there or may be created."""
    await conn.execute(SEARCH_TABLES)
    trigram = await _trigram_schema(conn)
    if trigram is not None:
        create = "CREATE INDEX {} ON search_terms USING gin (value {}.gin_trgm_ops)"
        await conn.execute(
            pgsql.SQL(create).format(pgsql.Identifier(TRIGRAM_INDEX), pgsql.Identifier(trigram))
        )
    tx = _Upgrade(conn)
    for row in await tx.all(
        "SELECT c.task_uuid, c.context, t.initiator FROM task_contexts c"
        " JOIN tasks t ON t.task_uuid = c.task_uuid"
    ):
        await index_task(tx, row["task_uuid"], json.loads(row["context"]), row["initiator"])
    failing = await tx.all(
        "SELECT task_uuid, step_uuid, name, error FROM steps WHERE error IS NOT NULL"
    )
    await index_errors(
        tx, [(r["task_uuid"], r["step_uuid"], r["name"], r["error"]) for r in failing]
    )


async def _trigram_schema(conn: psycopg.AsyncConnection[Any]) -> str | None:
    """The schema pg_trgm is installed in, installing it if this role may (None: not there)."""
    try:
        async with conn.transaction():  # a savepoint: a refusal leaves the upgrade going
            await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    except psycopg.Error:
        pass
    cur = await conn.execute(
        "SELECT extnamespace::regnamespace::text AS s FROM pg_extension WHERE extname = 'pg_trgm'"
    )
    row = await cur.fetchone()
    return None if row is None else str(row["s"] if isinstance(row, dict) else row[0])


# keeping it in step --------------------------------------------------------------------------
async def index_task(tx: Tx, task_uuid: str, context: Any, initiator: str | None) -> None:
    """Index a new task's context and initiator (the values an operator may see)."""
    rows = [(task_uuid, None, f, v) for f, v in sq.task_terms(context, initiator)]
    if rows:
        async with tx.conn.cursor() as cur:
            await cur.executemany(_INSERT, rows)


async def reindex_task(tx: Tx, task_uuid: str, context: Any, initiator: str | None) -> None:
    """Index a task's changed context (and initiator) in place of what was indexed of it."""
    await tx.run(
        "DELETE FROM search_terms WHERE task_uuid = %s AND step_uuid IS NULL", (task_uuid,)
    )
    await index_task(tx, task_uuid, context, initiator)


async def index_errors(tx: Tx, items: Iterable[tuple[str, str, str, str | None]]) -> None:
    """Replace the indexed error of each (task_uuid, step_uuid, step_name, error JSON or None)."""
    items = list(items)
    if not items:
        return
    await tx.run(
        "DELETE FROM search_terms WHERE step_uuid = ANY(%s)", ([item[1] for item in items],)
    )
    failing = [item for item in items if item[3]]
    if not failing:
        return
    contexts = await tx.all(
        "SELECT task_uuid, context FROM task_contexts WHERE task_uuid = ANY(%s)",
        (sorted({item[0] for item in failing}),),
    )
    secrets = {r["task_uuid"]: secret_values(json.loads(r["context"])) for r in contexts}
    rows = [
        (task_uuid, step_uuid, field, value)
        for task_uuid, step_uuid, name, error in failing
        for field, value in sq.error_terms(
            name, json.loads(error or "null"), secrets.get(task_uuid, ())
        )
    ]
    if rows:
        async with tx.conn.cursor() as cur:
            await cur.executemany(_INSERT, rows)


# the query ----------------------------------------------------------------------------------
async def search_tasks(tx: Tx, query: sq.SearchQuery, limit: int) -> dict[str, Any]:
    """As ``Store.search_tasks``."""
    where, params = await _where(tx, query)
    total = await tx.one(f"SELECT count(*) AS n FROM tasks t WHERE {where}", params)
    rows = await tx.all(
        f"SELECT {views.TASK_LIST_COLUMNS} FROM tasks t WHERE {where}"
        " ORDER BY t.created_at DESC, t.task_uuid DESC LIMIT %s",
        (*params, limit),
    )
    found = [views.task_view(r) for r in rows]
    uuids = [row["task_uuid"] for row in found]
    words = {t: await _word_fields(tx, t, uuids) for t in query.terms if t.kind == "word"}
    for row in found:
        row["matched"] = sq.matched_fields(query, row, words)
    indexed = await tx.one("SELECT to_regclass(%s) IS NOT NULL AS ok", (TRIGRAM_INDEX,))
    note = None if indexed and indexed["ok"] else NO_TRIGRAM_NOTE
    return {"total": int(total["n"]) if total else 0, "tasks": found, "note": note}


async def _word_fields(tx: Tx, term: sq.Term, task_uuids: list[str]) -> dict[str, str]:
    """For each task, the field of its first indexed value holding the free word."""
    rows = await tx.all(
        "SELECT DISTINCT ON (task_uuid) task_uuid, field FROM search_terms"
        " WHERE task_uuid = ANY(%s) AND value ILIKE %s ORDER BY task_uuid, id",
        (task_uuids, _like(term.value, "%", "%")),
    )
    return {r["task_uuid"]: r["field"] for r in rows}


async def _where(tx: Tx, query: sq.SearchQuery) -> tuple[str, list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    for term in query.terms:
        if term.kind == "state":
            where.append("t.status LIKE %s")
            params.append(_like(term.value, "", "%"))  # a few distinct values: cheap
        elif term.kind in ("code", "step"):
            where.append(
                "t.task_uuid IN (SELECT task_uuid FROM search_terms WHERE field = %s"
                " AND value = %s)"
            )
            params += [term.field, term.value]
        elif term.kind == "ctx":
            where.append(
                "t.task_uuid IN (SELECT task_uuid FROM search_terms WHERE field = %s"
                " AND value ILIKE %s)"
            )
            params += [term.field, _like(term.value, "%", "%")]
        else:
            contains = _like(term.value, "%", "%")
            sources = ["SELECT task_uuid FROM search_terms WHERE value ILIKE %s"]
            params.append(contains)
            for template in await tx.all(_TEMPLATES_HOLDING, (contains,)):
                sources.append(_BY_TEMPLATE)  # templates are few: each one an index lookup
                params += [template["namespace"], template["name"], template["version"]]
            if sq.looks_like_id(term.value):
                sources.append("SELECT task_uuid FROM tasks WHERE task_uuid LIKE %s")
                params.append(_like(term.value, "", "%"))  # COLLATE "C": an index range
            where.append(f"t.task_uuid IN ({' UNION '.join(sources)})")
    return " AND ".join(where) or "TRUE", params


_TEMPLATES_HOLDING = (
    "SELECT DISTINCT namespace, name, version FROM templates"
    " WHERE (namespace || '/' || name || '@' || version) ILIKE %s"
)
_BY_TEMPLATE = "SELECT task_uuid FROM tasks WHERE namespace = %s AND name = %s AND version = %s"


def _like(value: str, before: str, after: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{before}{escaped}{after}"
