"""The handlers the bench templates name, for ``tasker --handlers bench/noop_handlers.py``."""

from __future__ import annotations

import time

from tasker_core import RetryableError
from tasker_core.step_handler.functional import step_handler

CALLS: list[tuple[str, int, float]] = []  # (task_uuid, attempt, wall-clock ms) for bench.latency


@step_handler("bench_noop")
async def bench_noop(context):
    return {}


@step_handler("bench_flaky_once")
async def bench_flaky_once(context):
    CALLS.append((context.task_uuid, context.retry_count + 1, time.time() * 1000))
    if context.retry_count == 0:
        raise RetryableError("the first attempt always fails")
    return {}
