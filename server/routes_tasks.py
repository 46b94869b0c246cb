"""``/v1/tasks``: create (idempotent), list with pagination and filters, get, cancel."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from engine.api import Engine, EngineError
from engine.states import TaskState
from server.auth import REVEAL, Caller
from server.deps import engine_of, full_uuid, requires
from server.errors import ApiProblem
from server.requests import TaskRequest
from server.views import task_response

router = APIRouter(prefix="/v1/tasks")
SEARCH_CAP = 10_000  # the newest matches a search pages through
SCAN_CHUNK = 500  # tasks read at a time when a filter the store lacks must look at each


@router.post("", status_code=201)
async def create_task(
    body: TaskRequest,
    response: Response,
    engine: Annotated[Engine, Depends(engine_of)],
    caller: Annotated[Caller, Depends(requires("tasks:create"))],
) -> dict[str, Any]:
    """201 with the new task; 200 with the existing one when its identity (or idempotency
    key) matches a task already made (Tasker answers 409; the caller here gets the task)."""
    made = await engine.create_task(
        body.name,
        body.namespace,
        body.context,
        version=body.version,
        initiator=body.initiator or caller.name,
        source_system=body.source_system,
        reason=body.reason,
        idempotency_key=body.idempotency_key,
    )
    if not made.created:
        response.status_code = 200
    task = await engine.get_task(made.task_uuid)
    return task_response(task, engine.clock.now_ms(), caller.may(REVEAL))


async def _matching(
    engine: Engine, namespace: str | None, status: str | None, wanted: dict[str, str]
) -> list[dict[str, Any]]:
    """Every list row matching the filters, newest first (initiator and source_system are
    filtered here: the store filters by namespace and status only)."""
    rows: list[dict[str, Any]] = []
    offset = 0
    while True:
        chunk = await engine.list_tasks(namespace, status, SCAN_CHUNK, offset)
        rows += [r for r in chunk if all(r[k] == v for k, v in wanted.items())]
        if len(chunk) < SCAN_CHUNK:
            return rows
        offset += SCAN_CHUNK


@router.get("")
async def list_tasks(
    response: Response,
    engine: Annotated[Engine, Depends(engine_of)],
    caller: Annotated[Caller, Depends(requires("tasks:list"))],
    page: Annotated[int, Query(ge=1, le=2**31 - 1)] = 1,  # the document: int32
    per_page: Annotated[int, Query(ge=1, le=100)] = 25,
    namespace: str | None = None,
    status: str | None = None,
    initiator: str | None = None,
    source_system: str | None = None,
    search: Annotated[str | None, Query(max_length=1000)] = None,  # ours: engine.search_query
) -> dict[str, Any]:
    if status is not None and status not in set(TaskState):
        raise ApiProblem(
            400, f"status '{status[:40]}' is not a task status; use one of: {', '.join(TaskState)}"
        )
    wanted = {k: v for k, v in (("initiator", initiator), ("source_system", source_system)) if v}
    start = (page - 1) * per_page
    if search is not None:
        if namespace or status or wanted:
            raise ApiProblem(400, "search takes no other filter; write state:NAME in it")
        try:
            found = await engine.search_tasks(search, min(start + per_page, SEARCH_CAP))
        except EngineError as exc:
            raise ApiProblem(400, str(exc)) from None
        total, rows = found["total"], found["tasks"][start : start + per_page]
        response.headers["X-Tasker-Search"] = "applied"  # a server without search has none
    elif namespace or wanted:
        matching = await _matching(engine, namespace, status, wanted)
        total, rows = len(matching), matching[start : start + per_page]
    else:
        counts = await engine.task_counts()
        total = counts.get(status, 0) if status else sum(counts.values())
        rows = await engine.list_tasks(None, status, per_page, start)
    now = engine.clock.now_ms()
    reveal = caller.may(REVEAL)
    tasks = [task_response(await engine.get_task(r["task_uuid"]), now, reveal) for r in rows]
    pages = math.ceil(total / per_page)
    return {
        "tasks": tasks,
        "pagination": {
            "page": page,
            "per_page": per_page,
            "total_count": total,
            "total_pages": pages,
            "has_next": page < pages,
            "has_previous": page > 1,
        },
    }


@router.get("/{uuid}")
async def get_task(
    uuid: str,
    engine: Annotated[Engine, Depends(engine_of)],
    caller: Annotated[Caller, Depends(requires("tasks:read"))],
) -> dict[str, Any]:
    task = await engine.get_task(full_uuid(uuid, "task", status=404))
    return task_response(task, engine.clock.now_ms(), caller.may(REVEAL))


@router.delete("/{uuid}")
async def cancel_task(
    uuid: str,
    engine: Annotated[Engine, Depends(engine_of)],
    caller: Annotated[Caller, Depends(requires("tasks:cancel"))],
) -> dict[str, Any]:
    task = await engine.cancel_task(
        full_uuid(uuid, "task"), reason="cancelled through the REST API", by=caller.name
    )
    return task_response(task, engine.clock.now_ms(), caller.may(REVEAL))
