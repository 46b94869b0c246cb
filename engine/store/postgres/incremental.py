"""Re-evaluating running tasks from their finished steps only (``engine.incremental``), and
reading a claimed step's ancestors only: what ``sqlite/incremental.py`` does, in few round trips.

The finished steps' tasks are locked (``finish_attempts`` read them ``FOR UPDATE``). One
statement decrements the completed steps' dependents' counts of unmet dependencies and returns
them; one writes the ready list; one asks every task's yes/no questions; a batch with a
parallelism whose clone completed costs two more.
"""

from __future__ import annotations

from typing import Any

from engine import incremental
from engine.states import StepState as S
from engine.states import TaskState as T
from engine.store import moves
from engine.store.postgres.tx import Tx, move_task

Finish = tuple[dict[str, Any], S, int | None]  # a finished step's row (with its task's
# status and counters as task_status, task_total_steps, task_completed_steps,
# task_failed_steps), its new state, its retry time

_DECREMENT = (
    "WITH gone AS (SELECT e.to_step, COUNT(*) AS n FROM step_edges e"
    " WHERE e.from_step = ANY(%s) GROUP BY e.to_step)"
    " UPDATE steps s SET unmet_dependencies = s.unmet_dependencies - gone.n FROM gone"
    " WHERE s.step_uuid = gone.to_step"
    " RETURNING s.step_uuid, s.task_uuid, s.state, s.unmet_dependencies, s.ready_at,"
    " s.template_step, s.inputs"
)
_QUESTIONS = (
    "SELECT u.task_uuid,"
    " EXISTS (SELECT 1 FROM steps s WHERE s.task_uuid = u.task_uuid"
    " AND s.state = 'in_progress') AS in_progress,"
    " EXISTS (SELECT 1 FROM steps s WHERE s.task_uuid = u.task_uuid AND s.state = 'pending'"
    " AND s.ready_at IS NOT NULL) AS ready,"
    " EXISTS (SELECT 1 FROM steps s WHERE s.task_uuid = u.task_uuid AND s.state = 'pending'"
    " AND s.ready_at IS NULL AND s.unmet_dependencies = 0) AS held,"
    " EXISTS (SELECT 1 FROM steps s WHERE s.task_uuid = u.task_uuid"
    " AND s.state = 'waiting_for_retry') AS waiting_for_retry"
    " FROM unnest(%s::text[]) AS u(task_uuid)"
)
_OUT = (
    "SELECT (SELECT COUNT(*) FROM steps WHERE task_uuid = %(task)s AND state = 'in_progress'"
    " AND template_step = %(batch)s) + (SELECT COUNT(*) FROM steps WHERE task_uuid = %(task)s"
    " AND state = 'waiting_for_retry' AND template_step = %(batch)s) + (SELECT COUNT(*)"
    " FROM steps WHERE task_uuid = %(task)s AND state = 'pending' AND ready_at IS NOT NULL"
    " AND template_step = %(batch)s) AS out"
)
_LET_GO = (
    "WITH held AS (SELECT s.step_uuid FROM steps s, (SELECT %(task)s::text AS task_uuid) u"
    " WHERE s.task_uuid = u.task_uuid AND s.state = 'pending' AND s.ready_at IS NULL"
    " AND s.unmet_dependencies = 0 AND s.template_step = %(batch)s"
    " ORDER BY s.position LIMIT %(free)s)"
    " UPDATE steps SET ready_at = %(now)s FROM held WHERE steps.step_uuid = held.step_uuid"
    " RETURNING steps.step_uuid"
)


async def reevaluate_finished(
    tx: Tx, finished: dict[str, list[Finish]], reasons: dict[str, str], now: int, by: str
) -> tuple[dict[str, T], dict[str, str]]:
    """Re-evaluate the tasks of ``finished`` that qualify from the change alone. Returns their
    new states, and the ``reasons`` of the tasks left for ``tx.reevaluate_all``."""
    chosen = {
        task: steps
        for task, steps in finished.items()
        if task in reasons
        and incremental.qualifies(
            T(steps[0][0]["task_status"]),
            steps[0][0]["task_failed_steps"],
            (to for _, to, _ in steps),
        )
    }
    completed = [row["step_uuid"] for steps in chosen.values() for row, to, _ in steps
                 if to is S.COMPLETE]  # fmt: skip
    ready: dict[str, dict[str, int | None]] = {task: {} for task in chosen}  # by task
    released: set[str] = set()
    if completed:
        for dependent in await tx.all(_DECREMENT, (completed,)):
            task = dependent["task_uuid"]
            if task not in chosen or not incremental.released(
                dependent["state"], dependent["unmet_dependencies"], dependent["ready_at"]
            ):
                continue
            if dependent["template_step"] is not None and moves.parallelism(dependent["inputs"]):
                del chosen[task]  # a capped batch's first clones: the batch is counted whole
                continue
            ready[task][dependent["step_uuid"]] = now
            released.add(task)
    for task, steps in chosen.items():
        for row, to_state, retry_at in steps:
            if to_state is S.WAITING_FOR_RETRY:
                ready[task][row["step_uuid"]] = retry_at if retry_at is not None else now
    await _set_ready(tx, {uuid: at for task in chosen for uuid, at in ready[task].items()})
    for task, steps in chosen.items():
        for batch, parallelism in _capped_batches(steps).items():
            if await _let_clones_go(tx, task, batch, parallelism, now):
                released.add(task)
    states = await _decide(tx, chosen, released, reasons, now, by)
    return states, {task: why for task, why in reasons.items() if task not in states}


