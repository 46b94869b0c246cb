"""What an API handler's ``get``/``post``… return: Tasker's ``ApiResponse`` over httpx.

``ApiResponse`` adds Tasker's reading of a response (``ok``, ``body``, ``is_retryable``,
``retry_after``…) and hands every other attribute (``json()``, ``text``, ``is_success``,
``raise_for_status()``…) to the ``httpx.Response`` it wraps, so code written against either
works. Awaiting one gives itself.

Inside a running event loop a request is a ``PendingApiCall``: ``await`` it and the request
runs without blocking the loop; use it directly (``response.ok``), as Tasker's handlers do,
and it runs the request synchronously then.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Generator
from typing import Any

from engine.handlers.http_rules import RETRYABLE_STATUSES

# Tasker's fallback when Retry-After is an HTTP date it does not compute.
DATE_RETRY_AFTER_SECONDS = 60


class ApiResponse:
    """One HTTP response, read as Tasker reads it."""

    def __init__(self, response: Any, body: Any = None) -> None:
        self.response = response
        self.status_code: int = int(response.status_code)
        self.headers: Any = response.headers  # httpx's are case-insensitive; kept as given
        self._lower = {str(k).lower(): v for k, v in dict(response.headers).items()}
        self.body: Any = body if body is not None else _parse_body(response, self._lower)

    def __getattr__(self, name: str) -> Any:
        if name in ("response", "_lower"):  # not set yet: no recursion into the response
            raise AttributeError(name)
        return getattr(self.response, name)

    def __await__(self) -> Generator[Any, None, ApiResponse]:
        return _itself(self).__await__()

    def __repr__(self) -> str:
        return f"ApiResponse(status_code={self.status_code})"

    def header(self, name: str) -> str | None:
        """A header's value, whatever the case of its name."""
        value = self._lower.get(name.lower())
        return None if value is None else str(value)

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def is_client_error(self) -> bool:
        return 400 <= self.status_code < 500

    @property
    def is_server_error(self) -> bool:
        return 500 <= self.status_code < 600

    @property
    def is_retryable(self) -> bool:
        return self.status_code in RETRYABLE_STATUSES

    @property
    def retry_after(self) -> int | None:
        """Seconds from ``Retry-After``; an HTTP date counts as 60; None when absent."""
        value = self.header("retry-after")
        if value is None or not str(value).strip():
            return None
        try:
            return max(0, int(float(str(value).strip())))
        except ValueError:
            return DATE_RETRY_AFTER_SECONDS

    def to_dict(self) -> dict[str, Any]:
        return {
            "status_code": self.status_code,
            "headers": dict(self._lower),
            "body": self.body,
            "ok": self.ok,
        }


async def _itself(response: ApiResponse) -> ApiResponse:
    return response


def _parse_body(response: Any, headers: dict[str, str]) -> Any:
    if "json" in headers.get("content-type", ""):
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
            pass
    text = getattr(response, "text", "")
    return text if isinstance(text, str) else str(text)


class PendingApiCall:
    """A request made on an event loop: awaitable, or usable directly as an ``ApiResponse``."""

    def __init__(
        self,
        run_sync: Callable[[], ApiResponse],
        run_async: Callable[[], Any],
    ) -> None:
        self._run_sync = run_sync
        self._run_async = run_async
        self._done: ApiResponse | None = None

    def resolve(self) -> ApiResponse:
        """The response, making the request synchronously if it was not awaited."""
        if self._done is None:
            self._done = self._run_sync()
        return self._done

    def __await__(self) -> Generator[Any, None, ApiResponse]:
        return self._await().__await__()

    async def _await(self) -> ApiResponse:
        if self._done is None:
            self._done = await self._run_async()
        return self._done

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.resolve(), name)


def as_api_response(value: Any) -> ApiResponse:
    """An ``ApiResponse`` from one, a pending call, or an ``httpx.Response``."""
    if isinstance(value, ApiResponse):
        return value
    if isinstance(value, PendingApiCall):
        return value.resolve()
    return ApiResponse(value)


def in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
