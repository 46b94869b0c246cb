"""HTTP API handlers on httpx: ``ApiHandler`` and ``@api_handler``, classified as Tasker does.

408, 429, 500, 502, 503, 504 and connect/read timeouts are retryable; every other non-2xx
status is permanent. ``Retry-After`` (seconds or an HTTP date) becomes the failure's
``retry_after``, so the engine's backoff waits at least that long.

The request methods are awaitable inside an ``async def`` handler and plain calls inside a
``def`` handler (the engine runs those on a worker thread). Tests and demos inject a
transport (``httpx.MockTransport`` or a loopback server) with ``use_http(transport=...)``.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from engine.clock import Clock, SystemClock
from engine.handlers.base import StepHandler
from engine.handlers.functional import make_handler_class
from engine.handlers.http_rules import (
    MAX_BODY_TEXT,
    RETRYABLE_STATUSES,
    error_text,
    http_error_code,
    parse_retry_after,
    request_line,
    request_url,
    response_body,
)
from engine.handlers.registry import HandlerRegistry
from engine.handlers.results import ErrorType, StepHandlerResult


@dataclass
class HttpSettings:
    """Process-wide defaults for API handlers: the transport to use and the clock."""

    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None
    clock: Clock = field(default_factory=SystemClock)


http_settings = HttpSettings()
_ssl_context: ssl.SSLContext | None = None


@contextmanager
def use_http(
    *,
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
    clock: Clock | None = None,
) -> Iterator[HttpSettings]:
    """Route every API handler through ``transport`` (and date ``Retry-After`` through
    ``clock``) inside the block."""
    saved = (http_settings.transport, http_settings.clock)
    http_settings.transport = transport
    if clock is not None:
        http_settings.clock = clock
    try:
        yield http_settings
    finally:
        http_settings.transport, http_settings.clock = saved


class ApiHandler(StepHandler):
    """A class-based handler that calls an HTTP API: set ``base_url``, use ``self.get`` etc.

    ``handler.initialization`` may override ``base_url`` and ``timeout`` per template.
    """

    base_url: str = ""
    default_timeout: float = 30.0
    default_headers: dict[str, str] = {}  # noqa: RUF012 - read-only class default
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        super().__init__(config)
        self.base_url = str(self.config.get("base_url", self.base_url))
        self.default_timeout = float(self.config.get("timeout", self.default_timeout))

    # -- requests -------------------------------------------------------------------------

    def get(
        self, path: str, params: Any = None, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> Any:
        return self.request("GET", path, params=params, headers=headers, **kwargs)

    def post(
        self,
        path: str,
        data: Any = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        return self.request("POST", path, data=data, json=json, headers=headers, **kwargs)

    def put(
        self,
        path: str,
        data: Any = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        return self.request("PUT", path, data=data, json=json, headers=headers, **kwargs)

    def patch(
        self,
        path: str,
        data: Any = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        return self.request("PATCH", path, data=data, json=json, headers=headers, **kwargs)

    def delete(
        self, path: str, params: Any = None, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> Any:
        return self.request("DELETE", path, params=params, headers=headers, **kwargs)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """An ``httpx.Response`` (awaitable when called on an event loop)."""
        if kwargs.get("json") is None and isinstance(kwargs.get("data"), dict | list):
            kwargs["json"] = kwargs.pop("data")  # Tasker's ``data`` is the JSON body
        kwargs = {key: value for key, value in kwargs.items() if value is not None}
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            with httpx.Client(**self._client_options(sync=True)) as client:
                return client.request(method, path, **kwargs)
        return self._request_async(method, path, kwargs)

    async def _request_async(
        self, method: str, path: str, kwargs: dict[str, Any]
    ) -> httpx.Response:
        async with httpx.AsyncClient(**self._client_options(sync=False)) as client:
            return await client.request(method, path, **kwargs)

    def _client_options(self, *, sync: bool) -> dict[str, Any]:
        options: dict[str, Any] = {
            "base_url": self.base_url,
            "timeout": self.default_timeout,
            "headers": dict(self.default_headers),
        }
        transport = self.transport or http_settings.transport
        if transport is not None:
            options["transport"] = transport
        else:
            options["verify"] = _shared_ssl_context()
        return options

    # -- results --------------------------------------------------------------------------

    def api_success(
        self,
        response: httpx.Response,
        result: dict[str, Any] | None = None,
        include_response: bool = True,
    ) -> StepHandlerResult:
        """Success with ``result`` or the response's JSON body (non-dict bodies as ``data``)."""
        if result is None:
            body = response_body(response)
            result = body if isinstance(body, dict) else {"data": body}
        metadata = (
            {"status_code": response.status_code, "headers": dict(response.headers)}
            if include_response
            else {}
        )
        return StepHandlerResult.success(result, metadata)

    def api_failure(
        self, response: httpx.Response, message: str | None = None
    ) -> StepHandlerResult:
        """A failure classified by status; the message carries the status and the body's error."""
        status = response.status_code
        retryable = status in RETRYABLE_STATUSES
        retry_after = parse_retry_after(
            response.headers.get("retry-after"), http_settings.clock.now_ms()
        )
        body = response_body(response)
        if isinstance(body, str) and len(body) > MAX_BODY_TEXT:
            body = body[:MAX_BODY_TEXT] + "…"
        return StepHandlerResult.failure(
            message=message or f"HTTP {status}: {error_text(response, body)}",
            error_type=ErrorType.RETRYABLE_ERROR if retryable else ErrorType.PERMANENT_ERROR,
            retryable=retryable,
            error_code=http_error_code(status),
            metadata={
                "status_code": status,
                "headers": dict(response.headers),
                "retry_after_seconds": retry_after,
                "response_body": body,
                "url": request_url(response),
            },
            retry_after=retry_after,
        )

    def connection_error(
        self, exc: Exception, context: dict[str, Any] | None = None
    ) -> StepHandlerResult:
        return StepHandlerResult.failure(
            message=f"{request_line(exc)}could not connect: {type(exc).__name__}: {exc}",
            error_type=ErrorType.RETRYABLE_ERROR,
            retryable=True,
            error_code="connection_error",
            metadata={"exception_type": type(exc).__name__, **(context or {})},
        )

    def timeout_error(
        self, exc: Exception, context: dict[str, Any] | None = None
    ) -> StepHandlerResult:
        return StepHandlerResult.failure(
            message=f"{request_line(exc)}timed out ({type(exc).__name__})",
            error_type=ErrorType.RETRYABLE_ERROR,
            retryable=True,
            error_code="timeout",
            metadata={"exception_type": type(exc).__name__, **(context or {})},
        )

    def _result_for_value(self, value: Any) -> StepHandlerResult:
        if isinstance(value, httpx.Response):
            return self.api_success(value) if value.is_success else self.api_failure(value)
        return super()._result_for_value(value)

    def _result_for_exception(self, exc: Exception) -> StepHandlerResult:
        if isinstance(exc, httpx.TimeoutException):
            return self.timeout_error(exc)
        if isinstance(exc, httpx.HTTPStatusError):
            return self.api_failure(exc.response)
        if isinstance(exc, httpx.TransportError):
            return self.connection_error(exc)
        return super()._result_for_exception(exc)


def api_handler(
    name: str,
    base_url: str,
    version: str = "1.0.0",
    timeout: float = 30.0,
    default_headers: dict[str, str] | None = None,
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Like ``@step_handler``, and the function also receives ``api`` (an ``ApiHandler``).

    Returning an ``httpx.Response`` is enough: 2xx is ``api_success``, else ``api_failure``.
    """

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        base = type(
            f"{fn.__name__}_api",
            (ApiHandler,),
            {
                "base_url": base_url,
                "default_timeout": timeout,
                "default_headers": dict(default_headers or {}),
                "transport": transport,
                "__module__": fn.__module__,
            },
        )
        handler_class = make_handler_class(fn, name, version, base=base, extra_kwargs=_api_argument)
        fn._handler_class = handler_class  # type: ignore[attr-defined]
        HandlerRegistry.instance().register(name, handler_class)
        return fn

    return decorator


def _api_argument(handler: StepHandler, _context: Any) -> dict[str, Any]:
    return {"api": handler}


def _shared_ssl_context() -> ssl.SSLContext:
    # Building a context costs milliseconds; one per process is enough.
    global _ssl_context
    if _ssl_context is None:
        _ssl_context = httpx.create_ssl_context()
    return _ssl_context
