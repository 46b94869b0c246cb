"""The exceptions that mean "the user asked for something wrong": one line, exit 2."""

from __future__ import annotations

from engine.api import EngineError
from engine.context_edit import ContextRejected
from engine.handlers.errors import HandlerModuleError
from engine.states import IllegalTransition
from engine.store import StoreError
from engine.templates import TemplateError


class UsageError(Exception):
    """Bad command-line usage."""


try:  # the catalog's not-found error, if the template package defines one
    from engine.templates import TemplateNotFound
except ImportError:  # pragma: no cover - older template package
    TemplateNotFound = KeyError  # type: ignore[misc,assignment]

USER_ERRORS: tuple[type[BaseException], ...] = (
    UsageError,
    EngineError,
    ContextRejected,
    StoreError,
    TemplateError,
    TemplateNotFound,
    HandlerModuleError,
    IllegalTransition,
)
