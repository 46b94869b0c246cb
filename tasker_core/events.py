"""Tasker's in-process event bridge (``tasker_core.EventBridge``) and its event names.

A synchronous publish/subscribe hub, one per process: listeners run in the publisher's thread,
in subscription order; a bridge that is not started drops what is published. Tasker's worker
feeds it step events from its Rust core; here ``StepExecutionSubscriber`` listens on it to run
handlers in-process (tests, embedding), while the engine's own worker runs steps itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, ClassVar

Listener = Callable[..., Any]


class EventNames:
    """The events Tasker's worker publishes on the bridge."""

    STEP_EXECUTION_RECEIVED = "step.execution.received"
    STEP_COMPLETION_SENT = "step.completion.sent"
    HANDLER_REGISTERED = "handler.registered"
    HANDLER_ERROR = "handler.error"
    POLLER_METRICS = "poller.metrics"
    POLLER_ERROR = "poller.error"


EVENT_SCHEMA: dict[str, str] = {
    EventNames.STEP_EXECUTION_RECEIVED: "a step event to run (FfiStepEvent)",
    EventNames.STEP_COMPLETION_SENT: "a step's result was sent (StepExecutionResult)",
    EventNames.HANDLER_REGISTERED: "a handler was registered (name, class)",
    EventNames.HANDLER_ERROR: "a handler raised (event, exception)",
    EventNames.POLLER_METRICS: "dispatch channel figures (FfiDispatchMetrics)",
    EventNames.POLLER_ERROR: "polling failed (exception)",
}


class EventBridge:
    """Publish/subscribe by event name; ``instance()`` is the process-wide one."""

    _instance: ClassVar[EventBridge | None] = None
    _instance_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener]] = {}
        self._once: set[int] = set()
        self._active = False
        self._lock = threading.RLock()

    @classmethod
    def instance(cls) -> EventBridge:
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    @classmethod
    def reset_instance(cls) -> None:
        """Stop and forget the process-wide bridge."""
        with cls._instance_lock:
            if cls._instance is not None:
                cls._instance.stop()
            cls._instance = None

    @property
    def is_active(self) -> bool:
        return self._active

    @property
    def event_schema(self) -> dict[str, str]:
        return dict(EVENT_SCHEMA)

    def start(self) -> None:
        self._active = True

    def stop(self) -> None:
        """Stop delivering, and drop every listener."""
        with self._lock:
            self._active = False
            self._listeners.clear()
            self._once.clear()

    def subscribe(self, event: str, listener: Listener) -> None:
        with self._lock:
            self._listeners.setdefault(event, []).append(listener)

    def subscribe_once(self, event: str, listener: Listener) -> None:
        """Call ``listener`` for the next ``event`` only."""
        with self._lock:
            self._listeners.setdefault(event, []).append(listener)
            self._once.add(id(listener))

    def unsubscribe(self, event: str, listener: Listener) -> None:
        with self._lock:
            listeners = self._listeners.get(event, [])
            if listener in listeners:
                listeners.remove(listener)
            self._once.discard(id(listener))

    def publish(self, event: str, *args: Any, **kwargs: Any) -> None:
        """Call every listener of ``event`` with the arguments (dropped when not started)."""
        if not self._active:
            return
        with self._lock:
            listeners = list(self._listeners.get(event, []))
            for listener in listeners:
                if id(listener) in self._once:
                    self.unsubscribe(event, listener)
        for listener in listeners:
            listener(*args, **kwargs)

    def listener_count(self, event: str) -> int:
        return len(self._listeners.get(event, []))

    def listeners(self, event: str) -> list[Listener]:
        return list(self._listeners.get(event, []))
