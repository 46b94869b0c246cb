"""Re-evaluating running tasks from their finished steps only (``engine.incremental``).

Inside the transaction that stored the attempts' results: a completed step decrements its
dependents' counts of unmet dependencies (through ``step_edges``) and those reaching zero go on
the ready list; a step waiting for a retry goes on it at its retry time; a completed clone of a
batch with a parallelism lets the next held clones go; the task's counters move by what
finished and its state is answered from the ``steps_by_task_state`` index. Rows read and
written grow with the steps that changed, not with the task.
"""

from __future__ import annotations

import json
import sqlite3

from engine import incremental
from engine.incremental import Question
from engine.states import StepState as S
from engine.states import TaskState as T
from engine.store import moves
from engine.store.sqlite.tx import move_task, touch_task

Finish = tuple[sqlite3.Row, S, int | None]  # a finished step's row, its new state, retry time

# A dependent released goes on the ready list in the decrement itself (SET sees the old row),
# unless it is a clone that may be capped: ``moves.maybe_capped``, decided in Python. ``{n}``:
# how many of its dependencies completed.
_RELEASE = (
    "ready_at = CASE WHEN state = 'pending' AND unmet_dependencies = {n} AND ready_at IS NULL"
    " AND (template_step IS NULL OR inputs IS NULL OR instr(inputs, 'parallelism') = 0)"
    " THEN ?2 ELSE ready_at END"
)
_DECREMENT = (  # every completed step's dependents at once, by how many of theirs completed
    "UPDATE steps SET unmet_dependencies = unmet_dependencies - gone.n, "
    + _RELEASE.format(n="gone.n")
    + " FROM (SELECT to_step, COUNT(*) AS n FROM step_edges"
    " WHERE from_step IN (SELECT value FROM json_each(?1)) GROUP BY to_step) AS gone"
    " WHERE steps.step_uuid = gone.to_step RETURNING steps.task_uuid, steps.step_uuid,"
    " steps.state, steps.unmet_dependencies, steps.ready_at, steps.template_step, steps.inputs"
)
_DECREMENT_ONE = (  # the same for one completed step (one at a time: a third cheaper)
    "UPDATE steps SET unmet_dependencies = unmet_dependencies - 1, "
    + _RELEASE.format(n="1")
    + " WHERE step_uuid IN (SELECT to_step FROM step_edges WHERE from_step = ?1)"
    " RETURNING task_uuid, step_uuid, state, unmet_dependencies, ready_at, template_step, inputs"
)
_HELD = (  # pending, every dependency met, not on the ready list (the task is not parked)
    "SELECT step_uuid FROM steps WHERE task_uuid = ? AND state = 'pending' AND ready_at IS NULL"
    " AND unmet_dependencies = 0"
)
_ASK = {  # each answered from the (task_uuid, state, ready_at) index
    Question.IN_PROGRESS: "SELECT 1 FROM steps WHERE task_uuid = ? AND state = 'in_progress'",
    Question.READY: (
        "SELECT 1 FROM steps WHERE task_uuid = ? AND state = 'pending' AND ready_at IS NOT NULL"
    ),
    Question.HELD: _HELD,
    Question.WAITING_FOR_RETRY: (
        "SELECT 1 FROM steps WHERE task_uuid = ? AND state = 'waiting_for_retry'"
    ),
}
_OUT = (  # a batch's clones running, waiting for a retry or on the ready list: one range of
    # the index each (an OR of them would read all of the task's steps)
    "SELECT (SELECT COUNT(*) FROM steps WHERE task_uuid = ?1 AND state = 'in_progress'"
    " AND template_step = ?2) + (SELECT COUNT(*) FROM steps WHERE task_uuid = ?1"
    " AND state = 'waiting_for_retry' AND template_step = ?2) + (SELECT COUNT(*) FROM steps"
    " WHERE task_uuid = ?1 AND state = 'pending' AND ready_at IS NOT NULL"
    " AND template_step = ?2)"
)


def reevaluate_finished(
    cx: sqlite3.Connection,
    finished: dict[str, list[Finish]],
    reasons: dict[str, str],
    now: int,
    by: str,
) -> tuple[dict[str, T], dict[str, str]]:
    """Re-evaluate the tasks of ``finished`` (task_uuid -> its finished steps) that qualify
    from the change alone. Returns their new states, and the ``reasons`` of the tasks left
    for a whole re-evaluation (``tx.reevaluate_all``)."""
    states: dict[str, T] = {}
    left: dict[str, str] = {}
    chosen = {
        task: steps
        for task, steps in finished.items()
        if task in reasons and steps and _qualifies(steps)
    }
    dependents = _decrement(cx, chosen, now)
    for task_uuid, reason in reasons.items():
        steps = chosen.get(task_uuid, [])
        state = None
        if steps:
            state = _reevaluate_one(cx, task_uuid, steps, dependents.get(task_uuid, []), now, by,
                                    reason)  # fmt: skip
        if state is None:
            left[task_uuid] = reason
        else:
            states[task_uuid] = state
    return states, left


