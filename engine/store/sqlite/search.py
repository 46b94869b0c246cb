"""Task search on SQLite: the index (schema version 6), kept in step with every write, and the
query over it.

``search_terms`` holds one row per value an operator may search for: a context leaf (written
with the task) and a step's current error (code, class, message, step name; written with the
move that sets or clears it). ``search_text`` is an FTS5 trigram index over its values, so a
word found anywhere in a value costs an index lookup; a SQLite built without FTS5 gets no
``search_text`` and the search scans the values instead (slower, and ``note`` says so).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from engine import search_query as sq
from engine.masking import secret_values
from engine.store import views

NO_FTS_NOTE = "this SQLite has no FTS5 trigram index: search scans every value (slow)"
FTS_MIN_CHARS = 3  # a trigram index finds text of 3 characters or more
CHUNK = 500  # bound parameters per statement, well under SQLite's limit

SEARCH_TABLES = (  # one statement each: run inside the upgrade's transaction
    """CREATE TABLE search_terms (
        id        INTEGER PRIMARY KEY,
        task_uuid TEXT NOT NULL REFERENCES tasks(task_uuid),
        step_uuid TEXT,                -- NULL: a context value; else the step whose error it is
        field     TEXT NOT NULL,       -- ctx.PATH, code, step, error_type or error
        value     TEXT NOT NULL
    )""",
    "CREATE INDEX search_terms_by_task ON search_terms(task_uuid)",
    "CREATE INDEX search_terms_by_step ON search_terms(step_uuid) WHERE step_uuid IS NOT NULL",
    "CREATE INDEX search_terms_by_field ON search_terms(field, value)",
)
SEARCH_FTS = (
    """CREATE VIRTUAL TABLE search_text USING fts5(
        value, content='search_terms', content_rowid='id', tokenize='trigram'
    )""",
    """CREATE TRIGGER search_terms_added AFTER INSERT ON search_terms BEGIN
        INSERT INTO search_text (rowid, value) VALUES (new.id, new.value);
    END""",
    """CREATE TRIGGER search_terms_removed AFTER DELETE ON search_terms BEGIN
        INSERT INTO search_text (search_text, rowid, value) VALUES ('delete', old.id, old.value);
    END""",
)
_INSERT = "INSERT INTO search_terms (task_uuid, step_uuid, field, value) VALUES (?,?,?,?)"


def upgrade_to_6(cx: sqlite3.Connection) -> None:
    """Schema 6: the search index, built for the tasks already there (inside the upgrade's
    transaction, if there is one)."""
    for statement in SEARCH_TABLES:
        cx.execute(statement)
    try:
        cx.execute("SAVEPOINT fts")
        for statement in SEARCH_FTS:
            cx.execute(statement)
        cx.execute("RELEASE fts")
    except sqlite3.OperationalError:  # no fts5 module, or no trigram tokenizer (< 3.34)
        cx.execute("ROLLBACK TO fts")
        cx.execute("RELEASE fts")
    tasks = cx.execute(
        "SELECT task_uuid, context, initiator FROM task_contexts JOIN tasks USING (task_uuid)"
    )
    for task_uuid, context, initiator in tasks.fetchall():
        index_task(cx, task_uuid, json.loads(context), initiator)
    failing = cx.execute(
        "SELECT task_uuid, step_uuid, name, error FROM steps WHERE error IS NOT NULL"
    ).fetchall()
    index_errors(cx, [tuple(row) for row in failing])


def has_fts(cx: sqlite3.Connection) -> bool:
    row = cx.execute("SELECT 1 FROM sqlite_master WHERE name = 'search_text'").fetchone()
    return row is not None


# keeping it in step --------------------------------------------------------------------------
def index_task(cx: sqlite3.Connection, task_uuid: str, context: Any, initiator: str | None) -> None:
    """Index a new task's context and initiator (the values an operator may see)."""
    rows = [(task_uuid, None, f, v) for f, v in sq.task_terms(context, initiator)]
    if rows:
        cx.executemany(_INSERT, rows)


def reindex_task(
    cx: sqlite3.Connection, task_uuid: str, context: Any, initiator: str | None
) -> None:
    """Index a task's changed context (and initiator) in place of what was indexed of it."""
    cx.execute("DELETE FROM search_terms WHERE task_uuid = ? AND step_uuid IS NULL", (task_uuid,))
    index_task(cx, task_uuid, context, initiator)


def index_errors(cx: sqlite3.Connection, items: Iterable[tuple[str, str, str, str | None]]) -> None:
    """Replace the indexed error of each (task_uuid, step_uuid, step_name, error JSON or None)."""
    items = list(items)
    if not items:
        return
    cx.executemany("DELETE FROM search_terms WHERE step_uuid = ?", [(i[1],) for i in items])
    failing = [item for item in items if item[3]]
    if not failing:
        return
    secrets = _task_secrets(cx, sorted({item[0] for item in failing}))
    rows = [
        (task_uuid, step_uuid, field, value)
        for task_uuid, step_uuid, name, error in failing
        for field, value in sq.error_terms(name, json.loads(error or "null"), secrets[task_uuid])
    ]
    cx.executemany(_INSERT, rows)


