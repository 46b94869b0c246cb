"""What every shipped handler module shares: error translation and the clock.

The services raise ``BusinessRuleError`` / ``TransientError`` (see ``errors.py``); inside
``with classified_errors():`` they leave the handler as Tasker's ``PermanentError`` /
``RetryableError`` with the same message, error code, retry delay and details.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

from tasker_core import PermanentError, RetryableError

from .errors import BusinessRuleError, TransientError

T = TypeVar("T")


@contextmanager
def classified_errors() -> Iterator[None]:
    try:
        yield
    except BusinessRuleError as exc:
        raise PermanentError(exc.message, error_code=exc.code, context=exc.details) from exc
    except TransientError as exc:
        raise RetryableError(
            exc.message, error_code=exc.code, retry_after=exc.retry_after, context=exc.details
        ) from exc


def required(value: T | None, step: str) -> T:
    """An ancestor's results, or a permanent error naming the step that produced none."""
    if value is None:
        raise PermanentError(
            f"no results from step '{step}'; it must complete before this one",
            error_code="MISSING_UPSTREAM_RESULTS",
        )
    return value


def utc_now() -> datetime:
    return datetime.now(UTC)
