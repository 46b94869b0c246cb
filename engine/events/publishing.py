"""Publishers: how a step's result becomes a domain event's payload and metadata.

Tasker's publisher API (``tasker_core.domain_events``): a template's ``publishes_events``
entry may name a custom publisher; the engine finds it in the ``PublisherRegistry`` (or uses
``DefaultPublisher``) and runs its lifecycle::

    should_publish(ctx) → transform_payload(ctx) → additional_metadata(ctx)
        → before_publish(name, payload, metadata) → (emit) → after_publish(...)

Any exception in the hooks goes to ``on_publish_error`` and the event is not published; a
publisher's failure never fails the step that published.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

log = logging.getLogger("tasker.events")

Condition = Literal["success", "failure", "retryable_failure", "permanent_failure", "always"]
DeliveryMode = Literal["durable", "fast", "broadcast"]
Emit = Callable[[str, dict[str, Any], dict[str, Any]], None]


@dataclass
class StepEventContext:
    """What a publisher sees of the step that publishes: who it is and what it returned."""

    task_uuid: str
    step_uuid: str
    step_name: str
    namespace: str
    correlation_id: str
    result: dict[str, Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    success: bool = True
    error: dict[str, Any] | None = None  # the step's error (``StepError.to_json``) on failure


@dataclass
class StepResult:
    """A step's result as an event condition sees it."""

    success: bool
    result: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


@dataclass
class EventDeclaration:
    """One ``publishes_events`` entry of a step (``schema_`` because ``schema`` is read-only
    here: it mirrors the template key)."""

    name: str
    condition: Condition | None = None
    delivery_mode: DeliveryMode | None = None
    publisher: str | None = None
    schema_: dict[str, Any] | None = None
    description: str | None = None

    @property
    def schema(self) -> dict[str, Any] | None:
        return self.schema_

    @classmethod
    def from_template(cls, entry: dict[str, Any]) -> EventDeclaration:
        return cls(
            name=str(entry["name"]),
            condition=entry.get("condition"),
            delivery_mode=entry.get("delivery_mode"),
            publisher=entry.get("publisher"),
            schema_=entry.get("schema"),
            description=entry.get("description"),
        )


@dataclass
class PublishContext:
    """Everything about one event about to be published."""

    event_name: str
    step_result: StepResult
    event_declaration: EventDeclaration | None
    step_context: StepEventContext


class BasePublisher(ABC):
    """Turns a step's result into an event. Subclasses name themselves (``publisher_name``)
    and override the hooks they need; every hook has a sensible default."""

    @property
    @abstractmethod
    def publisher_name(self) -> str: ...

    def should_publish(self, ctx: StepEventContext) -> bool:
        return True

    def transform_payload(self, ctx: StepEventContext) -> dict[str, Any]:
        return dict(ctx.result or {})

    def additional_metadata(self, ctx: StepEventContext) -> dict[str, Any]:
        return {}

    def before_publish(
        self, event_name: str, payload: dict[str, Any], metadata: dict[str, Any]
    ) -> bool:
        """False aborts the publication (after_publish is then not called)."""
        return True

    def after_publish(
        self, event_name: str, payload: dict[str, Any], metadata: dict[str, Any]
    ) -> None:
        return None

    def on_publish_error(self, event_name: str, error: Exception, payload: dict[str, Any]) -> None:
        log.warning("publisher %s failed on %s: %r", self.publisher_name, event_name, error)

    def publish(
        self, ctx: StepEventContext, event_name: str | None = None, *, emit: Emit | None = None
    ) -> bool:
        """Run the lifecycle for ``event_name`` (default ``<step_name>.completed``); True when
        the event was published. ``emit`` is how the engine receives the finished event."""
        name = event_name or f"{ctx.step_name}.completed"
        payload: dict[str, Any] = {}
        try:
            if not self.should_publish(ctx):
                return False
            payload = self.transform_payload(ctx)
            metadata = {
                **ctx.metadata,
                "publisher": self.publisher_name,
                "step_name": ctx.step_name,
                "namespace": ctx.namespace,
                "correlation_id": ctx.correlation_id,
                **self.additional_metadata(ctx),
            }
            if not self.before_publish(name, payload, metadata):
                return False
            if emit is not None:
                emit(name, payload, metadata)
            self.after_publish(name, payload, metadata)
            return True
        except Exception as exc:
            try:
                self.on_publish_error(name, exc, payload)
            except Exception:
                log.exception("on_publish_error of %s raised", self.publisher_name)
            return False


class DefaultPublisher(BasePublisher):
    """The step's result as the payload, nothing added."""

    @property
    def publisher_name(self) -> str:
        return "default"


class PublisherRegistry:
    """The process's custom publishers, by name (a template's ``publisher:``)."""

    _instance: ClassVar[PublisherRegistry | None] = None

    def __init__(self) -> None:
        self._publishers: dict[str, BasePublisher] = {}
        self._frozen = False
        self._default = DefaultPublisher()

    @classmethod
    def instance(cls) -> PublisherRegistry:
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    @classmethod
    def reset(cls) -> None:
        """Forget the singleton (tests)."""
        cls._instance = None

    @property
    def is_frozen(self) -> bool:
        return self._frozen

    def freeze(self) -> None:
        self._frozen = True

    def unfreeze(self) -> None:
        self._frozen = False

    def register(self, publisher: BasePublisher, name: str | None = None) -> None:
        if not isinstance(publisher, BasePublisher):
            raise ValueError(f"Expected BasePublisher instance, got {type(publisher).__name__}")
        if self._frozen:
            raise RuntimeError("publisher registry is frozen; unfreeze it to register")
        self._publishers[name or publisher.publisher_name] = publisher

    def get(self, name: str) -> BasePublisher | None:
        return self._publishers.get(name)

    def get_or_default(self, name: str | None) -> BasePublisher:
        found = self._publishers.get(name) if name else None
        return found if found is not None else self._default

    def validate_required(self, names: list[str]) -> list[str]:
        """The names among ``names`` that no registered publisher answers to."""
        return [name for name in names if name not in self._publishers]

    def list_publishers(self) -> list[str]:
        return list(self._publishers)

    def clear(self) -> None:
        if self._frozen:
            raise RuntimeError("publisher registry is frozen; unfreeze it to clear")
        self._publishers.clear()
