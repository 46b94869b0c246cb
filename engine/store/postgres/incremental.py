"""Re-evaluating running tasks from their finished steps only (``engine.incremental``), in one
round trip: what ``sqlite/incremental.py`` does.

The finished steps' tasks are locked (``finish_attempts`` read them ``FOR UPDATE``). One
statement decrements the completed steps' dependents' counts of unmet dependencies, puts those
it releases on the ready list, and asks every task's yes/no questions (``send``); its rows
decide the tasks' states (``conclude``). A batch with a parallelism whose clone completed costs
two more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import AsyncCursor

from engine import incremental
from engine.states import StepState as S
from engine.states import TaskState as T
from engine.store import moves
from engine.store.postgres.tx import Tx, move_tasks

Finish = tuple[dict[str, Any], S, int | None]  # a finished step's row (with its task's
# status and counters as task_status, task_total_steps, task_completed_steps,
# task_failed_steps), its new state, its retry time

# A released dependent goes on the ready list here unless it may be a capped batch's clone
# (its inputs name a parallelism): those Python decides. The questions are asked on the rows
# as they were before this statement, which is enough: the dependents it changes answer
# "ready" themselves (``released``), and it leaves none held. Each question is a subquery
# of one row, not an EXISTS: the planner may answer an EXISTS from a hash of every step
# matching it in the whole table (all held steps of every task, on each write), and a plan
# made while the table was small keeps doing so once it has grown.
_DECREMENT_AND_ASK = (
    "WITH gone AS (SELECT e.to_step, COUNT(*) AS n FROM step_edges e"
    " WHERE e.from_step = ANY(%(completed)s) GROUP BY e.to_step),"
    " dec AS (UPDATE steps s SET unmet_dependencies = s.unmet_dependencies - gone.n,"
    " ready_at = CASE WHEN s.state = 'pending' AND s.unmet_dependencies = gone.n"
    " AND s.ready_at IS NULL AND s.task_uuid = ANY(%(tasks)s) AND (s.template_step IS NULL"
    " OR s.inputs IS NULL OR strpos(s.inputs, 'parallelism') = 0) THEN %(now)s"
    " ELSE s.ready_at END FROM gone WHERE s.step_uuid = gone.to_step"
    " RETURNING s.step_uuid, s.task_uuid, s.state, s.unmet_dependencies, s.ready_at,"
    " s.template_step, s.inputs)"
    " SELECT 'dependent' AS kind, d.task_uuid, d.step_uuid, d.state, d.unmet_dependencies,"
    " d.ready_at, d.template_step, d.inputs, NULL::boolean AS in_progress,"
    " NULL::boolean AS ready, NULL::boolean AS held, NULL::boolean AS waiting_for_retry"
    " FROM dec d UNION ALL SELECT 'task', u.task_uuid, NULL, NULL, NULL, NULL, NULL, NULL,"
    " (SELECT true FROM steps s WHERE s.task_uuid = u.task_uuid AND s.state = 'in_progress'"
    " LIMIT 1) IS NOT NULL,"
    " (SELECT true FROM steps s WHERE s.task_uuid = u.task_uuid AND s.state = 'pending'"
    " AND s.ready_at IS NOT NULL LIMIT 1) IS NOT NULL,"
    " (SELECT true FROM steps s WHERE s.task_uuid = u.task_uuid AND s.state = 'pending'"
    " AND s.ready_at IS NULL AND s.unmet_dependencies = 0 LIMIT 1) IS NOT NULL,"
    " (SELECT true FROM steps s WHERE s.task_uuid = u.task_uuid"
    " AND s.state = 'waiting_for_retry' LIMIT 1) IS NOT NULL"
    " FROM unnest(%(tasks)s::text[]) AS u(task_uuid)"
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


@dataclass
class Sent:
    """Finished steps whose tasks' re-evaluation is on its way to the server."""

    chosen: dict[str, list[Finish]]  # the tasks re-evaluated from the change alone
    reasons: dict[str, str]  # every task with a finished step: why it is re-evaluated
    now: int
    capped: dict[str, dict[str, int]]  # task -> batch with a parallelism -> its cap
    cursor: AsyncCursor[Any] | None = None
    # Python put steps on the ready list after the statement: a claim sent with it missed them.
    readied_late: bool = False

    @property
    def whole(self) -> bool:
        """Is every task's re-evaluation in the statement sent, with no read to follow it?
        (Then a claim may be sent before its rows are read.)"""
        return len(self.chosen) == len(self.reasons) and not self.capped


