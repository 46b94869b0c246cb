"""Tasker's ``RegistryResolver``: a resolver declared by class variables.

Subclass it with ``_name``, ``_priority`` and a ``pattern`` (a regular expression) or a
``prefix`` the callables it handles match; write ``resolve_handler(definition, config)``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from tasker_core.registry.handler_definition import HandlerDefinition
from tasker_core.registry.resolvers import BaseResolver


class RegistryResolver(BaseResolver):
    _name: ClassVar[str] = "registry_resolver"
    _priority: ClassVar[int] = 50
    pattern: ClassVar[str | None] = None
    prefix: ClassVar[str | None] = None

    def __init__(self) -> None:
        self._compiled = re.compile(self.pattern) if self.pattern else None

    @property
    def name(self) -> str:
        return self._name

    @property
    def priority(self) -> int:
        return self._priority

    def can_resolve(
        self, definition: HandlerDefinition, config: dict[str, Any] | None = None
    ) -> bool:
        if self._compiled is not None:
            return self._match_pattern(definition.callable) is not None
        if self.prefix:
            return definition.callable.startswith(self.prefix)
        return False

    def resolve(self, definition: HandlerDefinition, config: dict[str, Any] | None = None) -> Any:
        return self.resolve_handler(definition, config or {})

    def resolve_handler(self, definition: HandlerDefinition, config: dict[str, Any]) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__}.resolve_handler(definition, config) must be implemented"
        )

    def _match_pattern(self, callable_name: str) -> re.Match[str] | None:
        return self._compiled.match(callable_name) if self._compiled is not None else None
