"""Tasker's HTTP failure rules, as pure functions over status codes, headers and bodies.

408, 429, 500, 502, 503, 504 are retryable; every other non-2xx status is permanent
(``py/step_handler/mixins/api.py``). ``Retry-After`` is read in both of its forms.
"""

from __future__ import annotations

import json
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
STATUS_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    410: "gone",
    422: "unprocessable_entity",
    429: "rate_limited",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}
BODY_ERROR_KEYS = ("error", "message", "detail", "error_message", "msg")
MAX_BODY_TEXT = 2000


def parse_retry_after(value: str | None, now_ms: int) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: ``"120"`` → 120.0; an HTTP date →
    seconds from ``now_ms`` until then (0 if past); anything else → None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT
        return None
    return max(0.0, when.timestamp() - now_ms / 1000)


def http_error_code(status: int) -> str:
    """Tasker's name for an HTTP failure status (``429`` → ``rate_limited``)."""
    if status in STATUS_ERROR_CODES:
        return STATUS_ERROR_CODES[status]
    if 400 <= status < 500:
        return "client_error"
    if 500 <= status < 600:
        return "server_error"
    return "http_error"


def response_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return response.text


def body_error(body: Any) -> str | None:
    """The error a JSON body names under one of ``BODY_ERROR_KEYS``, if any."""
    if not isinstance(body, dict):
        return None
    for key in BODY_ERROR_KEYS:
        value = body.get(key)
        if isinstance(value, dict):
            value = value.get("message") or value.get("detail") or json.dumps(value)
        if value:
            return str(value)
    return None


def error_text(response: httpx.Response, body: Any) -> str:
    found = body_error(body)
    if found:
        return found
    if isinstance(body, str) and body.strip():
        first_line = body.strip().splitlines()[0]
        return first_line[:200]
    return response.reason_phrase or "error"


def request_url(response: httpx.Response) -> str | None:
    try:
        return str(response.request.url)
    except RuntimeError:  # a Response built by hand has no request
        return None


def request_line(exc: Exception) -> str:
    try:
        request = exc.request  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):
        return ""
    return f"{request.method} {request.url} "
