"""Subscribers: Python code that reacts to the domain events steps publish.

A subscriber names the event patterns it wants (``subscribes_to``: ``"payment.*"``, ``"*"``,
exact names; shell-style wildcards) and handles each matching event as a plain dict::

    before_handle(event) → handle(event) → after_handle(event)      (errors: on_handle_error)

``start(poller)`` registers it with an ``InProcessDomainEventPoller``, the in-process bus
through which the engine hands events to subscribers. A subscriber that raises is retried with
backoff by the engine, never by the step that published (``engine.events.delivery``).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import partial
from typing import Any, ClassVar

from pydantic import BaseModel, Field

log = logging.getLogger("tasker.events")


class DomainEvent(BaseModel):
    """One published event as the bus carries it (subscribers get ``model_dump()``)."""

    event_id: str
    event_name: str
    payload: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    task_uuid: str = ""
    step_uuid: str = ""
    step_name: str = ""
    namespace: str = ""
    correlation_id: str = ""
    delivery_mode: str = "fast"
    published_at: int = 0  # epoch ms


EventCallback = Callable[[Any], object]


def pattern_matches(pattern: str, event_name: str) -> bool:
    return pattern == "*" or fnmatchcase(event_name, pattern)


@dataclass
class _Subscription:
    pattern: str
    callback: EventCallback
    owner: str  # the subscriber's name: one delivery per subscriber, whatever patterns match


class InProcessDomainEventPoller:
    """The in-process event bus: callbacks by pattern, called for each event handed in."""

    def __init__(self) -> None:
        self._subscriptions: list[_Subscription] = []

    def on_event(self, pattern: str, callback: EventCallback, owner: str | None = None) -> None:
        """Call ``callback(event)`` for each event whose name matches ``pattern``."""
        name = owner or str(getattr(callback, "__qualname__", repr(callback)))
        self._subscriptions.append(_Subscription(pattern, callback, name))

    def off(self, owner: str) -> None:
        """Forget every callback registered for ``owner``."""
        self._subscriptions = [s for s in self._subscriptions if s.owner != owner]

    def subscribers_for(self, event_name: str) -> dict[str, EventCallback]:
        """The callback of each subscriber that wants ``event_name`` (its first matching one)."""
        found: dict[str, EventCallback] = {}
        for sub in self._subscriptions:
            if sub.owner not in found and pattern_matches(sub.pattern, event_name):
                found[sub.owner] = sub.callback
        return found

    @property
    def subscription_count(self) -> int:
        return len(self._subscriptions)


class BaseSubscriber(ABC):
    """Reacts to domain events. Override ``subscribes_to`` and ``handle``."""

    _active: bool = False

    @classmethod
    @abstractmethod
    def subscribes_to(cls) -> list[str]: ...

    @abstractmethod
    def handle(self, event: dict[str, Any]) -> None: ...

    @property
    def subscriber_name(self) -> str:
        return str(self.__dict__.get("_name") or type(self).__name__)

    @property
    def active(self) -> bool:
        return self._active

    @property
    def subscriptions(self) -> list[str]:
        subs: list[str] = self.__dict__.setdefault("_subscribed", [])
        return subs

    def matches(self, event_name: str) -> bool:
        return any(pattern_matches(p, event_name) for p in self.subscribes_to())

    def before_handle(self, event: dict[str, Any]) -> bool:
        """False skips the event (it counts as delivered)."""
        return True

    def after_handle(self, event: dict[str, Any]) -> None:
        return None

    def on_handle_error(self, event: dict[str, Any], error: Exception) -> None:
        log.warning("subscriber %s failed on %s: %r", self.subscriber_name,
                    event.get("event_name"), error)  # fmt: skip

    def handle_event_safely(self, event: dict[str, Any]) -> bool | None:
        """Run the hooks, never raising: True when handled, False when the subscriber failed,
        None when it did not take the event (inactive, or ``before_handle`` said no)."""
        if not self._active:
            return None
        try:
            if not self.before_handle(event):
                return None
            self.handle(event)
            self.after_handle(event)
            return True
        except Exception as exc:
            self.__dict__["_last_error"] = exc
            try:
                self.on_handle_error(event, exc)
            except Exception:
                log.exception("on_handle_error of %s raised", self.subscriber_name)
            return False

    def last_error(self) -> Exception | None:
        error = self.__dict__.get("_last_error")
        return error if isinstance(error, Exception) else None

    def _handle_if_matches(self, event: Any, pattern: str) -> bool | None:
        if not pattern_matches(pattern, event.event_name):
            return None
        return self.handle_event_safely(event.model_dump())

    def start(self, poller: InProcessDomainEventPoller) -> None:
        """Register with ``poller``, one callback per pattern; a second start does nothing."""
        if self._active:
            return
        self.__dict__["_poller"] = poller
        for pattern in self.subscribes_to():
            poller.on_event(pattern, self._callback(pattern), self.subscriber_name)
            self.subscriptions.append(pattern)
        self._active = True

    def _callback(self, pattern: str) -> EventCallback:
        return partial(self._handle_if_matches, pattern=pattern)

    def stop(self) -> None:
        if not self._active:
            return
        poller = self.__dict__.pop("_poller", None)
        off = getattr(poller, "off", None)
        if callable(off):
            off(self.subscriber_name)
        self.subscriptions.clear()
        self._active = False


class SubscriberRegistry:
    """The process's subscribers: classes (made when started) and ready-made instances."""

    _instance: ClassVar[SubscriberRegistry | None] = None

    def __init__(self) -> None:
        self._classes: dict[str, type[BaseSubscriber]] = {}
        self._instances: dict[str, BaseSubscriber] = {}
        self._active: dict[str, BaseSubscriber] = {}

    @classmethod
    def instance(cls) -> SubscriberRegistry:
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    @classmethod
    def reset(cls) -> None:
        """Stop every subscriber and forget the singleton (tests)."""
        if cls._instance is not None:
            cls._instance.stop_all()
        cls._instance = None

    def register(self, subscriber_class: type[BaseSubscriber]) -> None:
        if not (
            isinstance(subscriber_class, type) and issubclass(subscriber_class, BaseSubscriber)
        ):
            raise ValueError(f"Expected BaseSubscriber subclass, got {subscriber_class!r}")
        self._classes[subscriber_class.__name__] = subscriber_class

    def register_instance(self, subscriber: BaseSubscriber, name: str | None = None) -> None:
        if not isinstance(subscriber, BaseSubscriber):
            raise ValueError(f"Expected BaseSubscriber instance, got {type(subscriber).__name__}")
        label = name or subscriber.subscriber_name
        subscriber.__dict__["_name"] = label
        self._instances[label] = subscriber

    def list_registered(self) -> dict[str, list[str]]:
        return {"classes": list(self._classes), "instances": list(self._instances)}

    def start_all(self, poller: InProcessDomainEventPoller) -> int:
        """Start every registered subscriber not started yet; returns how many started. A class
        that fails to build is logged and left out."""
        started = 0
        for name, cls in self._classes.items():
            if name in self._active:
                continue
            try:
                subscriber = cls()
            except Exception:
                log.exception("subscriber %s could not be created; left out", name)
                continue
            subscriber.start(poller)
            self._active[name] = subscriber
            started += 1
        for name, subscriber in self._instances.items():
            if name not in self._active:
                subscriber.start(poller)
                self._active[name] = subscriber
                started += 1
        return started

    def stop_all(self) -> int:
        stopped = 0
        for subscriber in self._active.values():
            subscriber.stop()
            stopped += 1
        self._active.clear()
        return stopped

    @property
    def active_count(self) -> int:
        return len(self._active)

    def active_subscribers(self) -> dict[str, BaseSubscriber]:
        return dict(self._active)

    def stats(self) -> dict[str, Any]:
        return {
            "registered_classes": len(self._classes),
            "registered_instances": len(self._instances),
            "active_subscribers": len(self._active),
            "subscriptions": [
                {
                    "name": name,
                    "class": type(sub).__name__,
                    "patterns": list(sub.subscriptions),
                    "active": sub.active,
                }
                for name, sub in self._active.items()
            ],
        }

    def clear(self) -> None:
        self.stop_all()
        self._classes.clear()
        self._instances.clear()
