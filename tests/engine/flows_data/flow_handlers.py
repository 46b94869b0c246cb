"""Handlers for the decision and batch tests, steered by the task context.

route: routes to ``context[routes_key]`` (default ``route``), or skips when it is empty.
process: sums the item numbers of its cursor range; ``fail_batches`` lists batch ids that fail
permanently; ``checkpoint_every`` yields a checkpoint every N items; ``crash_after`` fails the
first attempt (retryably) once that many items of the batch are done.
"""

from __future__ import annotations

from typing import Any

from tasker_core import PermanentError, RetryableError
from tasker_core.batch_processing import Batchable
from tasker_core.step_handler.functional import (
    BatchConfig,
    Decision,
    batch_analyzer,
    batch_worker,
    decision_handler,
    step_handler,
)
from tasker_core.types import BatchWorkerContext, StepContext, StepHandlerResult

CALLS: list[tuple[str, Any]] = []  # (step name, cursor) of every worker call, for the tests


@step_handler("flowtest.echo")
def echo(context: StepContext) -> dict[str, Any]:
    return {"step": context.step_name}


@step_handler("flowtest.collect")
def collect(context: StepContext) -> dict[str, Any]:
    return {"joined": sorted(context.get_dependency_result_keys())}


@decision_handler("flowtest.route")
def route(context: StepContext) -> Decision:
    names = context.get_input(context.get_config("routes_key") or "route") or []
    if not names:
        return Decision.skip("nothing to route", checked=True)
    return Decision.route(list(names), chosen=len(names))


@batch_analyzer("flowtest.analyze", worker_template="process")
def analyze(context: StepContext) -> BatchConfig:
    return BatchConfig(
        total_items=int(context.get_input("items") or 0),
        batch_size=int(context.get_input("batch_size") or 10),
    )


@batch_worker("flowtest.process")
def process(batch_context: BatchWorkerContext, context: StepContext) -> StepHandlerResult:
    batch = batch_context
    if batch.batch_id in (context.get_input("fail_batches") or []):
        raise PermanentError(f"batch {batch.batch_id} holds a malformed row")
    every = context.get_input("checkpoint_every")
    crash_after = context.get_input("crash_after")
    start = batch.checkpoint_cursor if batch.has_checkpoint() else batch.start_cursor
    total = (batch.accumulated_results or {}).get("sum", 0)
    done = batch.checkpoint_items_processed
    CALLS.append((context.step_name, start))
    cursor = start
    while cursor < batch.end_cursor:
        total += cursor
        cursor += 1
        done += 1
        if crash_after and context.retry_count == 0 and done >= crash_after:
            raise RetryableError(f"worker crashed after {done} items")
        if every and done % every == 0 and cursor < batch.end_cursor:
            return Batchable().checkpoint_yield(cursor, done, {"sum": total})
    return Batchable().batch_worker_success(
        items_processed=done, last_cursor=cursor, batch_metadata={"sum": total}
    )


@step_handler("flowtest.aggregate")
def aggregate(context: StepContext) -> dict[str, Any]:
    workers = context.get_all_dependency_results("process_")
    summary = Batchable.aggregate_worker_results(workers)
    summary["sum"] = sum((w.get("batch_metadata") or {}).get("sum", 0) for w in workers)
    summary["workers"] = [n for n in context.get_dependency_result_keys() if n.startswith("p")]
    return summary