def _capped_batches(steps: list[Finish]) -> dict[str, int]:
    found = {}
    for row, to_state, _ in steps:
        capped = None if row["template_step"] is None else moves.parallelism(row["inputs"])
        if to_state is S.COMPLETE and capped is not None:
            found[row["template_step"]] = capped
    return found


async def _set_ready(tx: Tx, ready: dict[str, int | None]) -> None:
    if ready:
        await tx.run(
            "UPDATE steps s SET ready_at = u.ready_at"
            " FROM unnest(%s::text[], %s::bigint[]) AS u(step_uuid, ready_at)"
            " WHERE s.step_uuid = u.step_uuid",
            (list(ready), list(ready.values())),
        )


async def _let_clones_go(tx: Tx, task: str, batch: str, parallelism: int, now: int) -> bool:
    """Put the next held clones of ``batch`` on the ready list, as many as it has free places
    (in position order, as a whole re-evaluation would); whether any went."""
    row = await tx.one(_OUT, {"task": task, "batch": batch})
    free = incremental.places(parallelism, int(row["out"]) if row else 0)
    if not free:
        return False
    params = {"task": task, "batch": batch, "free": free, "now": now}
    return bool(await tx.all(_LET_GO, params))


async def _decide(
    tx: Tx,
    chosen: dict[str, list[Finish]],
    released: set[str],
    reasons: dict[str, str],
    now: int,
    by: str,
) -> dict[str, T]:
    """Each chosen task's new state from its counters and one query's answers; written."""
    if not chosen:
        return {}
    answers = {r["task_uuid"]: r for r in await tx.all(_QUESTIONS, (list(chosen),))}
    states: dict[str, T] = {}
    counted: list[tuple[str, int]] = []
    for task, steps in chosen.items():
        first = steps[0][0]
        done = first["task_completed_steps"] + sum(1 for _, to, _ in steps if to is S.COMPLETE)
        answer = answers[task]

        def has(question: str, task: str = task, answer: dict[str, Any] = answer) -> bool:
            return (question == incremental.Question.READY and task in released) or bool(
                answer[question]
            )

        state = incremental.task_state_after(first["task_total_steps"], done, has)
        if state is not T.STEPS_IN_PROCESS:
            await move_task(tx, task, T.STEPS_IN_PROCESS, state, now, by, reasons[task],
                            updated_at=now, completed_steps=done, failed_steps=0)  # fmt: skip
        else:
            counted.append((task, done))
        tx.touched.add(task)
        states[task] = state
    if counted:
        await tx.run(
            "UPDATE tasks t SET updated_at = %s, completed_steps = u.completed"
            " FROM unnest(%s::text[], %s::integer[]) AS u(task_uuid, completed)"
            " WHERE t.task_uuid = u.task_uuid",
            (now, [t for t, _ in counted], [n for _, n in counted]),
        )
    return states


_ANCESTORS = (
    "WITH RECURSIVE wanted(task_uuid, name) AS ("
    ' SELECT u.task_uuid COLLATE "C", u.name COLLATE "C"'
    " FROM unnest(%(tasks)s::text[], %(names)s::text[]) AS u(task_uuid, name)"
    ' UNION SELECT p.task_uuid COLLATE "C", d.name COLLATE "C" FROM wanted w'
    " JOIN steps p ON p.task_uuid = w.task_uuid AND p.name = w.name"
    " CROSS JOIN LATERAL json_array_elements_text(p.dependencies::json) AS d(name))"
    " SELECT t.task_uuid, t.template_id, c.context, s.name, s.dependencies, s.results"
    " FROM tasks t JOIN task_contexts c ON c.task_uuid = t.task_uuid"
    " LEFT JOIN (wanted w JOIN steps s ON s.task_uuid = w.task_uuid AND s.name = w.name)"
    " ON w.task_uuid = t.task_uuid WHERE t.task_uuid = ANY(%(all)s)"
)


async def ancestors(
    tx: Tx, claimed: list[dict[str, Any]]
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, dict[str, Any]]]]:
    """The claimed steps' tasks (context, template id) and, by task, their ancestors' names,
    dependencies and results by name: one query, reading the ancestors, not whole tasks."""
    pairs = {
        (row["task_uuid"], name)
        for row in claimed
        for name in moves.dependencies(row["dependencies"])
    }
    task_uuids = list(dict.fromkeys(row["task_uuid"] for row in claimed))
    tasks: dict[str, dict[str, Any]] = {}
    found: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in task_uuids}
    params = {"tasks": [t for t, _ in pairs], "names": [n for _, n in pairs], "all": task_uuids}
    for r in await tx.all(_ANCESTORS, params):
        tasks[r["task_uuid"]] = r
        if r["name"] is not None:
            found[r["task_uuid"]][r["name"]] = r
    return tasks, found
