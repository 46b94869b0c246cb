"""Charging a card through the HTTP payment gateway, and classifying what comes back.

Classification: 2xx is a charge; 402 a permanent decline; 409 (idempotency key reused for
another amount) and every other 4xx permanent; 408, 429, 5xx, timeouts and connection
failures retryable, with ``Retry-After`` honoured as the retry delay. Every request carries
an ``Idempotency-Key`` derived from the task, so a retry after a timeout that happened
*after* the charge gets the original charge back instead of a second one.

Settings: ``TASKER_DEMO_GATEWAY_URL`` / ``TASKER_DEMO_GATEWAY_TIMEOUT`` if set, else the
step's ``base_url`` / ``timeout`` (``handler.initialization``, the ApiHandler's own keys).
Without a URL the token rules are applied in process (``services.simulate_charge``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from ..errors import BusinessRuleError, TransientError, WorkflowError
from .models import ProcessPaymentResult
from .pricing import from_cents, to_cents
from .services import declined, effective_token

GATEWAY_URL_ENV = "TASKER_DEMO_GATEWAY_URL"
GATEWAY_TIMEOUT_ENV = "TASKER_DEMO_GATEWAY_TIMEOUT"
DEFAULT_TIMEOUT_S = 5.0

# (url, *, json, headers, timeout) -> response: ``httpx.Client.post`` or an ApiHandler's post.
Post = Callable[..., httpx.Response]


@dataclass(frozen=True)
class GatewaySettings:
    url: str | None  # None: no gateway, apply the token rules in process
    timeout_s: float


def gateway_settings(step_config: Mapping[str, Any] | None = None) -> GatewaySettings:
    """Where the gateway is and how long to wait for it (environment first, then config)."""
    config = step_config or {}
    url = os.environ.get(GATEWAY_URL_ENV) or config.get("base_url") or None
    raw_timeout = os.environ.get(GATEWAY_TIMEOUT_ENV) or config.get("timeout") or DEFAULT_TIMEOUT_S
    try:
        timeout_s = float(raw_timeout)
    except (TypeError, ValueError):
        timeout_s = 0.0
    if timeout_s <= 0:
        raise BusinessRuleError(
            f"payment gateway timeout {raw_timeout!r} is not a positive number of seconds; "
            f"fix {GATEWAY_TIMEOUT_ENV} or the step's timeout",
            code="GATEWAY_MISCONFIGURED",
        )
    return GatewaySettings(url=str(url).rstrip("/") if url else None, timeout_s=timeout_s)


def payment_idempotency_key(task_uuid: str) -> str:
    """The same for every attempt of the task's payment step, different for every task."""
    return f"{task_uuid}:process_payment"


def charge_card(
    post: Post,
    settings: GatewaySettings,
    *,
    token: str | None,
    amount: Decimal,
    idempotency_key: str,
    now: datetime,
) -> ProcessPaymentResult:
    """POST /charges and return the charge, or raise a classified ``WorkflowError``."""
    token = effective_token(token)
    try:
        response = post(
            f"{settings.url}/charges",
            json={"amount_cents": to_cents(amount), "currency": "USD", "token": token},
            headers={"Idempotency-Key": idempotency_key},
            timeout=settings.timeout_s,
        )
    except httpx.TimeoutException as exc:
        raise TransientError(
            f"payment gateway gave no answer within {settings.timeout_s:g}s "
            "(the charge may have been taken; the retry reuses the idempotency key)",
            code="GATEWAY_TIMEOUT",
        ) from exc
    except httpx.TransportError as exc:
        raise TransientError(
            f"payment gateway unreachable at {settings.url}: {type(exc).__name__}",
            code="GATEWAY_UNREACHABLE",
        ) from exc
    if response.is_success:
        return _charge_result(response, idempotency_key, now)
    raise classify_failure(response, token, now)


def _charge_result(
    response: httpx.Response, idempotency_key: str, now: datetime
) -> ProcessPaymentResult:
    try:
        body = response.json()
        return ProcessPaymentResult(
            payment_id=body["id"],
            transaction_id=body["transaction_id"],
            authorization_code=body["authorization_code"],
            amount_charged=float(from_cents(body["amount_cents"])),
            currency=body["currency"],
            payment_method_type="card",
            gateway_response="approved (replayed)" if body.get("replayed") else "approved",
            status="completed",
            idempotency_key=idempotency_key,
            gateway="http",
            processed_at=now.isoformat(),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise TransientError(
            f"payment gateway answered HTTP {response.status_code} with an unreadable charge",
            code="GATEWAY_BAD_RESPONSE",
        ) from exc


def classify_failure(response: httpx.Response, token: str, now: datetime) -> WorkflowError:
    """The error a non-2xx gateway answer means for the payment step."""
    status = response.status_code
    code, message = _error_body(response)
    said = f"HTTP {status} from the payment gateway: {message}"
    if status == 402:
        return declined(
            "INSUFFICIENT_FUNDS" if code == "insufficient_funds" else "PAYMENT_DECLINED", token
        )
    if status == 429:
        return TransientError(
            said, code="RATE_LIMITED", retry_after=retry_after_seconds(response, now)
        )
    if status in (408, 504):
        return TransientError(said, code="GATEWAY_TIMEOUT")
    if status >= 500:
        return TransientError(
            said, code="GATEWAY_ERROR", retry_after=retry_after_seconds(response, now)
        )
    if status == 409:
        return BusinessRuleError(said, code="IDEMPOTENCY_CONFLICT")
    return BusinessRuleError(said, code="GATEWAY_REJECTED", details={"status": status})


def retry_after_seconds(response: httpx.Response, now: datetime) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date counted from ``now``."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, (when - now).total_seconds()) if when.tzinfo else None


def _error_body(response: httpx.Response) -> tuple[str | None, str]:
    try:
        error = response.json().get("error") or {}
        return error.get("code"), error.get("message") or response.reason_phrase
    except (ValueError, AttributeError):
        return None, response.reason_phrase or "error"
