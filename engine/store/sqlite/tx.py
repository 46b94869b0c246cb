"""Building blocks of every write transaction: compare-and-set moves, audit rows, re-evaluation.

Plain functions over a ``sqlite3.Connection`` already inside BEGIN IMMEDIATE.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any, cast

from engine import readiness
from engine.states import StepState, TaskState, check_step, check_task
from engine.store import moves
from engine.store.moves import dumps
from engine.store.sqlite.search import index_errors

STEP_COLUMNS = (  # what readiness reads of a task's steps, in the order readiness_rows reads
    "steps.step_uuid, steps.task_uuid, steps.name, steps.state, steps.dependencies,"
    " steps.ready_at, steps.next_retry_at, steps.failure_strategy, steps.template_step,"
    " steps.inputs, steps.unmet_dependencies"
)


def move_step(
    cx: sqlite3.Connection,
    step: sqlite3.Row,
    to_state: StepState,
    now_ms: int,
    by: str,
    reason: str,
    metadata: dict[str, Any] | None = None,
    expect_run_count: int | None = None,
    **columns: Any,
) -> bool:
    """Compare-and-set a step's state with its audit row; False when another actor won."""
    params, audit = _checked_move(step, to_state, now_ms, by, reason, metadata, columns)
    sql = _update_sql(tuple(columns))
    if expect_run_count is not None:
        sql += " AND run_count = ?"
        params = (*params, expect_run_count)
    if cx.execute(sql, params).rowcount == 0:
        return False
    cx.execute(_STEP_AUDIT, audit)
    if _error_changes(step, columns):
        index_errors(cx, [_error_item(step, columns)])
    return True


def _error_changes(step: sqlite3.Row, columns: dict[str, Any]) -> bool:
    """Whether a move sets or clears the step's error (the search index follows it)."""
    if "error" not in columns:
        return False
    return columns["error"] is not None or moves.had_error(step)


def _error_item(step: sqlite3.Row, columns: dict[str, Any]) -> tuple[str, str, str, str | None]:
    return (step["task_uuid"], step["step_uuid"], step["name"], columns["error"])


class Moves:
    """Compare-and-set moves of steps this transaction read after taking the write lock, so no
    other actor can have moved them: each move is checked against the state table at once and
    written with the others, one ``executemany`` per statement shape plus one for the audit."""

    def __init__(self, now_ms: int, by: str) -> None:
        self.now_ms = now_ms
        self.by = by
        self._updates: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        self._audit: list[tuple[Any, ...]] = []
        self._errors: list[tuple[str, str, str, str | None]] = []

    def add(
        self,
        step: sqlite3.Row,
        to_state: StepState,
        reason: str,
        metadata: dict[str, Any] | None = None,
        **columns: Any,
    ) -> None:
        params, audit = _checked_move(
            step, to_state, self.now_ms, self.by, reason, metadata, columns
        )
        self._updates.setdefault(tuple(columns), []).append(params)
        self._audit.append(audit)
        if _error_changes(step, columns):
            self._errors.append(_error_item(step, columns))

    def write(self, cx: sqlite3.Connection) -> None:
        if not self._audit:  # nothing moved (a claim that found nothing ready)
            return
        for names, params in self._updates.items():
            changed = cx.executemany(_update_sql(names), params).rowcount
            if changed != len(params):  # the rows were read under this write lock
                raise RuntimeError(f"{len(params) - changed} step(s) changed under the lock")
        cx.executemany(_STEP_AUDIT, self._audit)
        index_errors(cx, self._errors)
        self._updates.clear()
        self._audit.clear()
        self._errors.clear()


