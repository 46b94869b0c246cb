"""Errors as Tasker's ``ApiError`` (its OpenAPI component), in one JSON body.

The body carries the document's tagged variant (``{"NotFound": {"message": …}}``) and, beside it,
the ``{"error": {"code", "message"}}`` envelope Tasker's server writes, so clients of either read
a one-line message. Bad input is always a 400 with a message, never a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.api import EngineError
from engine.states import IllegalTransition
from engine.store import IllegalAction, StepNotFound, StoreError, TaskNotFound
from engine.templates import TemplateError
from engine.templates.errors import TemplateNotFound

log = logging.getLogger("tasker.serve")

# status -> (ApiError variant, its message field, Tasker's envelope code)
_VARIANTS: dict[int, tuple[str, str, str]] = {
    400: ("BadRequest", "message", "BAD_REQUEST"),
    401: ("AuthenticationError", "reason", "UNAUTHORIZED"),
    403: ("AuthorizationError", "reason", "FORBIDDEN"),
    404: ("NotFound", "message", "NOT_FOUND"),
    405: ("BadRequest", "message", "METHOD_NOT_ALLOWED"),
    409: ("Conflict", "message", "CONFLICT"),
    501: ("BadRequest", "message", "NOT_IMPLEMENTED"),
    503: ("DatabaseError", "operation", "SERVICE_UNAVAILABLE"),
}


class ApiProblem(Exception):
    """An answer other than success: its HTTP status and one line saying what is wrong."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def error_body(status: int, message: str) -> dict[str, Any]:
    variant, field, code = _VARIANTS[status]
    return {variant: {field: message}, "error": {"code": code, "message": message}}


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(status, message), status_code=status, headers=headers)


def one_line(text: object) -> str:
    return " ".join(str(text).split())


def engine_problem(exc: Exception) -> ApiProblem:
    """The answer to an engine refusal: unknown things 404, everything else the caller's 400."""
    text = one_line(exc.args[0] if isinstance(exc, KeyError) and exc.args else exc)
    if isinstance(exc, TaskNotFound | StepNotFound | TemplateNotFound):
        return ApiProblem(404, text)
    return ApiProblem(400, text)


ENGINE_REFUSALS = (EngineError, StoreError, TemplateError, IllegalAction, IllegalTransition)


def validation_message(exc: RequestValidationError) -> str:
    """Pydantic's first complaints as one line: where, and what was expected."""
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        if error.get("type") == "json_invalid":
            return "the request body is not valid JSON; send a JSON object"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request is not valid"


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _problem(_: Request, exc: ApiProblem) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            text = f"no such endpoint: {request.method} {request.url.path}"
            return error_response(404, text)
        if exc.status_code == 405:
            text = f"{request.method} is not allowed on {request.url.path}"
            return error_response(405, text)
        return error_response(400, one_line(exc.detail))

    for refusal in (*ENGINE_REFUSALS, TemplateNotFound):

        @app.exception_handler(refusal)
        async def _refused(_: Request, exc: Exception) -> JSONResponse:
            problem = engine_problem(exc)
            return error_response(problem.status, problem.message)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return JSONResponse("Internal", status_code=500)
