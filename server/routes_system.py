"""Health probes and the template catalog."""

from __future__ import annotations

import time
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from engine.api import Engine
from engine.templates import TaskTemplate
from server.auth import Caller
from server.deps import engine_of, requires
from server.errors import error_response, one_line
from server.views import iso

router = APIRouter()


def _now(engine: Engine) -> str:
    return iso(engine.clock.now_ms()) or ""


def package_version() -> str:
    try:
        return version("tasker-console")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


@router.get("/health")
async def health(engine: Annotated[Engine, Depends(engine_of)]) -> dict[str, Any]:
    return {"status": "healthy", "timestamp": _now(engine)}


@router.get("/live")
async def live(engine: Annotated[Engine, Depends(engine_of)]) -> dict[str, Any]:
    return {"status": "alive", "timestamp": _now(engine)}


@router.get("/ready", response_model=None)
async def ready(
    request: Request, engine: Annotated[Engine, Depends(engine_of)]
) -> dict[str, Any] | JSONResponse:
    """Ready when the database answers a read; the checks Tasker's services make and this
    single-process server has no part for (circuit breaker, command processor) say so."""
    started = time.perf_counter()
    try:
        await engine.task_counts()
    except Exception as exc:
        return error_response(503, f"the database does not answer: {one_line(exc)}")
    took = int((time.perf_counter() - started) * 1000)
    database = {"status": "healthy", "duration_ms": took, "message": "the database answered"}
    absent = {"status": "not_applicable", "duration_ms": 0, "message": "no such part here"}
    return {
        "status": "ready",
        "timestamp": _now(engine),
        "checks": {
            "web_database": database,
            "orchestration_database": database,
            "circuit_breaker": absent,
            "orchestration_system": {"status": "healthy", "duration_ms": 0, "message": None},
            "command_processor": absent,
        },
        "info": {
            "version": package_version(),
            "environment": request.app.state.environment or "default",
            "operational_state": "normal",
            "web_database_pool_size": 1,
            "orchestration_database_pool_size": 1,
            "circuit_breaker_state": "not_applicable",
            "pool_utilization": None,
        },
    }


def _summary(template: TaskTemplate) -> dict[str, Any]:
    return {
        "name": template.name,
        "namespace": template.namespace_name,
        "version": template.version,
        "description": template.description,
        "step_count": len(template.steps),
    }


@router.get("/v1/templates")
async def list_templates(
    engine: Annotated[Engine, Depends(engine_of)],
    _: Annotated[Caller, Depends(requires("templates:read"))],
    namespace: str | None = None,
) -> dict[str, Any]:
    every = engine.templates()
    counts: dict[str, int] = {}
    for template in every:
        counts[template.namespace_name] = counts.get(template.namespace_name, 0) + 1
    shown = [t for t in every if namespace is None or t.namespace_name == namespace]
    return {
        "namespaces": [
            {"name": name, "description": None, "template_count": n}
            for name, n in sorted(counts.items())
        ],
        "templates": [_summary(t) for t in shown],
        "total_count": len(every),
    }


@router.get("/v1/templates/{namespace}/{name}/{version}")
async def get_template(
    namespace: str,
    name: str,
    version: str,
    engine: Annotated[Engine, Depends(engine_of)],
    _: Annotated[Caller, Depends(requires("templates:read"))],
) -> dict[str, Any]:
    template = engine.template(namespace, name, version)
    return {
        **_summary(template),
        "configuration": template.model_dump(mode="json", exclude={"steps"}),
        "steps": [
            {
                "name": step.name,
                "description": step.description,
                "default_retryable": step.retry.retryable,
                "default_max_attempts": step.retry.max_attempts,
                # Beyond Tasker's shape: the template's DAG, for a console over HTTP.
                "dependencies": list(step.dependencies),
            }
            for step in template.steps
        ],
    }
