"""``/v1/tasks/{uuid}/workflow_steps``: steps, one step, its manual actions, its audit trail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from engine.api import Engine
from server.auth import REVEAL, Caller
from server.deps import engine_of, full_uuid, requires, step_named
from server.requests import (
    CompleteManually,
    ResetForRetry,
    ResolveManually,
    StepManualAction,
    audited_reason,
    operator,
)
from server.views import audit_responses, masked_audit, shown, step_response

router = APIRouter(prefix="/v1/tasks/{uuid}/workflow_steps")


async def _step_view(
    engine: Engine, task: dict[str, Any], step: dict[str, Any], reveal: bool
) -> Any:
    audit = await engine.step_audit(task["task_uuid"], step["name"])
    task = shown(task, reveal)
    step = next(s for s in task["steps"] if s["step_uuid"] == step["step_uuid"])
    return step_response(task, step, masked_audit(task, audit, reveal), engine.clock.now_ms())


@router.get("")
async def list_steps(
    uuid: str,
    engine: Annotated[Engine, Depends(engine_of)],
    caller: Annotated[Caller, Depends(requires("steps:read"))],
) -> list[Any]:
    task = await engine.get_task(full_uuid(uuid, "task"))
    return [await _step_view(engine, task, s, caller.may(REVEAL)) for s in task["steps"]]


@router.get("/{step_uuid}")
async def get_step(
    uuid: str,
    step_uuid: str,
    engine: Annotated[Engine, Depends(engine_of)],
    caller: Annotated[Caller, Depends(requires("steps:read"))],
) -> Any:
    task = await engine.get_task(full_uuid(uuid, "task"))
    step = step_named(task, full_uuid(step_uuid, "step"))
    return await _step_view(engine, task, step, caller.may(REVEAL))


@router.patch("/{step_uuid}")
async def act_on_step(
    uuid: str,
    step_uuid: str,
    action: Annotated[StepManualAction, Body()],
    engine: Annotated[Engine, Depends(engine_of)],
    caller: Annotated[Caller, Depends(requires("steps:resolve"))],
) -> Any:
    """Tasker's three manual actions; the audit row names the operator the body gives and the
    key that sent it (``ops@example.com via rails-checkout``)."""
    task = await engine.get_task(full_uuid(uuid, "task"))
    name = step_named(task, full_uuid(step_uuid, "step"))["name"]
    by = f"{operator(action)} via {caller.name}"
    reason = audited_reason(action)
    task_uuid = task["task_uuid"]
    if isinstance(action, ResetForRetry):
        task = await engine.reset_step(task_uuid, name, reason, by)
    elif isinstance(action, ResolveManually):
        task = await engine.resolve_step(task_uuid, name, reason, by)
    else:
        assert isinstance(action, CompleteManually)
        result = action.completion_data.result
        task = await engine.complete_step(task_uuid, name, result, reason, by)
    step = next(s for s in task["steps"] if s["name"] == name)
    return await _step_view(engine, task, step, caller.may(REVEAL))


@router.get("/{step_uuid}/audit")
async def step_audit(
    uuid: str,
    step_uuid: str,
    engine: Annotated[Engine, Depends(engine_of)],
    caller: Annotated[Caller, Depends(requires("steps:read"))],
) -> list[Any]:
    task = await engine.get_task(full_uuid(uuid, "task"))
    step = step_named(task, full_uuid(step_uuid, "step"))
    reveal = caller.may(REVEAL)
    rows = masked_audit(task, await engine.step_audit(task["task_uuid"], step["name"]), reveal)
    return audit_responses(task, step, rows)
