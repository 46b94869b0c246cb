"""A worker on its own thread and event loop, for hosts whose loop must stay responsive.

The console embeds one: a Textual repaint costs about 100 ms of its loop, so the worker runs
beside it rather than on it. All methods are safe to call from any thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.api import open_engine
from engine.worker import Worker


class EmbeddedWorker:
    def __init__(
        self,
        db: str | Path,
        *,
        templates: Sequence[str | Path] = (),
        handlers: Sequence[str] = (),
        concurrency: int = 4,
        environment: str | None = None,
        **worker_options: Any,
    ) -> None:
        self._templates, self._handlers, self._environment = templates, handlers, environment
        self._db = db
        self.concurrency = concurrency
        self._worker_options = worker_options
        self._loop: asyncio.AbstractEventLoop | None = None
        self._worker: Worker | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._paused = False  # what the host asked for: the worker's loop applies it soon after
        self.error: BaseException | None = None

    def start(self) -> None:
        """Start the worker thread; returns once the worker is running (or failed to start)."""
        self._thread = threading.Thread(target=self._main, name="tasker-worker", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=30)
        if self.error is not None:
            raise self.error

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to the host through .error
            self.error = exc
            self._ready.set()

    async def _serve(self) -> None:
        async with open_engine(
            self._db,
            templates=self._templates,
            handlers=self._handlers,
            environment=self._environment,
        ) as engine:
            self._loop = asyncio.get_running_loop()
            self._worker = engine.worker(self.concurrency, **self._worker_options)
            self._ready.set()
            await self._worker.run()

    def _call(self, method: str) -> None:
        if self._loop is not None and self._worker is not None:
            self._loop.call_soon_threadsafe(getattr(self._worker, method))

    @property
    def paused(self) -> bool:
        """Paused as asked, at once: the host shows it before the worker's thread has run
        the request (it starts nothing new from then on)."""
        return self._paused

    @property
    def running_count(self) -> int:
        return self._worker.running_count if self._worker else 0

    @property
    def worker_id(self) -> str | None:
        return self._worker.worker_id if self._worker else None

    def pause(self) -> None:
        self._paused = True
        self._call("pause")

    def resume(self) -> None:
        self._paused = False
        self._call("resume")

    def wake(self) -> None:
        self._call("wake")

    def stop(self, timeout: float = 10) -> None:
        self._call("stop")
        if self._thread is not None:
            self._thread.join(timeout)
