"""Tasker's structured logging calls (``tasker_core.log_info`` and friends).

Each writes one record to the standard ``logging`` logger ``tasker_core`` with its fields
(a dict or a ``LogContext``) attached as ``extra={"fields": {...}}``.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel

LOGGER = logging.getLogger("tasker_core")
TRACE = 5  # below DEBUG, as Tasker's trace level

Fields = dict[str, Any] | BaseModel | None


def _fields(fields: Fields) -> dict[str, Any]:
    if isinstance(fields, BaseModel):
        return {k: v for k, v in fields.model_dump().items() if v is not None}
    return dict(fields or {})


def _log(level: int, message: str, fields: Fields) -> None:
    LOGGER.log(level, message, extra={"fields": _fields(fields)})


def log_error(message: str, fields: Fields = None) -> None:
    _log(logging.ERROR, message, fields)


def log_warn(message: str, fields: Fields = None) -> None:
    _log(logging.WARNING, message, fields)


def log_info(message: str, fields: Fields = None) -> None:
    _log(logging.INFO, message, fields)


def log_debug(message: str, fields: Fields = None) -> None:
    _log(logging.DEBUG, message, fields)


def log_trace(message: str, fields: Fields = None) -> None:
    _log(TRACE, message, fields)
