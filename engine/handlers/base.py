"""Tasker's class-based handler: subclass ``StepHandler``, set ``handler_name``, write ``call``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.handlers.classify import result_from_exception, result_from_value
from engine.handlers.results import ErrorType, StepHandlerResult

if TYPE_CHECKING:
    from engine.handlers.context import StepContext


class StepHandler:
    """Base class for class-based handlers; ``call`` may be ``def`` or ``async def``.

    Return ``self.success(...)`` or ``self.failure(...)``, return a plain dict, or raise one
    of the errors in ``tasker_core.errors``. A raised ``PermanentError`` is permanent here
    too (Tasker retries it in class handlers; this engine does not).
    """

    handler_name: str = ""
    handler_version: str = "1.0.0"

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.config: dict[str, Any] = dict(config or {})

    def call(self, context: StepContext) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.call(context) is not implemented")

    @property
    def name(self) -> str:
        return self.handler_name or type(self).__name__

    @property
    def version(self) -> str:
        return self.handler_version

    @property
    def capabilities(self) -> list[str]:
        return ["process"]

    def config_schema(self) -> dict[str, Any] | None:
        return None

    def success(
        self, result: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None
    ) -> StepHandlerResult:
        return StepHandlerResult.success(result or {}, metadata)

    def failure(
        self,
        message: str,
        error_type: str = ErrorType.HANDLER_ERROR,
        retryable: bool = True,
        metadata: dict[str, Any] | None = None,
        error_code: str | None = None,
    ) -> StepHandlerResult:
        return StepHandlerResult.failure(
            message=message,
            error_type=error_type,
            retryable=retryable,
            metadata=metadata,
            error_code=error_code,
        )

    # How this handler's return values and exceptions become results; ApiHandler adds HTTP.
    def _result_for_value(self, value: Any) -> StepHandlerResult:
        return result_from_value(value)

    def _result_for_exception(self, exc: Exception) -> StepHandlerResult:
        return result_from_exception(exc)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, version={self.version!r})"
