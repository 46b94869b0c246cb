"""Tasker's resolvers: a name to a handler, each with a name and a priority (lower first).

``ExplicitMappingResolver`` (10) looks names up in what was registered with it;
``ClassLookupResolver`` (100) imports ``package.module.ClassName``. These serve code that
builds its own ``ResolverChain``; templates run by the engine are resolved by
``HandlerRegistry``, whose class lookup only imports the operator's ``--handlers`` modules.
"""

from __future__ import annotations

import importlib
import inspect
import re
from abc import ABC, abstractmethod
from typing import Any

from tasker_core.registry.handler_definition import HandlerDefinition

_CLASS_PATH = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*\.[A-Z]\w*$")


class BaseResolver(ABC):
    """Turns a ``HandlerDefinition`` into a handler instance, or None."""

    @property
    @abstractmethod
    def name(self) -> str: ...

    @property
    @abstractmethod
    def priority(self) -> int: ...

    @abstractmethod
    def can_resolve(
        self, definition: HandlerDefinition, config: dict[str, Any] | None = None
    ) -> bool: ...

    @abstractmethod
    def resolve(
        self, definition: HandlerDefinition, config: dict[str, Any] | None = None
    ) -> Any: ...

    def registered_callables(self) -> list[str]:
        """The names this resolver knows by heart (none unless it keeps a mapping)."""
        return []


def instantiate(cls: type, definition: HandlerDefinition) -> Any:
    """``cls()``, else ``cls(config=initialization)``, else ``cls(initialization)``; None
    when none of them works."""
    attempts: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((), {}),
        ((), {"config": definition.initialization}),
        ((definition.initialization,), {}),
    ]
    for args, kwargs in attempts:
        try:
            return cls(*args, **kwargs)
        except TypeError:
            continue
        except Exception:
            return None
    return None


class ExplicitMappingResolver(BaseResolver):
    """Names registered in code: a class (instantiated per resolve), an instance, a factory."""

    def __init__(self) -> None:
        self._mapping: dict[str, Any] = {}

    @property
    def name(self) -> str:
        return "explicit_mapping"

    @property
    def priority(self) -> int:
        return 10

    def register(self, key: str, handler: Any) -> None:
        self._mapping[key] = getattr(handler, "_handler_class", handler)

    def unregister(self, key: str) -> bool:
        return self._mapping.pop(key, None) is not None

    def registered_callables(self) -> list[str]:
        return list(self._mapping)

    def can_resolve(
        self, definition: HandlerDefinition, config: dict[str, Any] | None = None
    ) -> bool:
        return definition.callable in self._mapping

    def resolve(self, definition: HandlerDefinition, config: dict[str, Any] | None = None) -> Any:
        entry = self._mapping.get(definition.callable)
        if entry is None:
            return None
        if isinstance(entry, type):
            return instantiate(entry, definition)
        if callable(getattr(entry, "call", None)):
            return entry
        if callable(entry):
            made = entry()
            return instantiate(made, definition) if isinstance(made, type) else made
        return None


class ClassLookupResolver(BaseResolver):
    """``package.module.ClassName``: import the module, instantiate the class."""

    @property
    def name(self) -> str:
        return "class_lookup"

    @property
    def priority(self) -> int:
        return 100

    def can_resolve(
        self, definition: HandlerDefinition, config: dict[str, Any] | None = None
    ) -> bool:
        return bool(_CLASS_PATH.match(definition.callable)) and "." in definition.callable

    def resolve(self, definition: HandlerDefinition, config: dict[str, Any] | None = None) -> Any:
        if not self.can_resolve(definition):
            return None
        cls = self._import_class(definition.callable)
        return None if cls is None else self._instantiate_handler(cls, definition, config or {})

    def _import_class(self, path: str) -> type | None:
        module_name, _, attr = path.rpartition(".")
        if not module_name:
            return None
        try:
            module = importlib.import_module(module_name)
        except Exception:
            return None
        found = getattr(module, attr, None)
        found = getattr(found, "_handler_class", found)
        return found if inspect.isclass(found) else None

    def _instantiate_handler(
        self, cls: type, definition: HandlerDefinition, config: dict[str, Any]
    ) -> Any:
        return instantiate(cls, definition)
