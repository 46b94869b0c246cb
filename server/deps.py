"""What every route needs: the engine, the caller (checked against a permission), full uuids."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request

from engine.api import Engine
from server.auth import LOOPBACK_CALLER, Caller, KeyRing, presented_secret
from server.errors import ApiProblem

ASK_FOR_KEY = {"WWW-Authenticate": 'Bearer realm="tasker"'}


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def requires(permission: str) -> Callable[[Request], Awaitable[Caller]]:
    """A dependency giving the caller, or answering 401 (no or unknown key) or 403 (a key
    without ``permission``)."""

    async def caller(request: Request) -> Caller:
        ring: KeyRing | None = request.app.state.keys
        if ring is None:  # no keys configured: the server listens on loopback only
            return LOOPBACK_CALLER
        secret = presented_secret(
            request.headers.get("x-api-key"), request.headers.get("authorization")
        )
        if secret is None:
            raise ApiProblem(
                401,
                "this server needs an API key: send 'X-API-Key: KEY' or 'Authorization: Bearer KEY'",
                ASK_FOR_KEY,
            )
        found = ring.caller(secret)
        if found is None:
            raise ApiProblem(401, "the API key is not one this server knows", ASK_FOR_KEY)
        if not found.may(permission):
            raise ApiProblem(403, f"the key '{found.name}' lacks the permission '{permission}'")
        return found

    return caller


def full_uuid(text: str, what: str, status: int = 400) -> str:
    """``text`` if it is a uuid (lower-cased), else a 400 saying so (or ``status``: where the
    document declares no 400, a malformed uuid names no task, a 404)."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        message = f"{what} '{text[:80]}' is not a UUID; pass the full UUID"
        raise ApiProblem(status, message) from None


def step_named(task: dict[str, Any], step_uuid: str) -> dict[str, Any]:
    step: dict[str, Any]
    for step in task["steps"]:
        if step["step_uuid"] == step_uuid:
            return step
    raise ApiProblem(404, f"task {task['task_uuid']} has no step {step_uuid}")
