"""How an API handler turns a response or a network failure into a result, as Tasker does.

Failures are named by status (``error_type`` ``bad_request``, ``service_unavailable``…; also
in ``error_code``); 408, 429 and 500/502/503/504 are retryable, every other status is not.
``Retry-After`` becomes the failure's ``retry_after`` (the engine's backoff waits at least that
long) and ``metadata.retry_after_seconds``.
"""

from __future__ import annotations

import http
from typing import Any

from engine.clock import Clock, SystemClock
from engine.handlers.api_response import as_api_response
from engine.handlers.http_rules import (
    MAX_BODY_TEXT,
    RETRYABLE_STATUSES,
    body_error,
    http_error_code,
    parse_retry_after,
    request_line,
    request_url,
)
from engine.handlers.results import StepHandlerResult


class ApiResults:
    """``api_success``, ``api_failure``, ``connection_error``, ``timeout_error``."""

    def _api_clock(self) -> Clock:
        return SystemClock()

    def api_success(
        self, response: Any, result: dict[str, Any] | None = None, include_response: bool = True
    ) -> StepHandlerResult:
        """Success with ``result`` or the response's body (non-dict bodies as ``data``)."""
        api = as_api_response(response)
        if result is None:
            result = api.body if isinstance(api.body, dict) else {"data": api.body}
        metadata = (
            {"status_code": api.status_code, "headers": dict(api.headers)}
            if include_response
            else {}
        )
        return StepHandlerResult.success(result, metadata)

    def api_failure(self, response: Any, message: str | None = None) -> StepHandlerResult:
        """A failure named and classified by the status; the message carries the body's error."""
        api = as_api_response(response)
        status = api.status_code
        retry_after = parse_retry_after(api.header("retry-after"), self._api_clock().now_ms())
        if retry_after is None and api.header("retry-after"):
            retry_after = float(api.retry_after or 0)
        body = api.body
        if isinstance(body, str) and len(body) > MAX_BODY_TEXT:
            body = body[:MAX_BODY_TEXT] + "…"
        code = self._classify_error(api)
        metadata: dict[str, Any] = {
            "status_code": status,
            "headers": dict(api.headers),
            "response_body": body,
            "url": request_url(api.response) if hasattr(api.response, "request") else None,
        }
        if retry_after is not None:
            metadata["retry_after_seconds"] = retry_after
        return StepHandlerResult.failure(
            message=message or self._format_error_message(api),
            error_type=code,
            retryable=status in RETRYABLE_STATUSES,
            error_code=code,
            metadata=metadata,
            retry_after=retry_after,
        )

    def connection_error(
        self, exc: Exception, context: str | dict[str, Any] | None = None
    ) -> StepHandlerResult:
        """A retryable ``connection_error``; ``context`` says what was being done."""
        return self._network_failure("connection_error", "Connection error", exc, context)

    def timeout_error(
        self, exc: Exception, context: str | dict[str, Any] | None = None
    ) -> StepHandlerResult:
        """A retryable ``timeout``; ``context`` says what was being done."""
        return self._network_failure("timeout", "Request timeout", exc, context)

    def _network_failure(
        self, kind: str, label: str, exc: Exception, context: str | dict[str, Any] | None
    ) -> StepHandlerResult:
        doing = f" while {context}" if isinstance(context, str) and context else ""
        where = request_line(exc).strip()
        message = f"{label}: {exc}{doing}" + (f" ({where})" if where else "")
        extra = context if isinstance(context, dict) else {}
        return StepHandlerResult.failure(
            message=message,
            error_type=kind,
            retryable=True,
            error_code=kind,
            metadata={"exception_type": type(exc).__name__, **extra},
        )

    def _classify_error(self, response: Any) -> str:
        """Tasker's name for a failed response's status."""
        return http_error_code(as_api_response(response).status_code)

    def _format_error_message(self, response: Any) -> str:
        """``HTTP <status>: <the body's error>``, else the status's reason phrase (and the
        first line of a text body)."""
        api = as_api_response(response)
        found = body_error(api.body)
        if found:
            return f"HTTP {api.status_code}: {found}"
        try:
            phrase = http.HTTPStatus(api.status_code).phrase
        except ValueError:
            phrase = "HTTP error"
        lines = api.body.strip().splitlines() if isinstance(api.body, str) else []
        text = lines[0][:200] if lines else ""
        detail = f" ({text})" if text and text != phrase else ""
        return f"HTTP {api.status_code}: {phrase}{detail}"