async def send(
    tx: Tx, finished: dict[str, list[Finish]], reasons: dict[str, str], now: int
) -> Sent:
    """Queue the re-evaluation of the tasks of ``finished`` that qualify from the change alone;
    ``conclude`` reads it."""
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
    capped = {task: found for task, steps in chosen.items() if (found := _capped_batches(steps))}
    sent = Sent(chosen, reasons, now, capped)
    retrying: dict[str, int | None] = {
        row["step_uuid"]: retry_at if retry_at is not None else now
        for steps in chosen.values()
        for row, to_state, retry_at in steps
        if to_state is S.WAITING_FOR_RETRY
    }
    await _set_ready(tx, retrying)
    if chosen:
        completed = [row["step_uuid"] for steps in chosen.values() for row, to, _ in steps
                     if to is S.COMPLETE]  # fmt: skip
        params = {"completed": completed, "tasks": list(chosen), "now": now}
        sent.cursor = await tx.send(_DECREMENT_AND_ASK, params)
    return sent


async def conclude(tx: Tx, sent: Sent, by: str) -> tuple[dict[str, T], dict[str, str]]:
    """The new states of the tasks ``send`` re-evaluated, written, and the ``reasons`` of the
    tasks left for ``tx.reevaluate_all``."""
    chosen, now = dict(sent.chosen), sent.now
    answers: dict[str, dict[str, Any]] = {}
    released: set[str] = set()
    late: dict[str, dict[str, int | None]] = {}  # by task
    for r in await tx.rows(sent.cursor) if sent.cursor is not None else []:
        task = r["task_uuid"]
        if r["kind"] == "task":
            answers[task] = r
            continue
        set_here = r["ready_at"] == now and not moves.maybe_capped(r["template_step"], r["inputs"])
        if task not in chosen or not incremental.released(
            r["state"], r["unmet_dependencies"], None if set_here else r["ready_at"]
        ):
            continue
        if r["template_step"] is not None and moves.parallelism(r["inputs"]):
            del chosen[task]  # a capped batch's first clones: the batch is counted whole
            continue
        if not set_here:
            late.setdefault(task, {})[r["step_uuid"]] = now
        released.add(task)
    late_ready = {uuid: at for task in chosen for uuid, at in late.get(task, {}).items()}
    await _set_ready(tx, late_ready)
    sent.readied_late = bool(late_ready)
    for task, batches in sent.capped.items():
        for batch, parallelism in batches.items():
            if task in chosen and await _let_clones_go(tx, task, batch, parallelism, now):
                released.add(task)
    states = await _decide(tx, chosen, answers, released, sent.reasons, now, by)
    return states, {task: why for task, why in sent.reasons.items() if task not in states}


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
    answers: dict[str, dict[str, Any]],
    released: set[str],
    reasons: dict[str, str],
    now: int,
    by: str,
) -> dict[str, T]:
    """Each chosen task's new state from its counters and the statement's answers; written."""
    states: dict[str, T] = {}
    counted: list[tuple[str, int]] = []
    ended: list[tuple[str, T, T, str]] = []
    ended_done: list[int] = []
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
            ended.append((task, T.STEPS_IN_PROCESS, state, reasons[task]))
            ended_done.append(done)
        else:
            counted.append((task, done))
        tx.touched.add(task)
        states[task] = state
    await move_tasks(tx, ended, now, by, updated_at=[now] * len(ended),
                     completed_steps=ended_done, failed_steps=[0] * len(ended))  # fmt: skip
    for task, done in counted:
        tx.stamp(task, updated_at=now, completed_steps=done)
    return states
