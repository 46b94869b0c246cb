"""HTTP API handlers on httpx: ``ApiHandler`` and ``@api_handler``, classified as Tasker does.

408, 429, 500, 502, 503, 504 and connect/read timeouts are retryable; every other non-2xx
status is permanent. ``Retry-After`` (seconds or an HTTP date) becomes the failure's
``retry_after``, so the engine's backoff waits at least that long.

The request methods return an ``ApiResponse`` (``engine.handlers.api_response``). Inside an
``async def`` handler, ``await api.get(...)`` keeps the event loop free; using the call
directly (``api.get(...).ok``), as Tasker's handlers do, works too but makes the request
synchronously. A ``def`` handler runs on a worker thread. Tests and demos inject a transport
(``httpx.MockTransport`` or a loopback server) with ``use_http(transport=...)``, or set a
handler's ``_client``.
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
from engine.handlers.api_response import (
    ApiResponse,
    PendingApiCall,
    as_api_response,
    in_event_loop,
)
from engine.handlers.api_results import ApiResults
from engine.handlers.base import StepHandler
from engine.handlers.functional import make_handler_class
from engine.handlers.registry import HandlerRegistry
from engine.handlers.results import StepHandlerResult


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


class APIMixin(ApiResults):
    """HTTP calls and their results for a handler: set ``base_url``, use ``self.get`` etc.

    A test may inject a client: ``handler._client = httpx.Client(transport=...)``; otherwise
    each request uses a client of its own (``use_http(transport=...)`` routes them all).
    """

    base_url: str = ""
    default_timeout: float = 30.0
    default_headers: dict[str, str] = {}  # noqa: RUF012 - read-only class default
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None
    _client: httpx.Client | None = None

    @property
    def client(self) -> httpx.Client:
        """A client kept for this handler (made on first use; ``close()`` ends it)."""
        if self._client is None:
            self._client = httpx.Client(**self._client_options(sync=True))
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

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
        """An ``ApiResponse``; on an event loop a ``PendingApiCall`` (await it, or use it)."""
        if kwargs.get("json") is None and isinstance(kwargs.get("data"), dict | list):
            kwargs["json"] = kwargs.pop("data")  # Tasker's ``data`` is the JSON body
        kwargs = {key: value for key, value in kwargs.items() if value is not None}
        if not in_event_loop():
            return self._request_sync(method, path, kwargs)
        return PendingApiCall(
            lambda: self._request_sync(method, path, kwargs),
            lambda: self._request_async(method, path, kwargs),
        )

    def _request_sync(self, method: str, path: str, kwargs: dict[str, Any]) -> ApiResponse:
        if self._client is not None:
            return ApiResponse(self._client.request(method, path, **kwargs))
        with httpx.Client(**self._client_options(sync=True)) as client:
            return ApiResponse(client.request(method, path, **kwargs))

    async def _request_async(self, method: str, path: str, kwargs: dict[str, Any]) -> ApiResponse:
        if self._client is not None:
            return await asyncio.to_thread(self._request_sync, method, path, kwargs)
        async with httpx.AsyncClient(**self._client_options(sync=False)) as client:
            return ApiResponse(await client.request(method, path, **kwargs))

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

    def _api_clock(self) -> Clock:
        return http_settings.clock


class ApiHandler(APIMixin, StepHandler):
    """A class-based handler that calls an HTTP API.

    ``handler.initialization`` may override ``base_url`` and ``timeout`` per template.
    """

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        super().__init__(config)
        self.base_url = str(self.config.get("base_url", self.base_url))
        self.default_timeout = float(self.config.get("timeout", self.default_timeout))

    @property
    def capabilities(self) -> list[str]:
        return [*super().capabilities, "api", "http"]

    def _result_for_value(self, value: Any) -> StepHandlerResult:
        if isinstance(value, ApiResponse | PendingApiCall | httpx.Response):
            api = as_api_response(value)
            return self.api_success(api) if api.ok else self.api_failure(api)
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
