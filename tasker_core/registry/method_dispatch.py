"""Call a handler's other method in place of ``call`` (a template's ``handler.method``)."""

from __future__ import annotations

from typing import Any


class MethodDispatchWrapper:
    """Looks like a handler whose ``call`` is ``handler.<target_method>``."""

    def __init__(self, handler: Any, target_method: str) -> None:
        method = getattr(handler, target_method, None)
        if target_method.startswith("_") or not callable(method):
            raise AttributeError(f"{type(handler).__name__} does not have method '{target_method}'")
        self._handler = handler
        self._target_method = target_method
        self._method = method

    @property
    def handler(self) -> Any:
        return self._handler

    @property
    def target_method(self) -> str:
        return self._target_method

    def call(self, context: Any) -> Any:
        return self._method(context)

    def unwrap(self) -> Any:
        return self._handler

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._handler, name)
