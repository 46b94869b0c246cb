"""Tasker's synchronous ``TaskerClient``, over the Engine facade on a private event loop.

The client owns one background thread running its own event loop, and keeps one Engine
open there; every call is submitted to that loop and waited for. So it can be called from a
web framework's worker threads, from plain scripts, and from code already running inside
another event loop, without ever touching the caller's loop. It writes to the same database
file the workers read (``db``, else ``$TASKER_DB``, else ``./tasker.db``).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, Self, TypeVar

from engine.api import Engine, EngineError, open_engine
from engine.handlers.client_responses import TaskListResponse, TaskResponse
from engine.states import IllegalTransition
from engine.store import StoreError
from engine.templates import TemplateError

try:  # the catalog's not-found error, where the template package defines one
    from engine.templates import TemplateNotFound
except ImportError:  # pragma: no cover
    TemplateNotFound = TemplateError  # type: ignore[misc,assignment]

T = TypeVar("T")
# What "you asked for something wrong" looks like, as the CLI treats it.
_USER_ERRORS = (EngineError, StoreError, TemplateError, TemplateNotFound, IllegalTransition)

# Tasker's TaskRequest fields this engine has no use for; accepted so callers run unchanged.
_IGNORED_REQUEST_FIELDS = frozenset(
    {"priority", "tags", "correlation_id", "parent_correlation_id", "requested_at", "options"}
)


class TaskerClientError(Exception):
    """The engine refused the request; ``str()`` is one line saying what to fix."""


class TaskerClient:
    """Create, read, list and cancel tasks; synchronous and thread-safe."""

    def __init__(
        self,
        initiator: str = "tasker-core-python",
        source_system: str = "tasker-core",
        db: str | os.PathLike[str] | None = None,
        *,
        templates: Sequence[str | os.PathLike[str]] | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.initiator = initiator
        self.source_system = source_system
        self.db = str(db or os.environ.get("TASKER_DB") or "tasker.db")
        if templates is None:
            templates = [p for p in os.environ.get("TASKER_TEMPLATE_PATH", "").split(":") if p]
        self.templates = [Path(t) for t in templates]
        self.timeout = timeout
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._engine: Engine | None = None
        self._engine_cm: Any = None
        self._closed = False

    # -- Tasker's client API ----------------------------------------------------------------

    def create_task(
        self,
        name: str,
        *,
        namespace: str = "default",
        context: dict[str, Any] | None = None,
        version: str | None = "1.0.0",
        reason: str | None = "Task requested",
        idempotency_key: str | None = None,
        initiator: str | None = None,
        source_system: str | None = None,
        **kwargs: Any,
    ) -> TaskResponse:
        """Create a task; the same identity (or ``idempotency_key``) returns the existing one
        with ``created=False`` instead of a second task."""
        task, created = self.create_record(
            name,
            namespace=namespace,
            context=context,
            version=version,
            reason=reason,
            idempotency_key=idempotency_key,
            initiator=initiator,
            source_system=source_system,
            **kwargs,
        )
        return TaskResponse.from_engine(task, created=created)

    def create_record(
        self,
        name: str,
        *,
        namespace: str = "default",
        context: dict[str, Any] | None = None,
        version: str | None = "1.0.0",
        reason: str | None = "Task requested",
        idempotency_key: str | None = None,
        initiator: str | None = None,
        source_system: str | None = None,
        **kwargs: Any,
    ) -> tuple[dict[str, Any], bool]:
        """``create_task``'s work: the task's dict and whether it was created just now."""
        unknown = sorted(set(kwargs) - _IGNORED_REQUEST_FIELDS)
        if unknown:
            raise TypeError(f"create_task() got unexpected keyword arguments: {', '.join(unknown)}")
        made = self._run(
            lambda engine: engine.create_task(
                name,
                namespace,
                context if context is not None else {},
                version=version,
                initiator=initiator or self.initiator,
                source_system=source_system or self.source_system,
                reason=reason,
                idempotency_key=idempotency_key,
            )
        )
        return dict(made.task), bool(made.created)

    def get_task(self, task_uuid: str) -> TaskResponse:
        """A task by uuid (or any unique prefix), with its steps."""
        return TaskResponse.from_engine(self._run(lambda engine: engine.get_task(task_uuid)))

    def list_tasks(
        self,
        *,
        limit: int = 50,
        offset: int = 0,
        namespace: str | None = None,
        status: str | None = None,
    ) -> TaskListResponse:
        rows = self._run(lambda engine: engine.list_tasks(namespace, status, limit, offset))
        return TaskListResponse.from_dict({"tasks": rows}, limit, offset)

    def cancel_task(
        self, task_uuid: str, reason: str | None = None, by: str | None = None
    ) -> TaskResponse:
        """Cancel a task and its unfinished steps (audited with ``by`` and ``reason``)."""
        return TaskResponse.from_engine(
            self._run(lambda engine: engine.cancel_task(task_uuid, reason, by or self.initiator))
        )

    # -- lifecycle ----------------------------------------------------------------------------

    def close(self) -> None:
        """Close the database and stop the background loop; the client cannot be reused."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            loop, thread, cm = self._loop, self._thread, self._engine_cm
            self._engine = self._engine_cm = None
        _open_clients.discard(self)
        if loop is None or thread is None:
            return
        try:
            if cm is not None:
                closing = cm.__aexit__(None, None, None)
                asyncio.run_coroutine_threadsafe(closing, loop).result(self.timeout)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(self.timeout)
            loop.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the bridge ---------------------------------------------------------------------------

    def run(self, call: Any) -> Any:
        """``call(engine)`` (a coroutine) run on the client's loop, waited for."""
        return self._run(call)

    def _run(self, call: Any) -> Any:
        loop, engine = self._started()

        return self._submit(loop, call(engine))

    def _submit(self, loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        try:
            return future.result(self.timeout)
        except TimeoutError:
            future.cancel()
            raise TaskerClientError(
                f"the engine did not answer within {self.timeout:g} s; is {self.db!r} locked?"
            ) from None
        except _USER_ERRORS as exc:
            raise TaskerClientError(_one_line(exc)) from exc

    def _started(self) -> tuple[asyncio.AbstractEventLoop, Engine]:
        with self._lock:
            if self._closed:
                raise TaskerClientError("this TaskerClient is closed; create a new one")
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="tasker-client", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
                _open_clients.add(self)
            if self._engine is None:
                self._engine_cm = open_engine(self.db, templates=self.templates)
                try:
                    self._engine = self._submit(self._loop, self._engine_cm.__aenter__())
                except Exception:
                    self._engine_cm = None
                    raise
            return self._loop, self._engine


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# The store's SQLite thread is not a daemon: close forgotten clients before the interpreter
# waits for such threads at exit (the hook concurrent.futures uses for the same reason).
_open_clients: set[TaskerClient] = set()


def _close_open_clients() -> None:
    for client in list(_open_clients):
        client.close()


_register_exit_hook = getattr(threading, "_register_atexit", None)
if _register_exit_hook is not None:
    _register_exit_hook(_close_open_clients)
