"""The worker's own handler threads: a hung handler's thread is written off and replaced, a
time limit counts from the body's start, and whatever a handler raises fails its call only."""

from __future__ import annotations

import asyncio
import sys
import threading
import time

import pytest

from engine.deadlines import Deadlines
from engine.handlers.invoke import call_handler
from engine.handlers.registry import HandlerRegistry
from engine.handlers.threads import HandlerThreads
from tasker_core.step_handler.functional import step_handler
from tests.handlers.support import make_context


def resolved(handler: object):
    registry = HandlerRegistry()
    registry.register("under_test", handler)
    return registry.resolve_step("under_test")


async def test_a_hung_handlers_thread_is_written_off_and_replaced() -> None:
    release = threading.Event()
    threads = HandlerThreads(1)
    deadlines = Deadlines()

    @step_handler("test_hangs")
    def hangs(context):
        release.wait()
        return {"late": True}

    @step_handler("test_healthy")
    def healthy(context):
        return {"thread": threading.current_thread().name}

    try:
        with pytest.raises(TimeoutError):
            async with deadlines.limit(0.05) as limit:
                await call_handler(resolved(hangs), make_context(), threads, limit)
        [gone] = threads.written_off()
        assert gone.thread == "tasker-handler-1" and "step a_step" in gone.what
        # The only thread hangs, yet the next call runs at once, on a thread in its place.
        async with deadlines.limit(5) as limit:
            outcome = await call_handler(resolved(healthy), make_context(), threads, limit)
        assert outcome.results == {"thread": "tasker-handler-2"}
    finally:
        release.set()
        threads.close()


async def test_a_time_limit_counts_from_the_bodys_start_not_from_the_queue() -> None:
    """One thread, held by a first call: the second waits in the queue past its limit's
    length, then runs and returns, as its body had all its time."""
    threads = HandlerThreads(1)
    deadlines = Deadlines()
    release = threading.Event()

    @step_handler("test_holds")
    def holds(context):
        release.wait()
        return {}

    @step_handler("test_quick")
    def quick(context):
        return {"ran": True}

    first = asyncio.create_task(call_handler(resolved(holds), make_context(), threads))
    queued_for = 0.2
    limits = []

    async def second():
        async with deadlines.limit(queued_for) as limit:
            limits.append(limit)
            return await call_handler(resolved(quick), make_context(), threads, limit)

    waiting = asyncio.create_task(second())
    while not limits:
        await asyncio.sleep(0)
    first_deadline = limits[0].when
    loop = asyncio.get_running_loop()
    # Until its limit came due and found it queued (and moved on), or ended the call.
    while not waiting.done() and (
        loop.time() <= first_deadline or limits[0].when == first_deadline
    ):
        await asyncio.sleep(0.02)
    release.set()
    outcome = await waiting
    assert outcome.ok and outcome.results == {"ran": True}
    assert (await first).ok
    threads.close()


async def test_a_body_that_returned_in_time_is_not_failed_for_the_loops_lateness() -> None:
    """The loop stalls past the limit after the body returned: the result still counts."""
    threads = HandlerThreads(1)
    deadlines = Deadlines()
    returning = threading.Event()

    @step_handler("test_quick")
    def quick(context):
        returning.set()
        return {"ran": True}

    async def call():
        async with deadlines.limit(0.1) as limit:
            return await call_handler(resolved(quick), make_context(), threads, limit)

    try:
        waiting = asyncio.create_task(call())
        await asyncio.sleep(0)  # submitted
        assert returning.wait(timeout=30)
        time.sleep(0.3)  # the loop stalls (a slow callback elsewhere) past the call's limit
        outcome = await waiting
    finally:
        threads.close()
    assert outcome.ok and outcome.results == {"ran": True}


RAISED = [SystemExit, KeyboardInterrupt, GeneratorExit, asyncio.CancelledError, BaseException]


@pytest.mark.parametrize("raised", RAISED, ids=[kind.__name__ for kind in RAISED])
@pytest.mark.parametrize("style", ["sync", "async"])
async def test_any_base_exception_fails_the_call_with_its_real_type(
    raised: type[BaseException], style: str
) -> None:
    if style == "sync":

        @step_handler("test_raises")
        def handler(context):
            raise raised("from the handler")
    else:

        @step_handler("test_raises")
        async def handler(context):
            await asyncio.sleep(0)
            raise raised("from the handler")

    threads = HandlerThreads(1)
    try:
        outcome = await call_handler(resolved(handler), make_context(), threads)
    finally:
        threads.close()
    assert outcome.error is not None
    assert (outcome.error.error_type, outcome.error.retryable) == ("handler_error", True)
    assert outcome.error.message == "from the handler"
    assert outcome.error.metadata["exception_type"] == raised.__name__
    assert "Traceback" in (outcome.error.traceback or "")


async def test_sys_exit_in_a_sync_handler_fails_the_call_and_the_loop_runs_on() -> None:
    @step_handler("test_exits")
    def handler(context):
        sys.exit(3)

    threads = HandlerThreads(2)
    try:
        outcomes = await asyncio.gather(
            *(call_handler(resolved(handler), make_context(), threads) for _ in range(4))
        )
    finally:
        threads.close()
    assert [(o.error.message, o.error.metadata["exception_type"]) for o in outcomes if o.error] == [
        ("3", "SystemExit")
    ] * 4


async def test_a_real_cancellation_still_cancels_an_async_handler() -> None:
    started = asyncio.Event()

    @step_handler("test_waits")
    async def handler(context):
        started.set()
        await asyncio.Event().wait()

    call = asyncio.create_task(call_handler(resolved(handler), make_context()))
    await started.wait()
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
