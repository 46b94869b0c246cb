"""A template's ``handler`` block as Tasker's resolvers read it (``HandlerDefinition``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_METHOD = "call"


@dataclass
class HandlerDefinition:
    """``callable`` names the handler; ``handler_method`` (the template's ``method``) the
    method to call instead of ``call``; ``resolver`` a resolver to ask first and only."""

    callable: str
    handler_method: str | None = None
    resolver: str | None = None
    initialization: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> HandlerDefinition:
        """From a template's ``handler`` mapping (``method`` or ``handler_method``)."""
        block = dict(data or {})
        return cls(
            callable=str(block.get("callable") or ""),
            handler_method=block.get("method") or block.get("handler_method"),
            resolver=block.get("resolver"),
            initialization=dict(block.get("initialization") or {}),
        )

    def effective_method(self) -> str:
        return self.handler_method or DEFAULT_METHOD

    def uses_method_dispatch(self) -> bool:
        return self.effective_method() != DEFAULT_METHOD

    def has_resolver_hint(self) -> bool:
        return bool(self.resolver)
