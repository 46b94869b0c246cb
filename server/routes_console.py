"""Our extension routes for ``tasker console --url``: the failures view and its bulk actions.

Not in Tasker's REST API: a Tasker server answers 404 here, and the console says the failures
view is not available over HTTP. The groups are ``Engine.failures``' (sample messages masked);
a batch is audited as the body's operator via the key that sent it, as step actions are.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from engine.api import Engine
from server.auth import Caller
from server.deps import engine_of, requires
from server.errors import ApiProblem

router = APIRouter(prefix="/v1/console/failures")
MAX_TARGETS = 10_000


class FailureTargets(BaseModel):
    model_config = ConfigDict(extra="ignore")

    action: Literal["retry", "give_up", "resolve"]
    targets: list[tuple[str, str]] = Field(min_length=1, max_length=MAX_TARGETS)


class FailureBatch(FailureTargets):
    reason: str = Field(min_length=1, max_length=2_000)
    by: str = Field(default="operator", min_length=1, max_length=200)


@router.get("")
async def failure_groups(
    engine: Annotated[Engine, Depends(engine_of)],
    _: Annotated[Caller, Depends(requires("steps:read"))],
    include_handled: Annotated[bool, Query(alias="all")] = False,
) -> list[dict[str, Any]]:
    return await engine.failures(include_handled)


@router.post("/preview")
async def failure_preview(
    body: Annotated[FailureTargets, Body()],
    engine: Annotated[Engine, Depends(engine_of)],
    _: Annotated[Caller, Depends(requires("steps:read"))],
) -> dict[str, Any]:
    return await engine.failure_preview(body.action, body.targets)


@router.post("/batch")
async def failure_batch(
    body: Annotated[FailureBatch, Body()],
    engine: Annotated[Engine, Depends(engine_of)],
    caller: Annotated[Caller, Depends(requires("steps:resolve"))],
) -> dict[str, Any]:
    try:
        return await engine.act_on_failures(
            body.action, body.targets, body.reason, f"{body.by} via {caller.name}"
        )
    except ValueError as wrong:
        raise ApiProblem(400, str(wrong)) from None
