"""Tasker's handler registry and resolver chain (``tasker_core.registry``).

``HandlerRegistry`` is the engine's: ``@step_handler`` registers into it, and the engine
resolves a template's ``handler.callable`` through it. The resolver chain
(``ResolverChain`` and its resolvers) is Tasker's composable lookup for your own code.
"""

from __future__ import annotations

from engine.handlers.errors import HandlerNotFound
from engine.handlers.registry import HandlerRegistry, ResolvedHandler
from tasker_core.registry.handler_definition import HandlerDefinition
from tasker_core.registry.method_dispatch import MethodDispatchWrapper
from tasker_core.registry.registry_resolver import RegistryResolver
from tasker_core.registry.resolver_chain import (
    ResolutionError,
    ResolverChain,
    ResolverNotFoundError,
)
from tasker_core.registry.resolvers import (
    BaseResolver,
    ClassLookupResolver,
    ExplicitMappingResolver,
)

__all__ = [
    "BaseResolver",
    "ClassLookupResolver",
    "ExplicitMappingResolver",
    "HandlerDefinition",
    "HandlerNotFound",
    "HandlerRegistry",
    "MethodDispatchWrapper",
    "RegistryResolver",
    "ResolutionError",
    "ResolvedHandler",
    "ResolverChain",
    "ResolverNotFoundError",
]
