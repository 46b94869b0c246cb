"""DLQ and analytics: what this engine's data answers truthfully, and 501 for the rest.

Tasker's DLQ is an investigation tracker over tasks that got stuck. Here a task stuck for an
operator is one ``blocked_by_failures``: a step failed permanently or ran out of attempts
(Tasker's ``MaxRetriesExceeded``). Those tasks are the investigation queue, and each time a
task entered that state is an entry (its id derived from the task and the moment). Entries'
investigation notes and the staleness sweep do not exist here: those endpoints answer 501.
Analytics are computed from the tasks' rows (``server.analytics``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from engine.api import Engine
from engine.states import TaskState
from server import analytics
from server.auth import REVEAL, Caller
from server.deps import engine_of, full_uuid, requires
from server.errors import ApiProblem
from server.views import derived_id, iso, shown

router = APIRouter()
BLOCKED = TaskState.BLOCKED_BY_FAILURES
SCAN_CHUNK = 500
MAX_RETRIES_SCORE = 500  # Tasker's v_dlq_investigation_queue: base score of this reason


async def _blocked_since(engine: Engine, task_uuid: str) -> int:
    """When the task last entered blocked_by_failures (epoch ms)."""
    rows = await engine.task_audit(task_uuid)
    entered = [r["at"] for r in rows if r["to_state"] == BLOCKED]
    return entered[-1] if entered else 0


def _queue_entry(task: dict[str, Any], since: int, now: int) -> dict[str, Any]:
    minutes = max(0.0, (now - since) / 60_000)
    return {
        "dlq_entry_uuid": derived_id(task["task_uuid"], "blocked", str(since)),
        "task_uuid": task["task_uuid"],
        "original_state": BLOCKED,
        "current_state": task["status"],
        "dlq_reason": "MaxRetriesExceeded",
        "dlq_timestamp": iso(since),
        "minutes_in_dlq": round(minutes, 2),
        "priority_score": round(MAX_RETRIES_SCORE + minutes, 2),
        "namespace_name": task["namespace"],
        "task_name": task["name"],
        "time_in_state_minutes": int(minutes),
    }


@router.get("/v1/dlq/investigation-queue")
async def investigation_queue(
    engine: Annotated[Engine, Depends(engine_of)],
    _: Annotated[Caller, Depends(requires("dlq:read"))],
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> list[dict[str, Any]]:
    """Tasks blocked by failures, longest waiting first (the score grows with the minutes)."""
    now = engine.clock.now_ms()
    rows = await engine.list_tasks(None, BLOCKED, 10_000)
    entries = [_queue_entry(r, await _blocked_since(engine, r["task_uuid"]), now) for r in rows]
    entries.sort(key=lambda e: -e["priority_score"])
    return entries[:limit]


@router.get("/v1/dlq/task/{task_uuid}")
async def dlq_entry(
    task_uuid: str,
    engine: Annotated[Engine, Depends(engine_of)],
    caller: Annotated[Caller, Depends(requires("dlq:read"))],
) -> dict[str, Any]:
    """The task's current entry, with a snapshot of the task and its steps, while it is
    blocked; 404 otherwise (past entries' investigations are not kept)."""
    task = await engine.get_task(full_uuid(task_uuid, "task"))
    if task["status"] != BLOCKED:
        raise ApiProblem(
            404, f"task {task['task_uuid']} is {task['status']}, not blocked_by_failures"
        )
    since = await _blocked_since(engine, task["task_uuid"])
    entry = _queue_entry(task, since, engine.clock.now_ms())
    return {
        "dlq_entry_uuid": entry["dlq_entry_uuid"],
        "task_uuid": task["task_uuid"],
        "original_state": BLOCKED,
        "dlq_reason": "MaxRetriesExceeded",
        "dlq_timestamp": entry["dlq_timestamp"],
        "resolution_status": "Pending",
        "resolution_notes": None,
        "resolution_timestamp": None,
        "resolved_by": None,
        "task_snapshot": shown(task, caller.may(REVEAL)),
        "metadata": None,
        "created_at": entry["dlq_timestamp"],
        "updated_at": entry["dlq_timestamp"],
    }


async def _every_task(engine: Engine) -> list[dict[str, Any]]:
    """Every task's full view, newest first: the analytics read the rows themselves (a scan,
    meant for this engine's local databases and an occasional look)."""
    views, offset = [], 0
    while True:
        rows = await engine.list_tasks(None, None, SCAN_CHUNK, offset)
        views += [await engine.get_task(r["task_uuid"]) for r in rows]
        if len(rows) < SCAN_CHUNK:
            return views
        offset += SCAN_CHUNK


@router.get("/v1/analytics/performance")
async def performance(
    engine: Annotated[Engine, Depends(engine_of)],
    _: Annotated[Caller, Depends(requires("system:analytics_read"))],
    hours: Annotated[int, Query(ge=1, le=24 * 366)] = 24,
) -> dict[str, Any]:
    now = engine.clock.now_ms()
    return analytics.performance(await _every_task(engine), now - hours * 3_600_000, now)


@router.get("/v1/analytics/bottlenecks")
async def bottlenecks(
    engine: Annotated[Engine, Depends(engine_of)],
    _: Annotated[Caller, Depends(requires("system:analytics_read"))],
    limit: Annotated[int, Query(ge=1, le=1000)] = 10,
    min_executions: Annotated[int, Query(ge=1)] = 5,
) -> dict[str, Any]:
    """Slowest steps and tasks of the last 24 hours (Tasker's window), task and step counts of
    every task. No connection pool is measured here: its utilization is reported as 0 and
    flagged unmeasured."""
    tasks = await _every_task(engine)
    since = engine.clock.now_ms() - 24 * 3_600_000
    recent = [t for t in tasks if t["created_at"] >= since]
    steps = analytics.slow_steps(recent, min_executions)
    return {
        "slow_steps": steps[:limit],
        "slow_tasks": analytics.slow_tasks(recent, min_executions)[:limit],
        "resource_utilization": {
            "database_pool_utilization": 0.0,
            "database_pool_utilization_measured": False,
            "system_health": analytics.health_counts(await engine.task_counts(), tasks),
        },
        "recommendations": analytics.recommendations(steps),
    }


_UNANSWERED: dict[
    tuple[str, str, str | None], str
] = {  # (method, path, permission): why this server cannot answer it
    ("GET", "/v1/dlq", "dlq:read"): "past DLQ entries and their investigations are not kept; "
    "GET /v1/dlq/investigation-queue lists the tasks blocked now",
    ("PATCH", "/v1/dlq/entry/{dlq_entry_uuid}", "dlq:update"): "DLQ investigations are not "
    "kept; act on the steps with PATCH /v1/tasks/{uuid}/workflow_steps/{step_uuid}",
    ("GET", "/v1/dlq/stats", "dlq:stats"): "past DLQ entries are not kept",
    ("GET", "/v1/dlq/staleness", "dlq:read"): "there is no staleness sweep or threshold here",
    ("GET", "/config", "system:config_read"): "there is no orchestration configuration "
    "(queues, pools, circuit breakers) to show",
    ("GET", "/health/detailed", None): "use /ready: one database, no other parts",
}


def _unanswerable(method: str, path: str, why: str) -> Any:
    async def answer() -> None:
        raise ApiProblem(501, f"{method} {path} is not available on tasker serve: {why}")

    return answer


for (_method, _path, _permission), _why in _UNANSWERED.items():
    router.add_api_route(
        _path,
        _unanswerable(_method, _path, _why),
        methods=[_method],
        dependencies=[Depends(requires(_permission))] if _permission else None,
        include_in_schema=False,
    )
