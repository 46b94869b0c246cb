"""The embedded worker runs on a thread of its own; what the host asks of it shows at once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from engine.api import open_engine
from engine.embedded import EmbeddedWorker
from tests.engine.support import CART, DATA, HANDLERS


async def test_pause_shows_at_once_and_the_worker_starts_nothing_until_resumed(
    tmp_path: Path,
) -> None:
    db = tmp_path / "embedded.db"
    worker = EmbeddedWorker(db, templates=[DATA], handlers=HANDLERS, concurrency=2, poll_s=0.01)
    worker.start()
    try:
        worker.pause()
        # The host reads the state right after asking (the console redraws its header so):
        # it must not see the worker still running because its thread has not yet run pause().
        assert worker.paused
        async with open_engine(db, templates=[DATA], handlers=HANDLERS) as engine:
            made = await engine.create_task("ecommerce_order_processing", "ecommerce", CART)
            uuid = made.task["task_uuid"]
            await asyncio.sleep(0.3)  # thirty of the worker's polls
            assert (await engine.get_task(uuid))["status"] == "pending"
            worker.resume()
            assert not worker.paused
            deadline = time.monotonic() + 20
            while (await engine.get_task(uuid))["status"] != "complete":
                assert time.monotonic() < deadline, "the resumed worker did not run the task"
                await asyncio.sleep(0.02)
    finally:
        worker.stop()