def _checked_move(
    step: sqlite3.Row,
    to_state: StepState,
    now_ms: int,
    by: str,
    reason: str,
    metadata: dict[str, Any] | None,
    columns: dict[str, Any],
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """A move checked against the state table: its UPDATE's parameters (in ``_update_sql``'s
    order, positional: binding by name costs more than the rest of the binding) and its
    audit row."""
    from_state = moves.step_state(step["state"])
    check_step(step["name"], from_state, to_state)
    params = (to_state.value, now_ms, *columns.values(), step["step_uuid"], from_state.value)
    attempt = columns.get("run_count", step["run_count"])
    audit = (step["task_uuid"], step["step_uuid"], step["name"], from_state.value,
             to_state.value, attempt, now_ms, by, reason, dumps(metadata))  # fmt: skip
    return params, audit


@functools.lru_cache(maxsize=64)
def _update_sql(names: tuple[str, ...]) -> str:
    """The compare-and-set UPDATE of a step's state and ``names``; parameters: the new state,
    the time, the values of ``names``, the step's uuid and its expected state."""
    sets = "".join(f", {name} = ?" for name in names)
    return f"UPDATE steps SET state = ?, updated_at = ?{sets} WHERE step_uuid = ? AND state = ?"


_STEP_AUDIT = (
    "INSERT INTO step_transitions (task_uuid, step_uuid, step_name, from_state, to_state,"
    " attempt, at, by, reason, metadata) VALUES (?,?,?,?,?,?,?,?,?,?)"
)


def move_task(
    cx: sqlite3.Connection,
    task_uuid: str,
    from_state: TaskState,
    to_state: TaskState,
    now_ms: int,
    by: str,
    reason: str,
    metadata: dict[str, Any] | None = None,
    *,
    stamp: bool = False,
    completed: int | None = None,
    failed: int | None = None,
) -> None:
    """Set a task's state (checked against the table) and write its audit row.

    ``stamp``: the same statement stamps the task as changed (what ``touch_task`` does) and
    sets its ``completed`` and ``failed`` step counts (None: unchanged).
    """
    check_task(task_uuid, from_state, to_state)
    done = moves.task_completed_at(to_state, now_ms)
    if not stamp:
        cx.execute(
            "UPDATE tasks SET status = ?, completed_at = COALESCE(?, completed_at) "
            "WHERE task_uuid = ? AND status = ?",
            (to_state.value, done, task_uuid, from_state.value),
        )
    else:
        cx.execute(
            "UPDATE tasks SET status = ?, completed_at = COALESCE(?, completed_at),"
            f" {_TOUCH} WHERE task_uuid = ? AND status = ?",
            (to_state.value, done, now_ms, completed, failed, task_uuid, from_state.value),
        )
    cx.execute(
        "INSERT INTO task_transitions (task_uuid, from_state, to_state, at, by, reason, metadata)"
        " VALUES (?,?,?,?,?,?,?)",
        (task_uuid, from_state.value, to_state.value, now_ms, by, reason, dumps(metadata)),
    )


def reevaluate(
    cx: sqlite3.Connection, task_uuid: str, now_ms: int, by: str, reason: str
) -> TaskState:
    """Recompute readiness, counters and the task's state after one of its steps moved."""
    return reevaluate_all(cx, {task_uuid: reason}, now_ms, by)[task_uuid]


def reevaluate_all(
    cx: sqlite3.Connection, reasons: dict[str, str], now_ms: int, by: str
) -> dict[str, TaskState]:
    """``reevaluate`` for many tasks (``reasons``: task_uuid -> why), their step rows read in
    one query and their ready-list and stamp writes batched: one statement each for the whole
    transaction, not one per task. The tasks' new states, by task."""
    if not reasons:
        return {}
    rows = tasks_rows(cx, list(reasons))
    ready: list[tuple[int | None, str]] = []
    unmet: list[tuple[int, str]] = []
    touched: list[tuple[int, int, int, str]] = []
    states: dict[str, TaskState] = {}
    for task_uuid, reason in reasons.items():
        task_rows = rows.get(task_uuid, [])
        task_state = TaskState(
            task_rows[0][-1] if task_rows else cast(str, task_status(cx, task_uuid))
        )
        result = readiness.evaluate(task_state, readiness_rows(task_rows), now_ms)
        ready.extend((at, step_uuid) for step_uuid, at in result.ready_at.items())
        unmet.extend((count, step_uuid) for step_uuid, count in result.unmet.items())
        if result.task_state is not task_state:
            move_task(cx, task_uuid, task_state, result.task_state, now_ms, by, reason,
                      stamp=True, completed=result.completed_steps,
                      failed=result.failed_steps)  # fmt: skip
        else:
            touched.append((now_ms, result.completed_steps, result.failed_steps, task_uuid))
        states[task_uuid] = result.task_state
    if ready:
        cx.executemany("UPDATE steps SET ready_at = ? WHERE step_uuid = ?", ready)
    if unmet:
        cx.executemany("UPDATE steps SET unmet_dependencies = ? WHERE step_uuid = ?", unmet)
    if touched:
        cx.executemany(f"UPDATE tasks SET {_TOUCH} WHERE task_uuid = ?", touched)
    return states


def readiness_rows(rows: list[sqlite3.Row]) -> list[readiness.StepRow]:
    """What readiness needs of each step, read by position (``tasks_rows``' column order:
    ``STEP_COLUMNS``, whose second is the task's uuid, then the task's status)."""
    return [moves.readiness_row(r[0], *r[2:11]) for r in rows]


SQLITE_MAX_PARAMETERS = 999  # the lowest limit any SQLite build has


def tasks_rows(cx: sqlite3.Connection, task_uuids: list[str]) -> dict[str, list[sqlite3.Row]]:
    """Each task's step rows in position order with the task's status: what ``reevaluate``
    needs (not the results, which can be large), one query for up to 999 tasks."""
    return _by_task(
        cx,
        task_uuids,
        lambda marks: (
            f"SELECT {STEP_COLUMNS}, tasks.status AS task_status FROM steps"
            " JOIN tasks ON tasks.task_uuid = steps.task_uuid"
            f" WHERE steps.task_uuid IN ({marks}) ORDER BY steps.task_uuid, steps.position"
        ),
    )


_ANCESTORS = (  # every lookup through the (task_uuid, name) key; UNION: each step once
    "WITH RECURSIVE wanted(task_uuid, name) AS (SELECT json_extract(value, '$[0]'),"
    " json_extract(value, '$[1]')"
    " FROM json_each(?) UNION SELECT wanted.task_uuid, d.value FROM wanted JOIN steps s"
    " ON s.task_uuid = wanted.task_uuid AND s.name = wanted.name, json_each(s.dependencies) AS d)"
    " SELECT s.task_uuid, s.name, s.dependencies, s.results FROM wanted"
    " JOIN steps s ON s.task_uuid = wanted.task_uuid AND s.name = wanted.name"
)
_ANCESTORS_IN_ONE_TASK = (  # the same for the steps of one task (a claim of one: cheaper)
    "WITH RECURSIVE wanted(name) AS (SELECT value FROM json_each(?2) UNION"
    " SELECT d.value FROM wanted JOIN steps s ON s.task_uuid = ?1 AND s.name = wanted.name,"
    " json_each(s.dependencies) AS d)"
    " SELECT s.task_uuid, s.name, s.dependencies, s.results FROM wanted"
    " JOIN steps s ON s.task_uuid = ?1 AND s.name = wanted.name"
)


def ancestor_rows(
    cx: sqlite3.Connection, parents: dict[str, set[str]]
) -> dict[str, dict[str, sqlite3.Row]]:
    """For each task, the names, dependencies and results of its ``parents`` and of all their
    ancestors, by name: what claimed steps' handlers see. One statement for every task of a
    claim, following the dependencies down by name, so it costs the ancestors, not the tasks'
    other steps."""
    found: dict[str, dict[str, sqlite3.Row]] = {task: {} for task in parents}
    if len(parents) == 1:
        [(task, names)] = parents.items()
        rows = (
            cx.execute(_ANCESTORS_IN_ONE_TASK, (task, json.dumps(sorted(names)))) if names else ()
        )
    else:
        wanted = [[task, name] for task, names in parents.items() for name in sorted(names)]
        rows = cx.execute(_ANCESTORS, (json.dumps(wanted),)) if wanted else ()
    for row in rows:
        found[row["task_uuid"]][row["name"]] = row
    return found


def _by_task(
    cx: sqlite3.Connection, task_uuids: list[str], query: Callable[[str], str]
) -> dict[str, list[sqlite3.Row]]:
    """The rows ``query(placeholders)`` reads for ``task_uuids``, grouped by their task_uuid."""
    found: dict[str, list[sqlite3.Row]] = {}
    if not task_uuids:
        return found
    for chunk, marks in chunks(task_uuids):
        for row in cx.execute(query(marks), chunk):
            found.setdefault(row["task_uuid"], []).append(row)
    return found


def chunks(values: list[str], size: int = SQLITE_MAX_PARAMETERS) -> Iterator[tuple[list[str], str]]:
    """``values`` in runs of at most ``size``, each with its "?,?,…" placeholders."""
    if len(values) == 1:  # the common case, one task or step: no slicing, no joining
        yield values, "?"
        return
    for start in range(0, len(values), size):
        chunk = values[start : start + size]
        yield chunk, ",".join("?" * len(chunk))


def task_status(cx: sqlite3.Connection, task_uuid: str) -> str | None:
    """A task's status alone (None: no such task)."""
    row = cx.execute("SELECT status FROM tasks WHERE task_uuid = ?", (task_uuid,)).fetchone()
    return None if row is None else str(row[0])


def touch_task(
    cx: sqlite3.Connection,
    task_uuid: str,
    now_ms: int,
    completed: int | None = None,
    failed: int | None = None,
) -> None:
    """Stamp the task as changed (updated_at and the change feed's sequence number)."""
    cx.execute(
        f"UPDATE tasks SET {_TOUCH} WHERE task_uuid = ?", (now_ms, completed, failed, task_uuid)
    )


def touch_tasks(cx: sqlite3.Connection, task_uuids: list[str], now_ms: int) -> None:
    """``touch_task`` without counters for many tasks, one statement per 999."""
    for chunk, marks in chunks(task_uuids):
        cx.execute(
            f"UPDATE tasks SET {_TOUCH} WHERE task_uuid IN ({marks})", (now_ms, None, None, *chunk)
        )


_TOUCH = (  # parameters: updated_at, completed_steps, failed_steps (None: unchanged)
    "updated_at = ?, completed_steps = COALESCE(?, completed_steps),"
    " failed_steps = COALESCE(?, failed_steps),"
    " change_seq = (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM tasks)"
)
