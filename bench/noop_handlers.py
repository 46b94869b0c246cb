"""The handlers the bench templates name, for ``tasker --handlers bench/noop_handlers.py``."""

from __future__ import annotations

import time

from tasker_core import RetryableError
from tasker_core.batch_processing import Batchable
from tasker_core.step_handler.functional import (
    BatchConfig,
    batch_analyzer,
    batch_worker,
    step_handler,
)

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


@batch_analyzer("bench_analyze", worker_template="clone")
def bench_analyze(context):
    return BatchConfig(total_items=int(context.get_input("items") or 0), batch_size=1)


@batch_worker("bench_clone")
def bench_clone(batch_context, context):
    return Batchable().batch_worker_success(
        items_processed=1, last_cursor=batch_context.end_cursor, batch_metadata={}
    )
