"""Handlers that misbehave the way other people's code does: hang, exit, interrupt, raise what
no handler should, block the event loop. Each step of ``reliability/unruly_*`` names one.

``TASKER_RELIABILITY_RUNLOG`` (when set) gets a line per body run: ``task step attempt what``.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from typing import Any

from tasker_core.step_handler.functional import step_handler

RAISED: dict[str, type[BaseException]] = {
    "SystemExit": SystemExit,
    "KeyboardInterrupt": KeyboardInterrupt,
    "GeneratorExit": GeneratorExit,
    "CancelledError": asyncio.CancelledError,
    "BaseException": BaseException,
}


def _log(context: Any, what: str) -> None:
    runlog = os.environ.get("TASKER_RELIABILITY_RUNLOG")
    if runlog:
        with open(runlog, "a") as out:
            attempt = context.retry_count + 1
            out.write(f"{context.task_uuid} {context.step_name} {attempt} {what}\n")


@step_handler("reliability_hang")
def hang(context: Any) -> dict[str, Any]:
    """Never returns: waits on an event nobody sets (a deadlocked call, a socket with no timeout)."""
    _log(context, "hang")
    threading.Event().wait()
    return {}


@step_handler("reliability_healthy")
def healthy(context: Any) -> dict[str, Any]:
    _log(context, "healthy")
    return {"n": context.get_input("n")}


@step_handler("reliability_raise")
def raise_sync(context: Any) -> dict[str, Any]:
    """Raises what ``context["raise"]`` names (``sys.exit()`` for SystemExit)."""
    _log(context, "raise")
    raise RAISED[context.get_input("raise")](f"{context.get_input('raise')} from a sync handler")


@step_handler("reliability_araise")
async def raise_async(context: Any) -> dict[str, Any]:
    _log(context, "raise")
    await asyncio.sleep(0)
    raise RAISED[context.get_input("raise")](f"{context.get_input('raise')} from an async handler")


@step_handler("reliability_block_loop")
async def block_loop(context: Any) -> dict[str, Any]:
    """Blocks the worker's event loop (a sync wait in async code) until the file
    ``context["release"]`` exists, then returns."""
    _log(context, "start")
    release = context.get_input("release")
    gave_up = time.monotonic() + 120
    while not os.path.exists(release) and time.monotonic() < gave_up:
        time.sleep(0.02)
    _log(context, "end")
    return {"released": os.path.exists(release)}


@step_handler("reliability_wait")
async def wait(context: Any) -> dict[str, Any]:
    """Awaits for ``context["wait_s"]`` seconds without blocking anything."""
    _log(context, "start")
    await asyncio.sleep(float(context.get_input("wait_s")))
    return {"waited_s": context.get_input("wait_s")}