def _decrement(
    cx: sqlite3.Connection, chosen: dict[str, list[Finish]], now: int
) -> dict[str, list[sqlite3.Row]]:
    """Count the completed steps of ``chosen`` off their dependents (released ones put on the
    ready list), in one statement; the dependents as they are now, by task."""
    completed = [row["step_uuid"] for steps in chosen.values() for row, to, _ in steps
                 if to is S.COMPLETE]  # fmt: skip
    found: dict[str, list[sqlite3.Row]] = {}
    if len(completed) == 1:
        rows = cx.execute(_DECREMENT_ONE, (completed[0], now)).fetchall()
    else:
        rows = cx.execute(_DECREMENT, (json.dumps(completed), now)).fetchall() if completed else []
    for row in rows:
        found.setdefault(row["task_uuid"], []).append(row)
    return found


def _qualifies(steps: list[Finish]) -> bool:
    task = steps[0][0]  # the task's columns, read with each of its finished steps
    moved_to = (to_state for _, to_state, _ in steps)
    return incremental.qualifies(T(task["task_status"]), task["task_failed_steps"], moved_to)


def _parallelism(row: sqlite3.Row) -> int | None:
    """A clone's batch parallelism (None: not a clone, or not capped)."""
    return None if row["template_step"] is None else moves.parallelism(row["inputs"])


def _reevaluate_one(
    cx: sqlite3.Connection,
    task_uuid: str,
    steps: list[Finish],
    dependents: list[sqlite3.Row],
    now: int,
    by: str,
    reason: str,
) -> T | None:
    """The task's new state, its ready list and counters written; None when it needs a whole
    re-evaluation (nothing written here; what ``_decrement`` wrote, the counts and released
    dependents' ready times, is what that re-evaluation writes too).
    ``dependents``: its steps whose unmet dependencies ``_decrement`` counted down."""
    ready: list[tuple[int | None, str]] = []
    completed, released = 0, False
    batches: dict[str, int] = {}  # the batches a capped clone of which completed
    for row, to_state, retry_at in steps:
        if to_state is S.WAITING_FOR_RETRY:
            ready.append((retry_at if retry_at is not None else now, row["step_uuid"]))
            continue
        completed += 1
        capped = _parallelism(row)
        if capped is not None:
            batches[row["template_step"]] = capped
    for dependent in dependents:
        state, unmet, ready_at, template_step, inputs = dependent[2:7]
        set_here = ready_at == now and not moves.maybe_capped(template_step, inputs)
        if incremental.released(state, unmet, None if set_here else ready_at):
            if _parallelism(dependent) is not None:
                return None  # a capped batch's first clones: the batch is counted whole
            if not set_here:
                ready.append((now, dependent["step_uuid"]))
            released = True
    if ready:
        cx.executemany("UPDATE steps SET ready_at = ? WHERE step_uuid = ?", ready)
    for batch, parallelism in batches.items():
        released |= _let_clones_go(cx, task_uuid, batch, parallelism, now)
    task = steps[0][0]
    done = task["task_completed_steps"] + completed

    def has(question: str) -> bool:
        if question == Question.READY and released:
            return True
        return cx.execute(_ASK[question] + " LIMIT 1", (task_uuid,)).fetchone() is not None

    state = incremental.task_state_after(task["task_total_steps"], done, has)
    if state is not T.STEPS_IN_PROCESS:
        move_task(cx, task_uuid, T.STEPS_IN_PROCESS, state, now, by, reason,
                  stamp=True, completed=done, failed=0)  # fmt: skip
    else:
        touch_task(cx, task_uuid, now, completed=done)
    return state


def _let_clones_go(
    cx: sqlite3.Connection, task_uuid: str, batch: str, parallelism: int, now: int
) -> bool:
    """Put the next held clones of ``batch`` on the ready list, as many as it has free places
    (first made first, as a whole re-evaluation would: a batch's clones are inserted in
    position order, and the index keeps equal entries in rowid order); whether any went."""
    out = cx.execute(_OUT, (task_uuid, batch)).fetchone()[0]
    free = incremental.places(parallelism, out)
    if not free:
        return False
    held = cx.execute(
        _HELD + " AND template_step = ? ORDER BY rowid LIMIT ?", (task_uuid, batch, free)
    ).fetchall()
    cx.executemany("UPDATE steps SET ready_at = ? WHERE step_uuid = ?", [(now, r[0]) for r in held])
    return bool(held)