def _task_secrets(cx: sqlite3.Connection, task_uuids: list[str]) -> dict[str, tuple[str, ...]]:
    """Each task's secrets (its context's) that an error message may quote."""
    found: dict[str, tuple[str, ...]] = dict.fromkeys(task_uuids, ())
    for start in range(0, len(task_uuids), CHUNK):
        chunk = task_uuids[start : start + CHUNK]
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT task_uuid, context FROM task_contexts WHERE task_uuid IN ({marks})"
        for task_uuid, context in cx.execute(sql, chunk):
            found[task_uuid] = secret_values(json.loads(context))
    return found


# the query ----------------------------------------------------------------------------------
def search_tasks(cx: sqlite3.Connection, query: sq.SearchQuery, limit: int) -> dict[str, Any]:
    """``{"total", "tasks", "note"}``: how many tasks match, the newest ``limit`` of them as
    list rows each with ``matched`` (the fields that matched), and a note on how it searched."""
    fts = has_fts(cx)
    where, params = _where(cx, query, fts)
    total = cx.execute(f"SELECT count(*) FROM tasks t WHERE {where}", params).fetchone()[0]
    sql = (
        f"SELECT {views.TASK_LIST_COLUMNS} FROM tasks t WHERE {where}"
        " ORDER BY t.created_at DESC LIMIT ?"
    )
    rows = [views.task_list_view(r) for r in cx.execute(sql, (*params, limit))]
    uuids = [row["task_uuid"] for row in rows]
    words = {t: _word_fields(cx, t, uuids, fts) for t in query.terms if t.kind == "word"}
    for row in rows:
        row["matched"] = sq.matched_fields(query, row, words)
    return {"total": total, "tasks": rows, "note": None if fts else NO_FTS_NOTE}


def _word_fields(
    cx: sqlite3.Connection, term: sq.Term, task_uuids: list[str], fts: bool
) -> dict[str, str]:
    """For each task, the field of its first indexed value holding the free word."""
    contains, values = _contains(term.value, fts)
    found: dict[str, str] = {}
    for start in range(0, len(task_uuids), CHUNK):
        chunk = task_uuids[start : start + CHUNK]
        marks = ",".join("?" * len(chunk))
        sql = (
            f"SELECT task_uuid, field FROM search_terms WHERE task_uuid IN ({marks})"
            f" AND {contains} ORDER BY id DESC"  # the first value last: it wins below
        )
        found.update(cx.execute(sql, (*chunk, *values)).fetchall())
    return found


def _where(cx: sqlite3.Connection, query: sq.SearchQuery, fts: bool) -> tuple[str, list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    for term in query.terms:
        if term.kind == "state":
            where.append("t.status >= ? AND t.status < ?")
            params += [term.value, term.value + ID_END]
        elif term.kind in ("code", "step"):
            where.append(
                "t.task_uuid IN (SELECT task_uuid FROM search_terms WHERE field = ? AND value = ?)"
            )
            params += [term.field, term.value]
        elif term.kind == "ctx":
            contains, values = _contains(term.value, fts)
            where.append(
                "t.task_uuid IN (SELECT task_uuid FROM search_terms"
                f" WHERE field = ? AND {contains})"
            )
            params += [term.field, *values]
        else:
            contains, values = _contains(term.value, fts)
            sources = [f"SELECT task_uuid FROM search_terms WHERE {contains}"]
            params += values
            for template in _templates_holding(cx, term.value):
                sources.append(_BY_TEMPLATE)
                params += template
            if sq.looks_like_id(term.value):
                sources.append(_BY_ID)
                params += [term.value, term.value + ID_END]
            where.append(f"t.task_uuid IN ({' UNION '.join(sources)})")
    return " AND ".join(where) or "1", params


def _templates_holding(cx: sqlite3.Connection, word: str) -> list[tuple[str, str, str]]:
    """The (namespace, name, version) of each template whose label holds ``word``."""
    rows = cx.execute(
        "SELECT DISTINCT namespace, name, version FROM templates"
        " WHERE instr(lower(namespace || '/' || name || '@' || version), ?)",
        (word,),
    )
    return [(row[0], row[1], row[2]) for row in rows]


ID_END = "\U0010ffff"  # after every character: a text starting with w is in [w, w + ID_END)
_BY_TEMPLATE = "SELECT task_uuid FROM tasks WHERE namespace = ? AND name = ? AND version = ?"
_BY_ID = "SELECT task_uuid FROM tasks WHERE task_uuid >= ? AND task_uuid < ?"


def _contains(value: str, fts: bool) -> tuple[str, list[Any]]:
    """A condition on ``search_terms.value``: it contains ``value``, in any case."""
    if fts and len(value) >= FTS_MIN_CHARS:
        phrase = '"' + value.replace('"', '""') + '"'
        return "id IN (SELECT rowid FROM search_text WHERE search_text MATCH ?)", [phrase]
    return "instr(lower(value), ?) > 0", [value]
