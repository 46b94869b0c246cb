"""Tasker's ``ResolverChain``: ask resolvers in priority order until one finds the handler."""

from __future__ import annotations

from typing import Any

from tasker_core.registry.handler_definition import HandlerDefinition
from tasker_core.registry.method_dispatch import MethodDispatchWrapper
from tasker_core.registry.resolvers import (
    BaseResolver,
    ClassLookupResolver,
    ExplicitMappingResolver,
)


class ResolutionError(Exception):
    """A handler could not be resolved."""


class ResolverNotFoundError(ResolutionError):
    """A definition's ``resolver`` hint names no resolver in the chain."""


class ResolverChain:
    """Resolvers sorted by priority (lowest first); a definition's hint skips the others."""

    def __init__(self) -> None:
        self._resolvers: list[BaseResolver] = []

    @classmethod
    def default(cls) -> ResolverChain:
        """Explicit mapping, then class lookup."""
        chain = cls()
        chain.add_resolver(ExplicitMappingResolver())
        chain.add_resolver(ClassLookupResolver())
        return chain

    def __len__(self) -> int:
        return len(self._resolvers)

    def add_resolver(self, resolver: BaseResolver) -> None:
        self._resolvers.append(resolver)
        self._resolvers.sort(key=lambda each: each.priority)

    def remove_resolver(self, name: str) -> BaseResolver | None:
        found = self.get_resolver(name)
        if found is not None:
            self._resolvers.remove(found)
        return found

    def get_resolver(self, name: str) -> BaseResolver | None:
        return next((each for each in self._resolvers if each.name == name), None)

    def list_resolvers(self) -> list[tuple[str, int]]:
        return [(each.name, each.priority) for each in self._resolvers]

    @property
    def resolver_names(self) -> list[str]:
        return [each.name for each in self._resolvers]

    def chain_info(self) -> list[dict[str, Any]]:
        return [
            {
                "name": each.name,
                "priority": each.priority,
                "callables": each.registered_callables(),
            }
            for each in self._resolvers
        ]

    def registered_callables(self) -> list[str]:
        return [name for each in self._resolvers for name in each.registered_callables()]

    def register(self, key: str, handler: Any) -> None:
        """Register with the chain's explicit mapping."""
        explicit = self.get_resolver("explicit_mapping")
        if not isinstance(explicit, ExplicitMappingResolver):
            raise RuntimeError("No ExplicitMappingResolver in the chain to register with")
        explicit.register(key, handler)

    def can_resolve(
        self, definition: HandlerDefinition, config: dict[str, Any] | None = None
    ) -> bool:
        if definition.has_resolver_hint():
            hinted = self.get_resolver(str(definition.resolver))
            return hinted is not None and hinted.can_resolve(definition, config)
        return any(each.can_resolve(definition, config) for each in self._resolvers)

    def resolve(self, definition: HandlerDefinition, config: dict[str, Any] | None = None) -> Any:
        """The handler, or None; ``ResolverNotFoundError`` for a hint naming no resolver."""
        if definition.has_resolver_hint():
            hinted = self.get_resolver(str(definition.resolver))
            if hinted is None:
                raise ResolverNotFoundError(
                    f"resolver {definition.resolver!r} is not in the chain "
                    f"({', '.join(self.resolver_names) or 'empty'})"
                )
            return hinted.resolve(definition, config)
        for each in self._resolvers:
            if each.can_resolve(definition, config):
                found = each.resolve(definition, config)
                if found is not None:
                    return found
        return None

    def wrap_for_method_dispatch(self, handler: Any, definition: HandlerDefinition) -> Any:
        """The handler itself for ``call``; a ``MethodDispatchWrapper`` for another method;
        None when the handler has no such method."""
        if not definition.uses_method_dispatch():
            return handler
        try:
            return MethodDispatchWrapper(handler, definition.effective_method())
        except AttributeError:
            return None
